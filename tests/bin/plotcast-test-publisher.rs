//! A computation in a process of its own, for the reliability tests
//! (`tests/reliability.rs`): it starts a plotcast server, publishes one
//! channel in a loop on a named thread, and answers commands on stdin.
//!
//! Why a process of its own: memory (RSS), open file descriptors and
//! threads are figures of a whole process, and the test binary runs many
//! scenarios in parallel threads. Measured here, they belong to this one
//! server only; and a process can be killed with SIGKILL, which is how a
//! computation dies abruptly.
//!
//! ```text
//! plotcast-test-publisher [--bind ADDR] [--token T] [--title T]
//!     [--kind line|heatmap] [--channel NAME] [--values N] [--interval-ms MS]
//!     [--idle-heatmap NAME]
//!     [--max-viewers N] [--handshake-timeout-ms MS]
//!     [--heartbeat-interval-ms MS] [--heartbeat-timeout-ms MS]
//!
//! stdout, once started:   listening ADDR
//! stdin → stdout:         viewers    → viewers N
//!                         published  → published N
//!                         drop       → dropped MS   (drops the server, keeps publishing)
//!                         quit, or the end of stdin → exits 0
//! ```
//!
//! Errors (bad arguments, the server does not start) go to stderr with exit
//! status 2. Every publish of frame `k` (from 1) carries `k` in its first
//! value, so a reader can tell which publish it got. `--idle-heatmap`
//! declares a heatmap before the published channel and never publishes to
//! it: it takes channel id 0, the id a previous run's channel had.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use plotcast::Server;

/// Heatmap width; the height follows from `--values`.
const HEATMAP_COLUMNS: usize = 64;

/// What to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Line,
    Heatmap,
}

/// The command line.
#[derive(Debug)]
struct Args {
    bind: String,
    token: Option<String>,
    title: String,
    kind: Kind,
    channel: String,
    idle_heatmap: Option<String>,
    values: usize,
    interval: Duration,
    max_viewers: usize,
    handshake_timeout: Option<Duration>,
    heartbeat_interval: Option<Duration>,
    heartbeat_timeout: Option<Duration>,
}

impl Args {
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut args = Args {
            bind: plotcast::DEFAULT_ADDR.into(),
            token: None,
            title: "test-publisher".into(),
            kind: Kind::Line,
            channel: "data".into(),
            idle_heatmap: None,
            values: 1000,
            interval: Duration::from_millis(20),
            max_viewers: plotcast::DEFAULT_MAX_VIEWERS,
            handshake_timeout: None,
            heartbeat_interval: None,
            heartbeat_timeout: None,
        };
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: {value:?} is not a whole number"))
            };
            let millis = || number().map(|ms| Some(Duration::from_millis(ms)));
            match flag.as_str() {
                "--bind" => args.bind = value.clone(),
                "--token" => args.token = Some(value.clone()),
                "--title" => args.title = value.clone(),
                "--channel" => args.channel = value.clone(),
                "--idle-heatmap" => args.idle_heatmap = Some(value.clone()),
                "--kind" => {
                    args.kind = match value.as_str() {
                        "line" => Kind::Line,
                        "heatmap" => Kind::Heatmap,
                        _ => return Err(format!("--kind: {value:?} is not line or heatmap")),
                    }
                }
                "--values" => args.values = usize::try_from(number()?).unwrap_or(usize::MAX),
                "--interval-ms" => args.interval = Duration::from_millis(number()?),
                "--max-viewers" => {
                    args.max_viewers = usize::try_from(number()?).unwrap_or(usize::MAX);
                }
                "--handshake-timeout-ms" => args.handshake_timeout = millis()?,
                "--heartbeat-interval-ms" => args.heartbeat_interval = millis()?,
                "--heartbeat-timeout-ms" => args.heartbeat_timeout = millis()?,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if args.kind == Kind::Heatmap {
            // Whole rows only.
            args.values = (args.values / HEATMAP_COLUMNS).max(1) * HEATMAP_COLUMNS;
        }
        Ok(args)
    }

    fn start(&self) -> Result<Server, plotcast::ServerError> {
        let mut builder = Server::builder()
            .title(self.title.clone())
            .use_env(false)
            .launch_viewer(false)
            .bind(self.bind.clone())
            .max_viewers(self.max_viewers);
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(d) = self.handshake_timeout {
            builder = builder.handshake_timeout(d);
        }
        if let Some(d) = self.heartbeat_interval {
            builder = builder.heartbeat_interval(d);
        }
        if let Some(d) = self.heartbeat_timeout {
            builder = builder.heartbeat_timeout(d);
        }
        builder.start()
    }
}

/// The channel published to.
enum Handle {
    Line(plotcast::Line),
    /// With its row count.
    Heatmap(plotcast::Heatmap, usize),
}

impl Handle {
    fn publish(&self, values: &[f64]) {
        match self {
            Handle::Line(line) => line.publish(values),
            Handle::Heatmap(heat, ny) => heat.publish(values, HEATMAP_COLUMNS, *ny),
        }
    }
}

/// Publishes until `stop`, counting publishes in `published`.
fn publish_loop(
    server: &Server,
    args: &Args,
    stop: Arc<AtomicBool>,
    published: Arc<AtomicU64>,
) -> std::io::Result<thread::JoinHandle<()>> {
    let (kind, n, interval) = (args.kind, args.values, args.interval);
    // The data is made once; each publish changes only its first value, so
    // the loop costs what publishing costs, not what filling costs.
    let mut values: Vec<f64> = (0..n)
        .map(|i| match kind {
            Kind::Line => (i as f64 * 0.05).sin(),
            Kind::Heatmap => (i % HEATMAP_COLUMNS + i / HEATMAP_COLUMNS) as f64,
        })
        .collect();
    if let Some(idle) = &args.idle_heatmap {
        server.heatmap(idle.clone());
    }
    let channel = server.channel(args.channel.clone());
    let handle = match kind {
        Kind::Line => Handle::Line(channel.line()),
        Kind::Heatmap => Handle::Heatmap(channel.heatmap(), n / HEATMAP_COLUMNS),
    };
    thread::Builder::new()
        .name("publisher".into())
        .spawn(move || {
            let mut k = 0u64;
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                values[0] = k as f64;
                handle.publish(&values);
                published.store(k, Ordering::Relaxed);
                thread::sleep(interval);
            }
        })
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("plotcast-test-publisher: {err}");
            return ExitCode::from(2);
        }
    };
    let server = match args.start() {
        Ok(server) => server,
        Err(err) => {
            eprintln!("plotcast-test-publisher: {err}");
            return ExitCode::from(2);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU64::new(0));
    let publisher = match publish_loop(&server, &args, Arc::clone(&stop), Arc::clone(&published)) {
        Ok(handle) => handle,
        Err(err) => {
            eprintln!("plotcast-test-publisher: cannot start the publisher thread: {err}");
            return ExitCode::from(2);
        }
    };
    let addr = server.local_addr();
    let mut server = Some(server);
    println!("listening {addr}");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "viewers" => println!(
                "viewers {}",
                server.as_ref().map_or(0, Server::viewer_count)
            ),
            "published" => println!("published {}", published.load(Ordering::Relaxed)),
            "drop" => {
                let started = Instant::now();
                drop(server.take());
                println!("dropped {}", started.elapsed().as_millis());
            }
            "quit" => break,
            other => eprintln!("plotcast-test-publisher: unknown command {other:?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    if publisher.join().is_err() {
        eprintln!("plotcast-test-publisher: the publisher thread panicked");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
