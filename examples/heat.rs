//! The main demo: a 2-D heat equation with a moving heat source.
//!
//! Streams a heatmap of the temperature, a line profile through the middle
//! row, and the total energy as an append series. The viewer opens by
//! itself; Ctrl-C stops the computation, the window keeps the last frame.
//!
//! ```sh
//! cargo run --release --example heat
//! PLOTCAST_STEPS=500 cargo run --release --example heat   # bounded run
//! ```

use std::time::Instant;

const NX: usize = 256;
const NY: usize = 160;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_suite::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("heat").start()?;
    let temperature = server.heatmap("temperature");
    let profile = server.line("profile");
    let energy = server.series("energy");
    eprintln!("heat: serving on {} (Ctrl-C to stop)", server.local_addr());

    let alpha = 0.2; // diffusion number: stable for <= 0.25
    let mut u = vec![0.0f64; NX * NY];
    let mut next = u.clone();
    let started = Instant::now();
    let mut step = 0u64;
    while step < steps {
        // The source circles the centre of the plate, its power pulsing
        // slowly, so the energy rises and falls around its equilibrium.
        let phase = step as f64 * 0.0005;
        let power = 1.0 + 0.9 * (step as f64 * 0.00005).sin();
        let sx = (NX as f64 * (0.5 + 0.3 * phase.cos())) as usize;
        let sy = (NY as f64 * (0.5 + 0.3 * phase.sin())) as usize;
        for j in 1..NY - 1 {
            for i in 1..NX - 1 {
                let k = j * NX + i;
                let lap = u[k - 1] + u[k + 1] + u[k - NX] + u[k + NX] - 4.0 * u[k];
                next[k] = u[k] + alpha * lap;
            }
        }
        for j in sy.saturating_sub(3)..(sy + 3).min(NY - 1) {
            for i in sx.saturating_sub(3)..(sx + 3).min(NX - 1) {
                next[j * NX + i] += power;
            }
        }
        std::mem::swap(&mut u, &mut next);
        step += 1;

        if step.is_multiple_of(10) {
            temperature.publish(&u, NX, NY);
            profile.publish(&u[(NY / 2) * NX..(NY / 2 + 1) * NX]);
            energy.push(started.elapsed().as_secs_f64(), u.iter().sum::<f64>());
        }
    }
    server.finish(std::time::Duration::from_secs(2));
    Ok(())
}
