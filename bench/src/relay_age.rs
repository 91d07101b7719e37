//! Section 11, frame age: one computation publishes the fixed workload
//! (`paced.rs`) both through NATS and to a direct viewer on loopback;
//! each frame's age (now − its publish time, both clocks this machine's)
//! is taken as a relay subscriber (a key-value watcher, `subscribers.rs`)
//! and as the direct viewer (`viewer.rs`) get it. The direct viewer is
//! the reference: what the relay adds is the difference.
//!
//! ```text
//! computation ──put──▶ nats-server ──watch──▶ subscriber   age through NATS
//!      └──────────────loopback──────────────▶ viewer       age direct
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use plotcast_protocol::util::unix_now_us;
use plotcast_protocol::{decode, Message};
use plotcast_testkit::nats_server::NatsServer;

use crate::common::{wait_viewers, Scale};
use crate::paced::{lines, publish_paced, workload};
use crate::relayed::{relay_server, wait_relayed, SECTION};
use crate::report::{percentile, Report, Row};
use crate::subscribers::{OnValue, Subscribers};
use crate::viewer::Readers;

/// Ages (ms) of the frames published from `from_us` on (the first values
/// a watcher gets are history, older than the window).
#[derive(Default)]
struct Ages {
    from_us: AtomicU64,
    ms: Mutex<Vec<f64>>,
}

impl Ages {
    fn record(&self, timestamp_us: u64) {
        let from = self.from_us.load(Ordering::Relaxed);
        if from > 0 && timestamp_us >= from {
            let age = unix_now_us().saturating_sub(timestamp_us) as f64 / 1e3;
            self.ms
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(age);
        }
    }

    fn take(&self) -> Vec<f64> {
        std::mem::take(
            &mut self
                .ms
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Frame age through the relay and direct, from one computation that
/// does both, at the cost part's rate.
pub fn frame_age(report: &mut Report, scale: Scale) -> Result<()> {
    let nats = NatsServer::start("bench-relay-age");
    let (warm, secs) = (scale.pick(1.0, 0.1), scale.pick(6.0, 0.5));
    let run = "bench-age";
    let server = relay_server(&nats, run, true)?;
    let line = server.line("y");
    line.publish(&lines()[0]);
    wait_relayed(&server, 3)?;
    let relay_ages = Arc::new(Ages::default());
    let direct_ages = Arc::new(Ages::default());
    let ages = Arc::clone(&relay_ages);
    let on_value: OnValue = Arc::new(move |key, value| {
        // Data values only (`<run>.<process>.d.<id>`), not hello or layout.
        if key.contains(".d.") {
            if let Ok(Message::Data(frame)) = decode(value.clone()) {
                ages.record(frame.timestamp_us);
            }
        }
    });
    let mut subscribers = Subscribers::start(&nats.url, run, Some(on_value))?;
    subscribers.grow_to(1)?;
    let ages = Arc::clone(&direct_ages);
    let addr = server.listen_addr().context("the age server listens")?;
    let mut reader = Readers::default();
    reader.add(addr, move |frames| {
        for frame in frames {
            ages.record(frame.timestamp_us);
        }
    })?;
    wait_viewers(&server, 1)?;
    let from_us = unix_now_us() + (warm * 1e6) as u64;
    relay_ages.from_us.store(from_us, Ordering::Relaxed);
    direct_ages.from_us.store(from_us, Ordering::Relaxed);
    publish_paced(std::slice::from_ref(&line), warm, 1, secs)?;
    drop(subscribers);
    // The server's goodbye ends the reader's read: the server goes first.
    drop(server);
    drop(reader);
    let (mut relay, mut direct) = (relay_ages.take(), direct_ages.take());
    anyhow::ensure!(
        !relay.is_empty() && !direct.is_empty(),
        "no frame age measured (relay {}, direct {})",
        relay.len(),
        direct.len()
    );
    let (r50, r99) = (percentile(&mut relay, 50.0), percentile(&mut relay, 99.0));
    let (d50, d99) = (percentile(&mut direct, 50.0), percentile(&mut direct, 99.0));
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "frame age p99 through NATS on loopback, {} (p50 {r50:.2} ms, {} frames; direct p50 {d50:.2} ms, {} frames)",
            workload(),
            relay.len(),
            direct.len()
        ),
        value: r99,
        unit: "ms",
        reference: Some(("direct viewer's p99, same computation".into(), d99)),
        target: Some(("≤ direct + 5 ms".into(), r99 <= d99 + 5.0)),
    });
    Ok(())
}
