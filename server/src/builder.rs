//! [`ServerBuilder`]: settings, environment and access policy, resolved
//! into the [`ServerConfig`] a server starts from. `start` itself lives
//! with the [`Server`](crate::Server) (`server.rs`): the builder knows
//! nothing of sockets and threads.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use crate::access::random_token;
use crate::launch::extra_args;
use crate::net_config::NetConfig;
use crate::relay::{RelayConfig, RelaySettings};
use crate::ServerError;

/// Default bind address: loopback, any free port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:0";
/// Default number of viewers served at once.
pub const DEFAULT_MAX_VIEWERS: usize = 64;
/// Default handshake deadline.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// Default ping interval.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);
/// Default silence after which a viewer is dropped (also the longest a
/// write may make no progress).
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(6);
/// Default time viewers get to receive the goodbye when the server stops.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_millis(200);
/// Default history window of append series, in points per series.
pub const DEFAULT_HISTORY_POINTS: usize = 100_000;
/// Default `TCP_NOTSENT_LOWAT` (Linux).
pub const DEFAULT_NOTSENT_LOWAT_BYTES: u32 = 128 * 1024;

/// Configures and starts a [`Server`](crate::Server). Every setting has a
/// default; see each method. Environment variables (read by
/// [`start`](Self::start) unless [`use_env(false)`](Self::use_env)):
///
/// | variable | effect |
/// |---|---|
/// | `PLOTCAST_ADDR` | bind address, overriding [`bind`](Self::bind) |
/// | `PLOTCAST_TOKEN` | access token, when [`token`](Self::token) is not set |
/// | `PLOTCAST_VIEWER` | viewer binary, when [`viewer_path`](Self::viewer_path) is not set |
/// | `PLOTCAST_VIEWER_ARGS` | extra arguments for the launched viewer, split on whitespace (e.g. `--size 1600x900`) |
/// | `PLOTCAST_NO_VIEWER=1` | do not launch a viewer |
/// | `PLOTCAST_NATS` | NATS server URLs, overriding [`nats`](Self::nats) |
/// | `PLOTCAST_RUN` | the run, when [`run`](Self::run) is not set |
/// | `PLOTCAST_PROCESS` | this process's label, when [`process`](Self::process) is not set |
/// | `PLOTCAST_NATS_CREDS` | NATS credentials file, when [`nats_creds`](Self::nats_creds) is not set |
/// | `PLOTCAST_NATS_TOKEN` | NATS token, when [`nats_token`](Self::nats_token) is not set |
/// | `PLOTCAST_NATS_DOMAIN` | JetStream domain, when [`nats_domain`](Self::nats_domain) is not set |
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until start() is called"]
pub struct ServerBuilder {
    title: Option<String>,
    columns: u16,
    addr: Option<String>,
    use_env: bool,
    token: Option<String>,
    generate_token: bool,
    insecure_no_token: bool,
    max_viewers: usize,
    handshake_timeout: Duration,
    heartbeat_interval: Duration,
    heartbeat_timeout: Duration,
    shutdown_grace: Duration,
    history_points: usize,
    notsent_lowat_bytes: u32,
    stalled_write_budget_bytes: Option<usize>,
    launch_viewer: bool,
    viewer_path: Option<PathBuf>,
    viewer_bin: Option<String>,
    viewer_lead_args: Vec<String>,
    relay: RelaySettings,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            title: None,
            columns: 0,
            addr: None,
            use_env: true,
            token: None,
            generate_token: true,
            insecure_no_token: false,
            max_viewers: DEFAULT_MAX_VIEWERS,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            history_points: DEFAULT_HISTORY_POINTS,
            notsent_lowat_bytes: DEFAULT_NOTSENT_LOWAT_BYTES,
            stalled_write_budget_bytes: None,
            launch_viewer: true,
            viewer_path: None,
            viewer_bin: None,
            viewer_lead_args: Vec::new(),
            relay: RelaySettings::default(),
        }
    }
}

impl ServerBuilder {
    /// Figure title, sent to viewers (default: the executable's name).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Columns of the figure grid (default 0: the viewer chooses).
    pub fn columns(mut self, columns: u16) -> Self {
        self.columns = columns;
        self
    }

    /// Bind address, `HOST:PORT` (default `127.0.0.1:0`). `PLOTCAST_ADDR`
    /// overrides it, so a run can be exposed without code changes.
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.addr = Some(addr.into());
        self
    }

    /// Whether `PLOTCAST_*` environment variables are read (default true).
    pub fn use_env(mut self, yes: bool) -> Self {
        self.use_env = yes;
        self
    }

    /// Access token viewers must present. Enforced on any address once set.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Whether a non-loopback bind without a token generates one (default
    /// true: it is printed on stderr with the command to connect). With
    /// `false`, such a start fails with [`ServerError::TokenRequired`].
    pub fn generate_token(mut self, yes: bool) -> Self {
        self.generate_token = yes;
        self
    }

    /// Serves a non-loopback address without a token (trusted networks
    /// only; logs a warning).
    pub fn insecure_no_token(mut self) -> Self {
        self.insecure_no_token = true;
        self
    }

    /// Most viewers served at once (default 64); more are rejected.
    pub fn max_viewers(mut self, n: usize) -> Self {
        self.max_viewers = n;
        self
    }

    /// Deadline for a new connection's handshake (default 2 s).
    pub fn handshake_timeout(mut self, d: Duration) -> Self {
        self.handshake_timeout = d;
        self
    }

    /// Ping interval (default 2 s).
    pub fn heartbeat_interval(mut self, d: Duration) -> Self {
        self.heartbeat_interval = d;
        self
    }

    /// Silence after which a viewer is dropped, and the longest a write to
    /// a viewer may make no progress (default 6 s).
    pub fn heartbeat_timeout(mut self, d: Duration) -> Self {
        self.heartbeat_timeout = d;
        self
    }

    /// How long viewers get to receive the goodbye when the server is
    /// dropped (default 200 ms).
    pub fn shutdown_grace(mut self, d: Duration) -> Self {
        self.shutdown_grace = d;
        self
    }

    /// Default history window of append series, in points per series
    /// (default 100 000); a channel may set its own.
    pub fn history_points(mut self, points: usize) -> Self {
        self.history_points = points;
        self
    }

    /// `TCP_NOTSENT_LOWAT` on Linux (default 128 KiB).
    pub fn notsent_lowat_bytes(mut self, bytes: u32) -> Self {
        self.notsent_lowat_bytes = bytes;
        self
    }

    /// Most bytes that writes to slow or stalled viewers may hold, each
    /// shared frame counted once (default: the larger of 64 MiB and 4 of
    /// the largest frames held). A viewer's writer keeps the batch it is
    /// sending until the viewer has read it; when a new batch would take
    /// the total over the budget, the viewers whose writes made progress
    /// longest ago are dropped with a Goodbye that says why (when their
    /// writer stands between frames; mid-frame, nothing can follow the
    /// torn frame and the connection is closed) and the reason is kept in
    /// [`Stats::ended`](crate::Stats::ended).
    pub fn stalled_write_budget_bytes(mut self, bytes: usize) -> Self {
        self.stalled_write_budget_bytes = Some(bytes);
        self
    }

    /// Whether to launch the viewer (default true).
    pub fn launch_viewer(mut self, yes: bool) -> Self {
        self.launch_viewer = yes;
        self
    }

    /// The viewer binary to launch, overriding `PLOTCAST_VIEWER` and the
    /// search (and an earlier [`viewer_bin`](Self::viewer_bin)).
    pub fn viewer_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.viewer_path = Some(path.into());
        self.viewer_bin = None;
        self.viewer_lead_args.clear();
        self
    }

    /// Launches `program` with `args` before the viewer's own arguments
    /// (the address, `--no-reconnect`): a viewer that is not a binary of
    /// its own, such as a Python plotter (`python -m plotcast.view
    /// --plotter pkg.mod:Class`, what the Python package's `plotter=`
    /// starts). The token goes in its environment (`PLOTCAST_TOKEN`) as for
    /// any viewer. Overrides `PLOTCAST_VIEWER` and the search.
    pub fn viewer_command<S: Into<String>>(
        mut self,
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = S>,
    ) -> Self {
        self.viewer_path = Some(program.into());
        self.viewer_bin = None;
        self.viewer_lead_args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Launches a viewer of your own, built next to the computation, by its
    /// binary's name: for example one built from the viewer library with
    /// extra plot types for [`Server::custom`](crate::Server::custom)
    /// channels. Overrides `PLOTCAST_VIEWER` and the search (and an earlier
    /// [`viewer_path`](Self::viewer_path)).
    ///
    /// It is looked for where cargo puts binaries and examples: beside the
    /// running executable, in the parent of its `examples` folder, or in an
    /// `examples` folder beside it. Not there, under `cargo run`, it is
    /// built in the background (same profile and target folder, as an
    /// example or a binary of the workspace) and started when ready;
    /// elsewhere one line on stderr says how to build it and the
    /// computation goes on.
    ///
    /// ```no_run
    /// // cargo run --release --example vortex   (the viewer: examples/vortex_viewer.rs)
    /// let server = plotcast::Server::builder().viewer_bin("vortex_viewer").start()?;
    /// # Ok::<(), plotcast::ServerError>(())
    /// ```
    pub fn viewer_bin(mut self, name: impl Into<String>) -> Self {
        self.viewer_bin = Some(name.into());
        self.viewer_path = None;
        self.viewer_lead_args.clear();
        self
    }

    /// Publishes through NATS: the computation dials out to the NATS
    /// server at `urls` (`nats://HOST:PORT`, `tls://` for TLS; several
    /// nodes of a cluster separated by commas) with JetStream, and puts its
    /// newest values there under [`run`](Self::run) and
    /// [`process`](Self::process); viewers anywhere watch the run with
    /// `plotcast-viewer nats://HOST:PORT/RUN`. `PLOTCAST_NATS` overrides it.
    ///
    /// Nothing listens then unless asked ([`bind`](Self::bind) or
    /// `PLOTCAST_ADDR`: direct viewers keep working alongside). A launched
    /// viewer watches the run through NATS. Credentials written in a URL
    /// (`nats://user:password@host`, `nats://token@host`) are used as
    /// [`nats_user`](Self::nats_user) and [`nats_token`](Self::nats_token)
    /// would be. A computation started while NATS is away runs normally and
    /// starts relaying when NATS comes; `publish` never waits for NATS, and
    /// values NATS could not take in time are skipped and counted
    /// ([`Stats::relay`](crate::Stats::relay)).
    ///
    /// ```no_run
    /// let server = plotcast::Server::builder()
    ///     .nats("nats://login-node:4222")
    ///     .run("sweep-17")
    ///     .process("point-3")
    ///     .start()?;
    /// # Ok::<(), plotcast::ServerError>(())
    /// ```
    pub fn nats(mut self, urls: impl Into<String>) -> Self {
        self.relay.urls = Some(urls.into());
        self
    }

    /// The run this computation publishes under (with [`nats`](Self::nats)):
    /// every process of one computation (MPI ranks, sweep workers) uses the
    /// same run, and one viewer shows them all. 1 to 64 of `A-Z a-z 0-9 _
    /// -`. Default: `PLOTCAST_RUN`, else the title made a valid name.
    pub fn run(mut self, name: impl Into<String>) -> Self {
        self.relay.run = Some(name.into());
        self
    }

    /// This process's label within the run (a rank, a sweep point), with
    /// [`nats`](Self::nats). 1 to 64 of `A-Z a-z 0-9 _ -`. Default:
    /// `PLOTCAST_PROCESS`, else `<host>-<pid>`
    /// ([`relay::default_process_label`](plotcast_protocol::relay::default_process_label)).
    pub fn process(mut self, label: impl Into<String>) -> Self {
        self.relay.process = Some(label.into());
        self
    }

    /// Authenticates to NATS with a user and password.
    pub fn nats_user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.relay.auth.user = Some((user.into(), password.into()));
        self
    }

    /// Authenticates to NATS with a token (default: `PLOTCAST_NATS_TOKEN`).
    pub fn nats_token(mut self, token: impl Into<String>) -> Self {
        self.relay.auth.token = Some(token.into());
        self
    }

    /// Authenticates to NATS with a credentials file (a JWT and an nkey
    /// seed, as `nsc` writes them; default: `PLOTCAST_NATS_CREDS`).
    pub fn nats_creds(mut self, path: impl Into<PathBuf>) -> Self {
        self.relay.auth.creds = Some(path.into());
        self
    }

    /// Talks TLS to NATS, trusting the servers' certificates signed by the
    /// CA in `path` (PEM).
    pub fn nats_tls_root_ca(mut self, path: impl Into<PathBuf>) -> Self {
        self.relay.auth.tls_ca = Some(path.into());
        self
    }

    /// Presents a client certificate to NATS servers that verify clients
    /// (PEM certificate and key).
    pub fn nats_tls_client_cert(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.relay.auth.tls_client = Some((cert.into(), key.into()));
        self
    }

    /// Replicas of the bucket and the series stream when this process is
    /// the first to create them (default 1; 3 on a cluster of three keeps
    /// the run through the loss of a node). Existing ones are used as they
    /// are.
    pub fn nats_replicas(mut self, replicas: usize) -> Self {
        self.relay.replicas = Some(replicas);
        self
    }

    /// The JetStream domain of the NATS servers that hold the bucket
    /// (default: none, or `PLOTCAST_NATS_DOMAIN`): a process connected to a
    /// leaf node (a compute node's local server dialling out to the
    /// cluster) reaches the cluster's JetStream through its domain, for
    /// example `hub`.
    pub fn nats_domain(mut self, domain: impl Into<String>) -> Self {
        self.relay.domain = Some(domain.into());
        self
    }

    fn env(&self, name: &str) -> Option<String> {
        if !self.use_env {
            return None;
        }
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    /// Where to listen; `None` when publishing through NATS and no
    /// address was asked for.
    fn resolve_addr(&self, relay: bool) -> Result<Option<SocketAddr>, ServerError> {
        let (value, origin) = match (self.env("PLOTCAST_ADDR"), &self.addr) {
            (Some(env), _) => (env, "PLOTCAST_ADDR"),
            (None, Some(addr)) => (addr.clone(), "ServerBuilder::bind"),
            (None, None) if relay => return Ok(None),
            (None, None) => (DEFAULT_ADDR.to_owned(), "the default"),
        };
        let bad = || ServerError::BadAddr {
            value: value.clone(),
            origin,
        };
        value
            .to_socket_addrs()
            .map_err(|_| bad())?
            .next()
            .ok_or_else(bad)
            .map(Some)
    }

    /// The relay's configuration, if NATS is named.
    fn resolve_relay(&self, title: &str) -> Result<Option<RelayConfig>, ServerError> {
        let mut settings = self.relay.clone();
        if settings.domain.is_none() {
            settings.domain = self.env("PLOTCAST_NATS_DOMAIN");
        }
        let relay = settings.resolve(|name| self.env(name), title)?;
        if relay.is_some() && !cfg!(feature = "nats") {
            return Err(ServerError::Config {
                name: "nats",
                reason: "this plotcast was built without NATS support (the cargo feature `nats`)"
                    .into(),
            });
        }
        Ok(relay)
    }

    fn check(&self) -> Result<(), ServerError> {
        let config = |name, reason: &str| {
            Err(ServerError::Config {
                name,
                reason: reason.into(),
            })
        };
        if self.max_viewers == 0 {
            return config("max_viewers", "must be at least 1");
        }
        if self.heartbeat_interval.is_zero() || self.handshake_timeout.is_zero() {
            return config("heartbeat_interval / handshake_timeout", "must be positive");
        }
        if self.heartbeat_timeout <= self.heartbeat_interval {
            return config(
                "heartbeat_timeout",
                "must be longer than heartbeat_interval (viewers answer pings)",
            );
        }
        Ok(())
    }

    /// The settings with the environment, the defaults and the access
    /// policy applied: what [`start`](Self::start) starts the server from.
    ///
    /// # Errors
    /// The errors of `start` that come before binding:
    /// [`ServerError::Config`], [`ServerError::BadAddr`],
    /// [`ServerError::TokenRequired`], [`ServerError::Random`],
    /// [`ServerError::NatsUrl`], [`ServerError::NatsName`],
    /// [`ServerError::NatsFile`].
    pub(crate) fn config(self) -> Result<ServerConfig, ServerError> {
        self.check()?;
        let title = self.title.clone().unwrap_or_else(default_title);
        let relay = self.resolve_relay(&title)?;
        let addr = self.resolve_addr(relay.is_some())?;
        let mut generated = false;
        let token = match (self.token.clone().filter(|t| !t.is_empty()), addr) {
            (Some(token), _) => Some(token),
            (None, addr) => match (self.env("PLOTCAST_TOKEN"), addr) {
                (Some(token), _) => Some(token),
                // Nothing listens (NATS only): nothing to protect.
                (None, None) => None,
                (None, Some(addr)) if addr.ip().is_loopback() => None,
                (None, Some(addr)) if self.insecure_no_token => {
                    tracing::warn!(target: "plotcast", %addr,
                        "serving a non-loopback address WITHOUT an access token: anyone who can reach it can watch");
                    None
                }
                (None, Some(_)) if self.generate_token => {
                    generated = true;
                    Some(random_token().map_err(ServerError::Random)?)
                }
                (None, Some(addr)) => return Err(ServerError::TokenRequired { addr }),
            },
        };
        let no_viewer = self
            .env("PLOTCAST_NO_VIEWER")
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
        Ok(ServerConfig {
            addr,
            relay,
            token_generated: generated,
            title,
            columns: self.columns,
            history_points: self.history_points.max(1),
            stalled_write_budget_bytes: self.stalled_write_budget_bytes,
            net: NetConfig {
                token,
                max_viewers: self.max_viewers,
                handshake_timeout: self.handshake_timeout,
                heartbeat_interval: self.heartbeat_interval,
                heartbeat_timeout: self.heartbeat_timeout,
                shutdown_grace: self.shutdown_grace,
                notsent_lowat_bytes: self.notsent_lowat_bytes,
            },
            launch_viewer: self.launch_viewer && !no_viewer,
            viewer_env_path: self.env("PLOTCAST_VIEWER").map(PathBuf::from),
            viewer_args: extra_args(self.env("PLOTCAST_VIEWER_ARGS").as_deref()),
            viewer_path: self.viewer_path,
            viewer_bin: self.viewer_bin,
            viewer_lead_args: self.viewer_lead_args,
        })
    }
}

/// What a [`Server`](crate::Server) is started from: a builder's settings
/// with the environment, the defaults and the access policy applied.
#[derive(Debug)]
pub(crate) struct ServerConfig {
    /// Where to listen (`None`: nowhere, the server publishes through NATS
    /// only).
    pub(crate) addr: Option<SocketAddr>,
    /// The relay through NATS, if any.
    pub(crate) relay: Option<RelayConfig>,
    /// The access token (in `net`) was generated, not given: it is printed
    /// once the server listens, with the command to connect.
    pub(crate) token_generated: bool,
    pub(crate) title: String,
    pub(crate) columns: u16,
    /// Default history window of append series (at least 1).
    pub(crate) history_points: usize,
    pub(crate) stalled_write_budget_bytes: Option<usize>,
    /// The network side's settings, the access token among them.
    pub(crate) net: NetConfig,
    /// Whether to launch a viewer (the builder's choice and
    /// `PLOTCAST_NO_VIEWER`); the fields below say which.
    pub(crate) launch_viewer: bool,
    pub(crate) viewer_path: Option<PathBuf>,
    pub(crate) viewer_bin: Option<String>,
    /// Before the viewer's own arguments ([`ServerBuilder::viewer_command`]).
    pub(crate) viewer_lead_args: Vec<String>,
    /// `PLOTCAST_VIEWER`.
    pub(crate) viewer_env_path: Option<PathBuf>,
    /// `PLOTCAST_VIEWER_ARGS`, split.
    pub(crate) viewer_args: Vec<String>,
}

fn default_title() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "plotcast".into())
}
