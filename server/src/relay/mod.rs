//! The relay through NATS (PROTOCOL.md, "Relay through NATS", relay
//! version 1): the computation dials out to a NATS server with JetStream
//! and puts its newest values there; viewers anywhere read them from the
//! NATS cluster, never connecting to the computation.
//!
//! ```text
//! network runtime (plotcast-net)
//!   relay task ── connect (retries in the background) ─┬─ publisher: hello, layout, newest
//!                                                       │  frames → bucket `plotcast`,
//!                                                       │  series chunks → PLOTCAST_SERIES,
//!                                                       │  goodbye when stopped (≤ 1 s)
//!                                                       ├─ clock requests: Ping → Pong
//!                                                       └─ view requests: View → reduced frame
//! ```
//!
//! The relay lives on the server's network thread beside the viewer
//! connections, owned by the same cancellation token and task tracker.
//! `publish` never waits for it: it wakes on the hub's news, as a
//! connection does, and takes the newest values.
//!
//! Layout (each file imports only files listed below it):
//! - here: [`run`], which connects and runs the three parts until cancelled.
//! - `publisher`: the puts, the skipped-value counts, the goodbye.
//! - `requests`: clock and view requests.
//! - `series_chunks`: an append channel's cursor and chunk on its way.
//! - `value`: message bodies, compression, overviews of large frames.
//! - `storage`: the bucket and the stream, created or opened.
//! - `connect`: the client's options and events.
//! - `shared`: link state, counters and last error (for `Server::stats`).
//! - `settings`: [`RelaySettings`] from the builder, [`RelayConfig`]
//!   resolved (URLs, credentials, names).

#[cfg(feature = "nats")]
mod connect;
#[cfg(feature = "nats")]
mod publisher;
#[cfg(feature = "nats")]
mod requests;
#[cfg(feature = "nats")]
mod series_chunks;
mod settings;
mod shared;
#[cfg(feature = "nats")]
mod storage;
#[cfg(feature = "nats")]
mod value;

pub(crate) use self::settings::{RelayConfig, RelaySettings};
pub(crate) use self::shared::RelayShared;

/// The longest the relay may take to stop once cancelled: the goodbye's
/// bound (zero without the `nats` feature: there is no relay).
#[cfg(feature = "nats")]
pub(crate) const STOP_TIMEOUT: std::time::Duration = publisher::GOODBYE_TIMEOUT;
#[cfg(not(feature = "nats"))]
pub(crate) const STOP_TIMEOUT: std::time::Duration = std::time::Duration::ZERO;

/// Connects and relays until `cancel`, then says goodbye. Runs as one task
/// of the network runtime; its parts run inside it.
#[cfg(feature = "nats")]
pub(crate) async fn run(
    cfg: std::sync::Arc<RelayConfig>,
    shared: std::sync::Arc<RelayShared>,
    hub: std::sync::Arc<crate::hub::Hub>,
    cancel: tokio_util::sync::CancellationToken,
) {
    let client = tokio::select! {
        biased;
        () = cancel.cancelled() => return,
        client = connect::connect(&cfg, &shared) => client,
    };
    let client = match client {
        Ok(client) => client,
        Err(err) => {
            shared.error(err);
            return;
        }
    };
    let js = storage::context(client.clone(), &cfg);
    let publisher = publisher::Publisher::new(
        std::sync::Arc::clone(&hub),
        std::sync::Arc::clone(&cfg),
        std::sync::Arc::clone(&shared),
        js,
    );
    tokio::join!(
        publisher.run(cancel.clone()),
        requests::serve_clock(
            client.clone(),
            std::sync::Arc::clone(&shared),
            cancel.clone()
        ),
        requests::serve_views(client, hub, shared, cancel),
    );
}
