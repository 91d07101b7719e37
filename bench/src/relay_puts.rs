//! Section 11, the relay's rate: values stored per second when the
//! computation publishes faster than NATS takes them. The relay puts one
//! value at a time and awaits its acknowledgement (latest value wins:
//! what is published meanwhile is skipped), so its ceiling is one
//! acknowledged key-value put per round trip to nats-server. The
//! reference is that ceiling measured bare: an async-nats client putting
//! a value of the same size into the same bucket of the same nats-server,
//! each put awaited, while a computation without the relay publishes the
//! same line flat out on another thread (a flat-out publisher keeps one
//! of this machine's two cores busy in both cases).
//!
//! ```text
//! publisher (flat out) ─▶ hub ─▶ relay (plotcast-net) ─put, ack─▶ nats-server   puts/s
//! publisher (flat out, no relay)   bare async-nats client ─put, ack─▶ nats-server   (reference)
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use async_nats::jetstream;
use bytes::Bytes;
use plotcast_protocol::relay::BUCKET;
use plotcast_testkit::nats_server::NatsServer;

use crate::common::{server, Scale};
use crate::paced::{lines, VALUES};
use crate::procfs::child_cpu_secs;
use crate::relayed::{relay_server, wait_relayed, SECTION};
use crate::report::{Report, Row};

/// This part's nats-server, and what its command line holds (its
/// configuration folder), to read its CPU.
const NATS_NAME: &str = "bench-relay-puts";
const NATS_MARKER: &str = "plotcast-nats-bench-relay-puts-";

/// The longest one bare put or the bare client's connection may take.
const PUT_TIMEOUT: Duration = Duration::from_secs(5);

/// What one way of putting achieved.
struct Rate {
    puts_per_sec: f64,
    bytes_per_put: f64,
    /// nats-server's CPU meanwhile, % of a core.
    nats_cpu: f64,
}

/// What the relayed computation did beside its puts.
struct Relayed {
    rate: Rate,
    publishes_per_sec: f64,
    skipped_per_sec: f64,
    failed: u64,
}

/// The relay's rate beside a bare client's.
pub fn puts(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(5.0, 0.5);
    let nats = NatsServer::start(NATS_NAME);
    let relayed = relay_flat_out(&nats, secs)?;
    let bare = bare_puts(&nats, secs)?;
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "relay puts/s, computation publishing the {} KiB line flat out ({:.0} publishes/s, {:.0} skipped/s: latest value wins; {:.0} bytes a put, {} failed; nats-server {:.0} % of a core)",
            VALUES * 8 / 1024,
            relayed.publishes_per_sec,
            relayed.skipped_per_sec,
            relayed.rate.bytes_per_put,
            relayed.failed,
            relayed.rate.nats_cpu,
        ),
        value: relayed.rate.puts_per_sec,
        unit: "puts/s",
        reference: Some((
            format!(
                "bare async-nats client, {:.0}-byte puts awaited one by one, a computation without the relay publishing flat out beside it (nats-server {:.0} % of a core)",
                bare.bytes_per_put, bare.nats_cpu
            ),
            bare.puts_per_sec,
        )),
        target: None,
    });
    Ok(())
}

/// A relayed computation publishing as fast as its thread can for `secs`.
fn relay_flat_out(nats: &NatsServer, secs: f64) -> Result<Relayed> {
    let server = relay_server(nats, "bench-puts", false)?;
    let line = server.line("y");
    let values = lines();
    line.publish(&values[0]);
    wait_relayed(&server, 3)?;
    let stats = || server.stats().relay.context("the server relays");
    let before = stats()?;
    let nats0 = child_cpu_secs(NATS_MARKER);
    let t0 = Instant::now();
    let publisher = FlatOut::start(line)?;
    std::thread::sleep(Duration::from_secs_f64(secs));
    let after = stats()?;
    let elapsed = t0.elapsed().as_secs_f64();
    let nats_cpu = (child_cpu_secs(NATS_MARKER) - nats0) / elapsed * 100.0;
    let published = publisher.stop()?;
    let puts = after.puts.saturating_sub(before.puts);
    Ok(Relayed {
        rate: Rate {
            puts_per_sec: puts as f64 / elapsed,
            bytes_per_put: after.bytes.saturating_sub(before.bytes) as f64 / puts.max(1) as f64,
            nats_cpu,
        },
        // Counted when the thread stopped, a moment after `after` was read.
        publishes_per_sec: published as f64 / t0.elapsed().as_secs_f64(),
        skipped_per_sec: after.skipped.saturating_sub(before.skipped) as f64 / elapsed,
        failed: after.failed.saturating_sub(before.failed),
    })
}

/// A bare client putting an 8 KiB value into the bucket (which the relay
/// created) for `secs`, each put awaited before the next, while a
/// computation without the relay publishes flat out.
fn bare_puts(nats: &NatsServer, secs: f64) -> Result<Rate> {
    let direct = server("bench-puts-direct")?;
    let publisher = FlatOut::start(direct.line("y"))?;
    let rate = bare_put_loop(nats, secs);
    publisher.stop()?;
    rate
}

/// The bare client's loop, on a runtime of its own on this thread.
fn bare_put_loop(nats: &NatsServer, secs: f64) -> Result<Rate> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let value: Bytes = lines()[0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let bytes_per_put = value.len() as f64;
    let (puts, elapsed, nats_secs) = runtime.block_on(async {
        let client = tokio::time::timeout(PUT_TIMEOUT, async_nats::connect(nats.url.as_str()))
            .await
            .context("connecting the bare client timed out")??;
        let store = tokio::time::timeout(PUT_TIMEOUT, jetstream::new(client).get_key_value(BUCKET))
            .await
            .context("opening the bucket timed out")??;
        // A run of its own, so no watcher of the relayed run sees it.
        let key = "bench-bare.bare.d.1";
        let nats0 = child_cpu_secs(NATS_MARKER);
        let t0 = Instant::now();
        let end = t0 + Duration::from_secs_f64(secs);
        let mut puts = 0u64;
        while Instant::now() < end {
            tokio::time::timeout(PUT_TIMEOUT, store.put(key, value.clone()))
                .await
                .context("a bare put timed out")??;
            puts += 1;
        }
        let elapsed = t0.elapsed().as_secs_f64();
        anyhow::Ok((puts, elapsed, child_cpu_secs(NATS_MARKER) - nats0))
    })?;
    Ok(Rate {
        puts_per_sec: puts as f64 / elapsed,
        bytes_per_put,
        nats_cpu: nats_secs / elapsed * 100.0,
    })
}

/// A thread publishing the workload's lines on `line` as fast as it can,
/// until stopped.
struct FlatOut {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl FlatOut {
    fn start(line: plotcast::Line) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let values = lines();
        let thread = std::thread::Builder::new()
            .name("bench-relay-pub".into())
            .spawn(move || {
                let mut k = 0usize;
                while !flag.load(Ordering::Relaxed) {
                    line.publish(&values[k % values.len()]);
                    k += 1;
                }
                k as u64
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops and joins the thread; the publishes it made.
    fn stop(mut self) -> Result<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .context("the publisher was joined")?
            .join()
            .map_err(|_| anyhow::anyhow!("the publisher thread panicked"))
    }
}

impl Drop for FlatOut {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
