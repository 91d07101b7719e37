//! The heat demo's computation on a thread of its own, for the remote
//! viewing rows of section 8 (near and far links alike).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Result;

use crate::common::server;

/// The heat demo's computation (256 × 160, a moving source) on a thread of
/// its own, publishing a heatmap, a profile and the energy every 10 steps,
/// as `examples/heat.rs` does.
pub struct HeatPublisher {
    pub(crate) server: plotcast::Server,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HeatPublisher {
    /// Starts the computation.
    pub fn start(title: &str) -> Result<Self> {
        const NX: usize = 256;
        const NY: usize = 160;
        let server = server(title)?;
        let temperature = server.heatmap("temperature");
        let profile = server.line("profile");
        let energy = server.series("energy");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("bench-heat".into())
            .spawn(move || {
                let mut u = vec![0.0f64; NX * NY];
                let mut next = u.clone();
                let started = Instant::now();
                let mut step = 0u64;
                while !flag.load(Ordering::Relaxed) {
                    let phase = step as f64 * 0.0005;
                    let sx = (NX as f64 * (0.5 + 0.3 * phase.cos())) as usize;
                    let sy = (NY as f64 * (0.5 + 0.3 * phase.sin())) as usize;
                    for j in 1..NY - 1 {
                        for i in 1..NX - 1 {
                            let k = j * NX + i;
                            let lap = u[k - 1] + u[k + 1] + u[k - NX] + u[k + NX] - 4.0 * u[k];
                            next[k] = u[k] + 0.2 * lap;
                        }
                    }
                    next[sy * NX + sx] += 1.0;
                    std::mem::swap(&mut u, &mut next);
                    step += 1;
                    if step.is_multiple_of(10) {
                        temperature.publish(&u, NX, NY);
                        profile.publish(&u[(NY / 2) * NX..(NY / 2 + 1) * NX]);
                        energy.push(started.elapsed().as_secs_f64(), u.iter().sum());
                    }
                }
            })?;
        Ok(Self {
            server,
            stop,
            thread: Some(thread),
        })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
}

impl Drop for HeatPublisher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
