//! Real nats-server processes for the relay tests: one server with
//! JetStream, a cluster of three routed nodes, a leaf node that dials out to
//! a cluster. Each runs on free loopback ports with its own store folder,
//! is started and awaited here (its monitoring endpoint says JetStream is
//! up), and is killed when dropped. Never a mock.
//!
//! The binary: `PLOTCAST_NATS_SERVER`, else `/opt/nats-server/bin/nats-server`
//! (where `.ci/run` installs it), else `nats-server` on `PATH`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::kill_on_drop::KillOnDrop;
use crate::procs;
use crate::temp_dir::TempDir;
use crate::wait::Wait;

/// How long a server may take to be ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The nats-server binary, if one is installed.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PLOTCAST_NATS_SERVER") {
        return Some(PathBuf::from(path));
    }
    let installed = PathBuf::from("/opt/nats-server/bin/nats-server");
    if installed.is_file() {
        return Some(installed);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|p| p.is_file())
    })
}

/// A loopback port nothing listens on (the OS's next ephemeral one), and
/// never one this process handed out before: the listener that found it
/// is closed at once, so the OS may offer the same port again to the next
/// call (a cluster asks for nine in a row).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
        let port = listener.local_addr().expect("its address").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// One nats-server process.
#[derive(Debug)]
pub struct NatsServer {
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    /// The client port.
    pub port: u16,
    /// The monitoring port.
    pub http_port: u16,
    /// Where leaf nodes dial in (`nats-leaf://127.0.0.1:<port>`), if open.
    pub leaf_url: Option<String>,
    name: String,
    config: PathBuf,
    process: Option<KillOnDrop>,
    _dir: TempDir,
}

/// What one node's configuration says beyond its ports.
#[derive(Debug, Clone, Default)]
pub struct NodeSpec {
    /// JetStream on, with this domain (`None`: JetStream off).
    pub jetstream_domain: Option<String>,
    /// Routes of a cluster: (cluster port of this node, every node's).
    pub cluster: Option<(u16, Vec<u16>)>,
    /// Accept leaf nodes.
    pub leaf_listen: bool,
    /// Dial out to these hub leaf URLs as a leaf node.
    pub leaf_remotes: Vec<String>,
    /// More configuration, verbatim (authorization, limits).
    pub extra: String,
}

impl NatsServer {
    /// A single server with JetStream (domain `hub`).
    ///
    /// # Panics
    /// When nats-server is not installed or does not become ready.
    pub fn start(name: &str) -> Self {
        Self::start_node(
            name,
            NodeSpec {
                jetstream_domain: Some("hub".into()),
                ..NodeSpec::default()
            },
        )
    }

    /// A server as `spec` says.
    ///
    /// # Panics
    /// When nats-server is not installed or does not become ready.
    pub fn start_node(name: &str, spec: NodeSpec) -> Self {
        let dir = TempDir::new(&format!("nats-{name}"));
        let (port, http_port) = (free_port(), free_port());
        let leaf_port = spec.leaf_listen.then(free_port);
        let mut conf =
            format!("server_name: {name}\nlisten: 127.0.0.1:{port}\nhttp: 127.0.0.1:{http_port}\n");
        if let Some(domain) = &spec.jetstream_domain {
            conf += &format!(
                "jetstream {{\n  store_dir: {:?}\n  domain: {domain}\n}}\n",
                dir.join("store")
            );
        }
        if let Some((own, all)) = &spec.cluster {
            let routes: Vec<String> = all
                .iter()
                .map(|p| format!("    nats-route://127.0.0.1:{p}"))
                .collect();
            conf += &format!(
                "cluster {{\n  name: plotcast-test\n  listen: 127.0.0.1:{own}\n  routes: [\n{}\n  ]\n}}\n",
                routes.join("\n")
            );
        }
        if leaf_port.is_some() || !spec.leaf_remotes.is_empty() {
            conf += "leafnodes {\n";
            if let Some(p) = leaf_port {
                conf += &format!("  listen: 127.0.0.1:{p}\n");
            }
            if !spec.leaf_remotes.is_empty() {
                let urls: Vec<String> =
                    spec.leaf_remotes.iter().map(|u| format!("{u:?}")).collect();
                conf += &format!("  remotes: [ {{ urls: [ {} ] }} ]\n", urls.join(", "));
            }
            conf += "}\n";
        }
        conf += &spec.extra;
        let config = dir.join("nats.conf");
        std::fs::write(&config, conf).expect("writing the nats-server configuration");
        let mut server = Self {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            http_port,
            leaf_url: leaf_port.map(|p| format!("nats-leaf://127.0.0.1:{p}")),
            name: name.to_owned(),
            config,
            process: None,
            _dir: dir,
        };
        server.spawn();
        if spec.cluster.is_none() {
            server.wait_ready(spec.jetstream_domain.is_some());
        }
        server
    }

    /// Three routed nodes with JetStream (domain `hub`), each accepting
    /// leaf nodes; returned once every node says JetStream is up.
    ///
    /// # Panics
    /// When nats-server is not installed or the cluster does not form.
    pub fn cluster(name: &str) -> Vec<Self> {
        let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let nodes: Vec<Self> = (0..3)
            .map(|i| {
                Self::start_node(
                    &format!("{name}-{}", i + 1),
                    NodeSpec {
                        jetstream_domain: Some("hub".into()),
                        cluster: Some((routes[i], routes.clone())),
                        leaf_listen: true,
                        ..NodeSpec::default()
                    },
                )
            })
            .collect();
        for node in &nodes {
            node.wait_ready(true);
        }
        nodes
    }

    /// A leaf node without JetStream that dials out to `hub_leaf_urls`; its
    /// clients reach the hub's JetStream through the domain `hub`.
    ///
    /// # Panics
    /// As [`start_node`](Self::start_node).
    pub fn leaf(name: &str, hub_leaf_urls: &[String]) -> Self {
        Self::start_node(
            name,
            NodeSpec {
                leaf_remotes: hub_leaf_urls.to_vec(),
                ..NodeSpec::default()
            },
        )
    }

    fn spawn(&mut self) {
        let Some(bin) = binary() else {
            panic!(
                "nats-server is not installed: the relay tests run a real one (.ci/run \
                 installs it to /opt/nats-server; or set PLOTCAST_NATS_SERVER)"
            );
        };
        let log = std::fs::File::create(self.config.with_extension("log"))
            .expect("creating the nats-server log");
        let child = Command::new(bin)
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting nats-server");
        self.process = Some(KillOnDrop(child));
    }

    /// Waits until the client port answers and, with `jetstream`, until the
    /// monitoring endpoint says JetStream is enabled and healthy.
    ///
    /// # Panics
    /// When it is not ready within 30 s, with its log.
    pub fn wait_ready(&self, jetstream: bool) {
        let path = if jetstream {
            "/healthz?js-enabled-only=true"
        } else {
            "/healthz"
        };
        let what = format!("nats-server {} to be ready ({})", self.name, self.log());
        Wait::new(&what, START_TIMEOUT).until(|| {
            TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && http_get(self.http_port, path).is_some_and(|body| body.contains("\"ok\""))
        });
    }

    /// The monitoring endpoint's list of client connections (`/connz`,
    /// JSON), to tell which node a client is on; empty when it does not
    /// answer.
    pub fn connections(&self) -> String {
        http_get(self.http_port, "/connz").unwrap_or_default()
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.config.with_extension("log")).unwrap_or_default()
    }

    /// Kills it at once (SIGKILL), as a crash or a pulled cable would.
    pub fn kill(&mut self) {
        self.process = None;
    }

    /// Stops or continues it (SIGSTOP / SIGCONT): a hung server.
    ///
    /// # Panics
    /// When it is not running.
    pub fn pause(&self, paused: bool) {
        let pid = self.process.as_ref().expect("a running nats-server").pid();
        let signal = if paused {
            rustix::process::Signal::STOP
        } else {
            rustix::process::Signal::CONT
        };
        procs::signal(pid, signal).expect("signalling nats-server");
    }

    /// Starts it again on the same ports and store (after [`kill`](Self::kill)).
    ///
    /// # Panics
    /// When it does not come back.
    pub fn restart(&mut self, jetstream: bool) {
        self.process = None;
        self.spawn();
        self.wait_ready(jetstream);
    }
}

/// The body of `GET path` on a loopback port, if it answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}
