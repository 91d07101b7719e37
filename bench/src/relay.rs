//! Section 11: the relay through NATS (issue 20), against real
//! nats-servers this section starts on loopback. Each part measures
//! beside a reference in the same run:
//!
//! - `relay_cost.rs`: the computation's CPU (its publishing thread plus
//!   its network thread, `plotcast-net`) publishing a fixed line at a
//!   fixed rate through NATS to 1, 10, 100 and 1000 subscribers (light
//!   key-value watchers, `subscribers.rs`), beside direct mode with 1, 10
//!   and 60 viewers reading flat out: through NATS the cost must not grow
//!   with the subscribers, where direct it does;
//! - `relay_age.rs`: frame age (now − the frame's publish time) as a relay
//!   subscriber and a direct viewer of the same computation get each
//!   frame, on loopback;
//! - `relay_puts.rs`: the relay's puts/s when the computation publishes
//!   flat out, beside a bare client's acknowledged puts;
//! - `relay_stalls.rs`: publish times with NATS up, a subscriber stopped,
//!   nats-server stopped and killed, beside a direct computation's; how
//!   soon the relay puts again after a restart;
//! - `relay_big.rs`: the big workload through NATS to the real viewer
//!   behind a slow link, beside the same viewer connected directly.
//!
//! Without nats-server the section says so and is skipped.
//!
//! Layout: this file runs the parts; each part imports `relayed.rs` (the
//! relayed computation, the section's name), `paced.rs` (the fixed
//! workload) and `subscribers.rs` (the watchers), never this file or
//! another part.

use anyhow::Result;
use plotcast_testkit::nats_server;

use crate::common::Scale;
use crate::report::Report;
use crate::window::viewer_binary;

/// Section 11.
pub fn relay(report: &mut Report, scale: Scale) -> Result<()> {
    if nats_server::binary().is_none() {
        eprintln!(
            "note: section 11 (relay) skipped: nats-server is not installed \
             (.ci/run installs it to /opt/nats-server; or set PLOTCAST_NATS_SERVER)"
        );
        return Ok(());
    }
    // Each part starts the nats-servers it needs and stops them when it
    // is done: a thousand watchers' consumers outlive their connections
    // for a while, the stall part kills its server, and a part's
    // nats-server CPU is read from its own process.
    crate::relay_cost::cost(report, scale)?;
    crate::relay_age::frame_age(report, scale)?;
    crate::relay_puts::puts(report, scale)?;
    let viewer = viewer_binary()?;
    crate::relay_stalls::stalls(report, scale, viewer.as_deref())?;
    match &viewer {
        Some(viewer) => crate::relay_big::big_through_nats(report, scale, viewer)?,
        None => eprintln!("note: no viewer binary: section 11's big-workload rows skipped"),
    }
    Ok(())
}
