//! A computation that publishes through a nats-server, as every part of
//! section 11 starts one, and the wait for its first puts. The parts
//! (`relay_cost.rs`, `relay_age.rs`, `relay_puts.rs`, `relay_stalls.rs`,
//! `relay_big.rs`) import this; `relay.rs` runs them.

use std::time::Duration;

use anyhow::Result;
use plotcast_testkit::nats_server::NatsServer;

/// The section's name in the rows, shared by its parts.
pub const SECTION: &str = "11 relay";

/// How long the relay may take to put a computation's first values: a
/// nats-server on loopback answers in milliseconds, a loaded 2-core
/// machine in seconds.
const FIRST_PUTS_TIMEOUT: Duration = Duration::from_secs(30);

/// A computation publishing through `nats` under `run`; it also listens
/// on loopback when `listen` (for a direct viewer beside the relay).
pub fn relay_server(nats: &NatsServer, run: &str, listen: bool) -> Result<plotcast::Server> {
    let mut builder = plotcast::Server::builder()
        .title(run)
        .use_env(false)
        .launch_viewer(false)
        .heartbeat_timeout(Duration::from_secs(600))
        .nats(nats.url.clone())
        .run(run)
        .process("bench");
    if listen {
        builder = builder.bind("127.0.0.1:0");
    }
    Ok(builder.start()?)
}

/// Puts the relay has made so far (0 before it connects).
pub fn relay_puts(server: &plotcast::Server) -> u64 {
    server.stats().relay.map_or(0, |r| r.puts)
}

/// Waits until the relay has put at least `puts` values (hello, layout,
/// the first frame: the run is there to be watched).
pub fn wait_relayed(server: &plotcast::Server, puts: u64) -> Result<()> {
    let put = || relay_puts(server) >= puts;
    anyhow::ensure!(
        plotcast_testkit::poll_until(FIRST_PUTS_TIMEOUT, put),
        "the relay put nothing within {FIRST_PUTS_TIMEOUT:?}: {:?}",
        server.stats().relay
    );
    Ok(())
}
