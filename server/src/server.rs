//! The [`Server`]: started from the settings a [`ServerBuilder`] resolved
//! (bind, network thread, viewer launch), channels, statistics, and a
//! bounded shutdown.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plotcast_protocol::util::lock;
use plotcast_protocol::{Goodbye, GoodbyeCode};

use crate::access::random_u64;
use crate::builder::{ServerBuilder, ServerConfig};
use crate::channel::{Bars, ChannelBuilder, Heatmap, Line, Scatter, Series};
use crate::hub::Hub;
use crate::launch::{connect_addr, launch, LaunchRequest, ViewerLaunch, ViewerSource, VIEWER_BIN};
use crate::net::NetThread;
use crate::reach::{hint_lines, viewer_commands};
use crate::relay::RelayShared;
use crate::stats::{ChannelStats, Stats};
use crate::ServerError;

/// A running plot server. Create channels with [`heatmap`](Self::heatmap),
/// [`line`](Self::line), [`series`](Self::series), ... and publish through
/// them; dropping the server says goodbye to every viewer (bounded by the
/// shutdown grace), closes every connection, stops the network thread and
/// frees the port. It never kills the viewer window.
#[derive(Debug)]
pub struct Server {
    hub: Arc<Hub>,
    net: NetThread,
    /// Where direct viewers connect (`None`: nowhere, NATS only).
    local_addr: Option<SocketAddr>,
    token: Option<String>,
    launch: Arc<Mutex<ViewerLaunch>>,
    alive: Arc<AtomicBool>,
    relay: Option<Arc<RelayShared>>,
    /// Where viewers watch the run through NATS (`nats://host:port/run`).
    nats_url: Option<String>,
}

/// What [`Server::local_addr`] says when nothing listens.
const NOT_LISTENING: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

impl Server {
    /// Binds (unless it publishes through NATS only), starts the network
    /// thread and (unless turned off) launches the viewer; see
    /// [`ServerBuilder::start`].
    fn start(cfg: ServerConfig) -> Result<Self, ServerError> {
        let listener = cfg.addr.map(bind).transpose()?;
        let local_addr = listener.as_ref().map(|(_, local)| *local);
        let session_id = random_u64().map_err(ServerError::Random)?;
        let hub = Arc::new(Hub::new(
            cfg.title,
            cfg.columns,
            session_id,
            cfg.history_points,
            cfg.stalled_write_budget_bytes,
        ));
        let token = cfg.net.token.clone();
        let relay = cfg.relay.map(|relay| {
            let shared = Arc::new(RelayShared::new(relay.names.clone(), &relay.servers));
            (Arc::new(relay), shared)
        });
        let viewer_nats = relay
            .as_ref()
            .map(|(relay, _)| (relay.viewer_url(), relay.viewer_env()));
        let shared = relay.as_ref().map(|(_, shared)| Arc::clone(shared));
        let nats_url = viewer_nats.as_ref().map(|(url, _)| url.clone());
        let net = NetThread::start(
            listener.map(|(listener, _)| listener),
            Arc::clone(&hub),
            cfg.net,
            relay,
        )?;
        if let Some(local_addr) = local_addr {
            tracing::info!(target: "plotcast", addr = %local_addr, session_id, "serving viewers");
            if let (true, Some(token)) = (cfg.token_generated, &token) {
                print_generated_token(local_addr, token);
            }
        }
        let alive = Arc::new(AtomicBool::new(true));
        let status = Arc::new(Mutex::new(ViewerLaunch::Disabled));
        // Through NATS when it publishes there, else directly.
        let source = match (viewer_nats, local_addr) {
            (Some((url, env)), _) => Some(ViewerSource::Nats { url, env }),
            (None, Some(addr)) => Some(ViewerSource::Direct {
                addr: connect_addr(addr),
                token: token.clone(),
            }),
            (None, None) => None,
        };
        if let (true, Some(source)) = (cfg.launch_viewer, source) {
            let req = LaunchRequest {
                source,
                explicit_path: cfg.viewer_path,
                bin_name: cfg.viewer_bin,
                env_path: cfg.viewer_env_path,
                lead_args: cfg.viewer_lead_args,
                extra_args: cfg.viewer_args,
                alive: Arc::clone(&alive),
            };
            launch(req, &status);
        }
        Ok(Self {
            hub,
            net,
            local_addr,
            token,
            launch: status,
            alive,
            relay: shared,
            nats_url,
        })
    }

    /// A builder with every default.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address the server listens on: `0.0.0.0:0` when it listens
    /// nowhere (it publishes through NATS only, see
    /// [`ServerBuilder::nats`]; [`listen_addr`](Self::listen_addr) says
    /// which).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr.unwrap_or(NOT_LISTENING)
    }

    /// The address direct viewers connect to, `None` when the server
    /// listens nowhere (it publishes through NATS only).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The access token viewers must present, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// What a viewer on another machine runs to connect:
    /// `plotcast-viewer ADDR [--token TOKEN]`, one for each address this
    /// server can be reached at. Bound to `0.0.0.0` (or `[::]`) it listens
    /// on every interface, so each non-loopback address of this machine is
    /// listed (not the host name, which the other machine may not
    /// resolve); bound to one address, that one. Through NATS
    /// ([`ServerBuilder::nats`]), `plotcast-viewer nats://HOST:PORT/RUN`
    /// comes first (credentials not shown), and the others only when the
    /// server also listens.
    pub fn viewer_commands(&self) -> Vec<String> {
        let mut commands: Vec<String> = self
            .nats_url
            .iter()
            .map(|url| format!("{VIEWER_BIN} {url}"))
            .collect();
        if let Some(addr) = self.local_addr {
            commands.extend(viewer_commands(VIEWER_BIN, addr, self.token.as_deref()));
        }
        commands
    }

    /// [`viewer_commands`](Self::viewer_commands) as the lines of a hint:
    /// `connect with: plotcast-viewer 192.0.2.2:47800 --token T`, then
    /// `          or: ...` for each further address.
    pub fn connect_hint(&self) -> Vec<String> {
        hint_lines(&self.viewer_commands())
    }

    /// The random id of this server run.
    pub fn session_id(&self) -> u64 {
        self.hub.session_id
    }

    /// What became of the viewer launch (it may change from `Building`).
    pub fn viewer_launch(&self) -> ViewerLaunch {
        lock(&self.launch).clone()
    }

    /// A channel with options; finish with a kind method, for example
    /// `server.channel("T").y_label("K").colormap(Colormap::Magma).heatmap()`
    /// (with `plotcast::Colormap`).
    pub fn channel(&self, name: impl Into<String>) -> ChannelBuilder {
        ChannelBuilder::new(Arc::clone(&self.hub), name.into())
    }

    /// A heatmap channel with default options.
    pub fn heatmap(&self, name: impl Into<String>) -> Heatmap {
        self.channel(name).heatmap()
    }

    /// A line channel with default options.
    pub fn line(&self, name: impl Into<String>) -> Line {
        self.channel(name).line()
    }

    /// A scatter channel with default options.
    pub fn scatter(&self, name: impl Into<String>) -> Scatter {
        self.channel(name).scatter()
    }

    /// A bars / histogram channel with default options.
    pub fn bars(&self, name: impl Into<String>) -> Bars {
        self.channel(name).bars()
    }

    /// An append-mode series channel with default options.
    pub fn series(&self, name: impl Into<String>) -> Series {
        self.channel(name).series()
    }

    /// Viewers connected now (handshake done).
    pub fn viewer_count(&self) -> usize {
        lock(&self.hub.viewers).len()
    }

    /// Current figures per viewer and per channel.
    pub fn stats(&self) -> Stats {
        let mut viewers: Vec<_> = lock(&self.hub.viewers)
            .iter()
            .map(|(id, v)| (*id, v.snapshot()))
            .collect();
        viewers.sort_by_key(|(id, _)| *id);
        let channels = self
            .hub
            .channels()
            .iter()
            .map(|c| ChannelStats {
                id: c.id,
                name: c.name.clone(),
                kind: c.kind.name(),
                publishes: c.publishes.load(Ordering::Relaxed),
                invalid: c.invalid.load(Ordering::Relaxed),
                seq: c.seq.load(Ordering::Relaxed),
                reductions: c.reductions.load(Ordering::Relaxed),
                reducing: Duration::from_nanos(c.reducing_ns.load(Ordering::Relaxed)),
            })
            .collect();
        Stats {
            viewers: viewers.into_iter().map(|(_, v)| v).collect(),
            channels,
            ended: lock(&self.hub.ended).iter().cloned().collect(),
            stalled_write_bytes: self.hub.budget.held_bytes() as u64,
            relay: self.relay.as_ref().map(|relay| relay.snapshot()),
        }
    }

    /// Stops the server (the same as dropping it).
    pub fn shutdown(self) {}

    /// Says how the computation ended when it did not finish: interrupted
    /// (Ctrl-C, a signal) or failed (an error). Viewers show it as such
    /// (not as a normal finish) once the server stops; `reason` is what
    /// they show, for example `"interrupted: SIGINT"`. Dropping the server
    /// while a panic unwinds says `"the computation panicked"` by itself.
    pub fn interrupted(&self, reason: impl Into<String>) {
        self.set_farewell(GoodbyeCode::Interrupted, reason.into());
    }

    fn set_farewell(&self, code: GoodbyeCode, reason: String) {
        *lock(&self.hub.farewell) = Goodbye { code, reason };
    }

    /// Ends the run gracefully: waits up to `timeout` until every
    /// connected viewer that is asking for data has been sent the final
    /// values, then stops the server (goodbye to every viewer). Viewers that
    /// stopped asking are not waited for beyond `timeout`.
    ///
    /// A short run can end before the viewer it launched has connected; then
    /// `finish` also waits (within `timeout`) for that viewer to connect and
    /// receive the final values, so the window shows the end of the run.
    /// Through NATS, it waits until the relay has put the final values
    /// (unless NATS is away: then it could not), and the goodbye says the
    /// computation finished.
    ///
    /// Returns whether every viewer (and the relay) was up to date.
    pub fn finish(self, timeout: Duration) -> bool {
        let synced = self.wait_synced(timeout);
        let interrupted = lock(&self.hub.farewell).code == GoodbyeCode::Interrupted;
        if !interrupted {
            self.set_farewell(
                GoodbyeCode::ComputationEnded,
                "the computation finished".into(),
            );
        }
        synced
    }

    /// The wait of [`finish`](Self::finish) without stopping the server:
    /// waits up to `timeout` until every connected viewer that is asking
    /// for data has been sent everything published so far (and, for a
    /// launched viewer that has not connected yet, until it has), and until
    /// the relay through NATS, if any and unless NATS is away, has put it.
    /// A caller that must stay interruptible (the Python binding checks for
    /// Ctrl-C) calls it in short slices.
    ///
    /// Returns whether every viewer (and the relay) was up to date.
    pub fn wait_synced(&self, timeout: Duration) -> bool {
        let target = self.hub.version.load(Ordering::SeqCst);
        let deadline = Instant::now() + timeout;
        // A viewer launched to watch through NATS never registers here:
        // the relay having put everything is what counts then.
        let expect_viewer = self.local_addr.is_some()
            && self.relay.is_none()
            && matches!(
                self.viewer_launch(),
                ViewerLaunch::Launched { .. } | ViewerLaunch::Building
            );
        let up_to_date = || {
            let viewers = lock(&self.hub.viewers);
            // "Has a viewer ever connected": one connected now, or one
            // that came and went.
            let seen = !viewers.is_empty() || !lock(&self.hub.ended).is_empty();
            (seen || !expect_viewer)
                && viewers
                    .values()
                    .all(|v| v.synced.load(Ordering::SeqCst) >= target)
                && self.relay.as_ref().is_none_or(|r| r.caught_up(target))
        };
        let mut guard = lock(&self.hub.synced_lock);
        loop {
            if up_to_date() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // Bounded slices: a wake-up that raced our check costs at most
            // one slice.
            let slice = left.min(Duration::from_millis(50));
            guard = match self.hub.synced.wait_timeout(guard, slice) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.interrupted("the computation panicked");
        }
        self.alive.store(false, Ordering::Release);
        self.net.stop();
        tracing::info!(target: "plotcast", addr = ?self.local_addr, "server stopped");
    }
}

impl ServerBuilder {
    /// Binds (unless it publishes through NATS only), starts the network
    /// thread (and the relay through NATS, which connects in the
    /// background) and (unless turned off) launches the viewer. Returns
    /// quickly: a viewer that must first be built is built in the
    /// background, and an unreachable NATS server is retried while the
    /// computation runs.
    ///
    /// # Errors
    /// [`ServerError::BadAddr`], [`ServerError::Bind`],
    /// [`ServerError::TokenRequired`] (non-loopback bind, no token,
    /// `generate_token(false)`), [`ServerError::Config`],
    /// [`ServerError::Runtime`], [`ServerError::Random`];
    /// [`ServerError::NatsUrl`], [`ServerError::NatsName`],
    /// [`ServerError::NatsFile`] for NATS settings that cannot work.
    pub fn start(self) -> Result<Server, ServerError> {
        Server::start(self.config()?)
    }
}

/// Binds the listening socket: it and the address it got.
fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), ServerError> {
    let failed = |source| ServerError::Bind { addr, source };
    let listener = TcpListener::bind(addr).map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, local))
}

/// Says on stderr, once, the token viewers need and how to dial: nobody
/// else knows a generated token.
fn print_generated_token(local_addr: SocketAddr, token: &str) {
    let commands = viewer_commands(VIEWER_BIN, local_addr, Some(token));
    let mut text =
        format!("plotcast: serving on {local_addr}; viewers need the access token {token}");
    for line in hint_lines(&commands) {
        text.push_str("\nplotcast: ");
        text.push_str(&line);
    }
    eprintln!("{text}");
}
