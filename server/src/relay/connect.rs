//! Dialling NATS: the client options (authentication passed through,
//! reconnects for ever in the background, a hung server noticed within
//! seconds) and the client's events turned into the relay's link state.
//!
//! `connect` returns at once, even while every server is away
//! (`retry_on_initial_connect`): the computation runs normally and the
//! relay starts when a server answers. Authentication failures show up only
//! as events; they become the relay's last error (and a warning in the log).

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event, ServerAddr};

use super::settings::RelayConfig;
use super::shared::{Link, RelayShared};

/// How often the server is pinged: a hung server (SIGSTOP, a dead link) is
/// noticed after about two missed pings instead of the default minutes.
pub(crate) const PING_INTERVAL: Duration = Duration::from_secs(5);

/// How long one attempt to reach a server may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// The longest pause between two attempts to reconnect.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Messages a subscription holds before the client drops them: the
/// relay's requests are small and answered at once, so a flood of them is
/// cut here instead of growing.
const SUBSCRIPTION_CAPACITY: usize = 1024;

/// The client, connecting in the background.
///
/// # Errors
/// A message when the options cannot be built (an unreadable credentials
/// file, an invalid server URL): nothing to retry.
pub(crate) async fn connect(
    cfg: &RelayConfig,
    shared: &Arc<RelayShared>,
) -> Result<Client, String> {
    let auth = &cfg.auth;
    let mut options = match &auth.creds {
        Some(path) => ConnectOptions::with_credentials_file(path)
            .await
            .map_err(|e| {
                format!(
                    "cannot use the NATS credentials file {}: {e}",
                    path.display()
                )
            })?,
        None => ConnectOptions::new(),
    };
    if let Some((user, password)) = &auth.user {
        options = options.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &auth.token {
        options = options.token(token.clone());
    }
    if let Some(ca) = &auth.tls_ca {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let Some((cert, key)) = &auth.tls_client {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    let servers: Vec<ServerAddr> = cfg
        .servers
        .iter()
        .map(|url| url.parse())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("invalid NATS server URL: {e}"))?;
    let events = Arc::clone(shared);
    let names = &cfg.names;
    options
        .name(format!("plotcast {}/{}", names.run, names.process))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .ping_interval(PING_INTERVAL)
        .connection_timeout(CONNECTION_TIMEOUT)
        .reconnect_delay_callback(|attempt| {
            let ms = 100u64.saturating_mul(u64::try_from(attempt).unwrap_or(u64::MAX));
            Duration::from_millis(ms).min(MAX_RECONNECT_DELAY)
        })
        .subscription_capacity(SUBSCRIPTION_CAPACITY)
        .event_callback(move |event| {
            let shared = Arc::clone(&events);
            async move { on_event(&shared, event) }
        })
        .connect(servers)
        .await
        .map_err(|e| format!("cannot set up the NATS client: {e}"))
}

/// One event of the client: the link's state, and errors for the
/// statistics and the log.
fn on_event(shared: &RelayShared, event: Event) {
    match event {
        Event::Connected => shared.set_link(Link::Connected),
        Event::Disconnected => shared.set_link(Link::Down),
        Event::Closed => shared.closed(),
        Event::ClientError(err) => {
            let text = err.to_string();
            let text = text.trim_start_matches("nats: ");
            if shared.link() == Link::Connected {
                shared.error(format!("NATS: {text}"));
            } else {
                // A failed attempt (refused, timed out, authentication):
                // NATS is away for now.
                shared.set_link(Link::Down);
                shared.error(format!(
                    "cannot connect to NATS at {}: {text} (retrying in the background; the computation goes on)",
                    shared.servers()
                ));
            }
        }
        Event::ServerError(err) => shared.error(format!("NATS server: {err}")),
        Event::LameDuckMode => {
            tracing::info!(target: "plotcast::relay", "the NATS server is shutting down (lame duck mode): moving to another");
        }
        Event::SlowConsumer(_) => {
            tracing::debug!(target: "plotcast::relay", "requests arrive faster than they are answered: some were dropped");
        }
        Event::Draining => {}
    }
}
