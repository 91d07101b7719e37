//! The command line: arguments, address and size parsing, exit codes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::net::relay::address::{is_relay_address, RelayAddress};

/// The port a plotcast server listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 47800;

/// The address the viewer connects to when none is given.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// Exit code: any error other than the ones below, bad arguments included.
pub const EXIT_ERROR: u8 = 1;
/// Exit code: the server rejected this viewer (bad token, version, full).
pub const EXIT_REJECTED: u8 = 2;
/// Exit code: `--timeout` expired before the viewer was done.
pub const EXIT_TIMEOUT: u8 = 3;

/// The text after the options: keys and mouse (from [`crate::view::keys::KEYS`]),
/// exit status, examples.
fn after_help() -> String {
    format!("{}\n{AFTER_KEYS}", crate::view::keys::help_text())
}

const AFTER_KEYS: &str = "\
Many plots: when the plots do not all fit, they go on pages (a strip above
them says which page and how many plots are not shown); n/p (or PgDn/PgUp
when not replaying) turn the pages, Enter shows the plot under the cursor
alone. Headless, --page N picks the page written.

Exit status:
  0  done: window closed, --frames reached, or (headless with --no-reconnect)
     the server went away after at least one frame was rendered
  1  error: bad arguments, cannot connect with --no-reconnect, connection
     lost in headless mode before anything was rendered or before --frames
     was reached, ...
  2  the server rejected this viewer (bad token, version mismatch, server
     full); the server's reason is printed
  3  --timeout expired

Relayed runs: a computation that publishes through a NATS server (its
processes each under the run's name) is watched with
nats://[user:password@]host[:port][,host2:port2]/RUN (port 4222 unless
given; every node listed is tried, for failover; tls:// requires TLS).
RUN may hold '*' (sweep-* shows every matching run side by side). Traces of
a plot published by several processes are drawn side by side, heatmap
tiles stitched; the status line names the relay, the run and its processes.
Refused credentials end the viewer (exit status 2).

Examples:
  plotcast-viewer                         # watch 127.0.0.1:47800
  plotcast-viewer :47801                  # another port on this machine
  plotcast-viewer node17:47800 --token \"$TOKEN\"
  plotcast-viewer --headless --frames 3 --out plot.png --timeout 30
  PLOTCAST_TOKEN=secret plotcast-viewer 10.0.0.5
  plotcast-viewer --record run.plotcast                 # watch and record
  plotcast-viewer --headless --record run.plotcast --rate 5 --no-reconnect
  plotcast-viewer run.plotcast                          # replay in a window
  plotcast-viewer run.plotcast --headless --at 12.5 --out t12.png
  plotcast-viewer run.plotcast --headless --frames 20 --out ...  # a flip-book: 20 PNGs
                                        # spread over the run (numbered: see --out)
  plotcast-viewer run.plotcast --export energy --csv energy.csv
  plotcast-viewer nats://login1:4222/sweep-17           # a run relayed through NATS
  plotcast-viewer 'nats://alice:pw@n1,n2,n3/sweep-*' --tls-ca ca.pem
  plotcast-viewer nats://hub:4222/heat --nats-creds viewer.creds

Logs go to stderr; set RUST_LOG (for example RUST_LOG=plotcast_viewer=debug)
for more than warnings.";

/// The plotcast viewer: a live window on a plotcast computation.
///
/// Note: clap turns the text `{n}` in help strings into a line break, so the
/// `--out` placeholder is described in words there.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "plotcast-viewer",
    version,
    about = "Live plots of a running plotcast computation, in a window or as PNG files",
    long_about = "Live plots of a running plotcast computation.\n\n\
        Connects to a program that publishes plots with the plotcast library and \
        draws the newest data of every plot, as fast as this machine and network \
        allow: frames that arrive while a frame is being drawn are replaced by \
        newer ones, never queued. When the server goes away the last frame stays \
        on screen and the viewer reconnects (unless --no-reconnect), starting \
        from a fresh snapshot.",
    after_help = after_help()
)]
pub struct Cli {
    /// Server address: `host:port`, `host`, `:port` or `port`
    /// (default 127.0.0.1:47800); a run relayed through NATS:
    /// `nats://[user:password@]host[:port][,host2:port2]/RUN` (RUN may
    /// hold `*`); or a recording to replay: an existing file, or any path
    /// with a `/` or ending in `.plotcast`.
    #[arg(value_name = "ADDR|FILE", value_parser = parse_target, default_value = "127.0.0.1:47800")]
    pub addr: String,

    /// Access token, required when the server listens on a non-loopback
    /// address (it prints the token when it generates one).
    #[arg(
        long,
        env = "PLOTCAST_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// NATS credentials file (JWT and nkey seed, as `nsc` writes it), for a
    /// nats:// address.
    #[arg(long, env = "PLOTCAST_NATS_CREDS", value_name = "FILE")]
    pub nats_creds: Option<PathBuf>,

    /// NATS user, for a nats:// address (or `nats://user:password@host/RUN`);
    /// with --nats-password.
    #[arg(long, env = "PLOTCAST_NATS_USER", value_name = "USER")]
    pub nats_user: Option<String>,

    /// NATS password of --nats-user (better in PLOTCAST_NATS_PASSWORD than on
    /// a command line others can read).
    #[arg(
        long,
        env = "PLOTCAST_NATS_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub nats_password: Option<String>,

    /// NATS token, for a nats:// address (or `nats://TOKEN@host/RUN`).
    #[arg(
        long,
        env = "PLOTCAST_NATS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub nats_token: Option<String>,

    /// The CA certificate (PEM) that signed the NATS servers' certificates;
    /// requires TLS. For a nats:// address.
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// This viewer's certificate (PEM), for NATS servers that verify
    /// clients; with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// No window: render each batch to a PNG file (works without a display).
    #[arg(long)]
    pub headless: bool,

    /// PNG written in headless mode, replaced for every new frame. With
    /// `--frames N`, a lower-case n in curly braces in PATH is replaced by the
    /// frame number (from 1), so that every frame gets its own file.
    #[arg(
        long,
        value_name = "PATH",
        requires = "headless",
        default_value = "plotcast.png"
    )]
    pub out: PathBuf,

    /// Exit with status 0 after N frames of new data were written (headless)
    /// or shown in the window (with --record: N batches recorded). Replaying
    /// a recording headless: N frames evenly spaced from its first data to
    /// its end.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: Option<u64>,

    /// Exit with status 3 and a message if not done (see --frames) after
    /// SECS seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<Duration>,

    /// Window (or image) size in pixels, `WIDTHxHEIGHT`.
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1280x720")]
    pub size: Size,

    /// Do not reconnect when the server goes away: keep the last plot until
    /// the window is closed (headless: exit). The server passes this when
    /// it launches the viewer itself.
    #[arg(long)]
    pub no_reconnect: bool,

    /// Compress data frames (LZ4 over byte-shuffled arrays). The default
    /// compresses when the server is on another machine and not on this one
    /// (copying is cheaper than compressing there).
    #[arg(long, conflicts_with = "no_compress")]
    pub compress: bool,

    /// Never compress data frames.
    #[arg(long)]
    pub no_compress: bool,

    /// Receive every value the computation publishes. By default the viewer
    /// tells the server how big each plot is drawn and what range it shows,
    /// and the server sends data reduced to that (the drawing is the same;
    /// zooming in brings the detail): far fewer bytes on a slow link.
    #[arg(long)]
    pub full_resolution: bool,

    /// Draw at most N frames a second (0: no limit). The window defaults to
    /// the display's refresh rate (60 when the display does not say): more
    /// frames than the screen shows only take CPU from the computation.
    /// Headless mode has no limit unless this is given.
    #[arg(long, value_name = "N")]
    pub max_fps: Option<u32>,

    /// Write `presented N` to this file when the first frame has been shown,
    /// and rewrite it (at most every 100 ms) as more frames are shown, with
    /// the status line's figures on the following lines (`age_us`,
    /// `round_trip_us`, `clock_offset_us`, `window`, ...); for scripts and
    /// tests that must wait for the viewer.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<PathBuf>,

    /// When the plots do not all fit, show page N of them (from 1; the
    /// window starts there, headless writes that page).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub page: Option<u64>,

    /// Record what the viewer receives to FILE (a new file; `.plotcast`
    /// by convention), to replay later with `plotcast-viewer FILE`. With
    /// --headless: record only, nothing is drawn. The file is readable up
    /// to the last tick whenever the viewer stops, even when killed.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Recording rate: plots that show a snapshot (line, scatter, heatmap,
    /// bars) are recorded at most HZ times a second, the newest value at
    /// each tick; append series are recorded completely, every point.
    #[arg(long, value_name = "HZ", requires = "record", value_parser = parse_rate, default_value = "10")]
    pub rate: f64,

    /// Replay: the time to show, in seconds from the start of the
    /// recording (with --headless: the one PNG written; with --export: the
    /// time of the data). Default: the end.
    #[arg(long, value_name = "SECS", value_parser = parse_at, conflicts_with = "frames")]
    pub at: Option<f64>,

    /// Replay: write the data of the plot named CHANNEL as CSV (a snapshot
    /// plot as it was at --at, an append series whole up to --at) and
    /// exit. The error lists the plots when there is none of that name.
    #[arg(long, value_name = "CHANNEL")]
    pub export: Option<String>,

    /// The CSV file --export writes (default: standard output).
    #[arg(long, value_name = "FILE", requires = "export")]
    pub csv: Option<PathBuf>,

    /// Replay a damaged recording up to its first damaged record (instead
    /// of refusing it).
    #[arg(long)]
    pub salvage: bool,
}

/// A size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Largest width or height accepted (the RGB buffer of 8192 × 8192 is 192 MiB).
pub const MAX_SIDE_PX: u32 = 8192;

/// Parses `WIDTHxHEIGHT`.
///
/// # Errors
/// A message for clap when the text is not two positive numbers within
/// [`MAX_SIDE_PX`].
pub fn parse_size(text: &str) -> Result<Size, String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT, like 1280x720, got {text:?}"))?;
    let side = |s: &str| -> Result<u32, String> {
        let v: u32 = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a whole number of pixels"))?;
        if v == 0 || v > MAX_SIDE_PX {
            return Err(format!("{v} is outside 1..={MAX_SIDE_PX} pixels"));
        }
        Ok(v)
    };
    Ok(Size {
        width: side(w)?,
        height: side(h)?,
    })
}

/// Normalises an address to `host:port`: `host:port` stays, `:port` and
/// `port` get [`DEFAULT_HOST`], `host` gets [`DEFAULT_PORT`]. IPv6 needs
/// brackets when a port is given (`[::1]:47800`).
///
/// # Errors
/// A message for clap when the port is not a number in 1..=65535.
pub fn parse_addr(text: &str) -> Result<String, String> {
    let text = text.trim();
    let port = |p: &str| -> Result<u16, String> {
        match p.parse::<u16>() {
            Ok(0) | Err(_) => Err(format!("{p:?} is not a port number (1-65535)")),
            Ok(v) => Ok(v),
        }
    };
    if text.is_empty() {
        return Err("empty address".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(format!("{DEFAULT_HOST}:{}", port(text)?));
    }
    if let Some(p) = text.strip_prefix(':').filter(|p| !p.contains(':')) {
        return Ok(format!("{DEFAULT_HOST}:{}", port(p)?));
    }
    if text.starts_with('[') {
        // [v6]:port or [v6]
        return match text.rsplit_once("]:") {
            Some((host, p)) => Ok(format!("{host}]:{}", port(p)?)),
            None if text.ends_with(']') => Ok(format!("{text}:{DEFAULT_PORT}")),
            None => Err(format!("{text:?}: unclosed '['")),
        };
    }
    match text.matches(':').count() {
        0 => Ok(format!("{text}:{DEFAULT_PORT}")),
        1 => {
            let (host, p) = text.split_once(':').unwrap_or((text, ""));
            Ok(format!("{host}:{}", port(p)?))
        }
        // A bare IPv6 address without a port.
        _ => Ok(format!("[{text}]:{DEFAULT_PORT}")),
    }
}

/// Recording files end with this by convention.
pub const RECORDING_EXTENSION: &str = "plotcast";

/// Whether the positional argument names a recording rather than a server:
/// an existing file, a path with a `/`, or a name ending in `.plotcast`
/// (but never a relay address, `nats://…`).
pub fn names_a_recording(text: &str) -> bool {
    if is_relay_address(text) {
        return false;
    }
    let path = std::path::Path::new(text);
    text.contains('/')
        || path.is_file()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(RECORDING_EXTENSION))
}

/// A recording path or a relay address as it is (the relay address
/// checked), else a server address (see [`parse_addr`]).
///
/// # Errors
/// As [`parse_addr`], or [`RelayAddress::parse`]'s message.
pub fn parse_target(text: &str) -> Result<String, String> {
    if is_relay_address(text) {
        RelayAddress::parse(text)?;
        Ok(text.trim().to_owned())
    } else if names_a_recording(text) {
        Ok(text.to_owned())
    } else {
        parse_addr(text)
    }
}

impl Cli {
    /// The recording to replay, when the positional argument names one.
    pub fn replay_file(&self) -> Option<PathBuf> {
        names_a_recording(&self.addr).then(|| PathBuf::from(&self.addr))
    }

    /// The relayed run, when the positional argument is a nats:// address
    /// (checked when parsed).
    pub fn relay_address(&self) -> Option<RelayAddress> {
        RelayAddress::parse(&self.addr).ok()
    }
}

/// Parses a recording rate in ticks per second.
///
/// # Errors
/// A message for clap unless the rate is a number in (0, 1000].
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let max = crate::recording::recorder::MAX_RATE_HZ;
    match text.trim().parse::<f64>() {
        Ok(hz) if hz > 0.0 && hz <= max => Ok(hz),
        _ => Err(format!(
            "{text:?} is not a rate: a number of ticks per second above 0, at most {max}"
        )),
    }
}

/// Parses a replay time in seconds (0 or more).
///
/// # Errors
/// A message for clap unless it is a finite number of seconds, 0 or more.
pub fn parse_at(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Ok(secs),
        _ => Err(format!(
            "{text:?} is not a time: seconds from the start of the recording (0 or more)"
        )),
    }
}

/// Parses a number of seconds (fractions allowed).
///
/// # Errors
/// A message for clap when the text is not a positive, finite number.
pub fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let ok = |t: &str| parse_addr(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(ok("127.0.0.1:9"), "127.0.0.1:9");
        assert_eq!(ok(":4000"), "127.0.0.1:4000");
        assert_eq!(ok("4000"), "127.0.0.1:4000");
        assert_eq!(ok("node17"), "node17:47800");
        assert_eq!(ok("node17:1"), "node17:1");
        assert_eq!(ok("[::1]:5"), "[::1]:5");
        assert_eq!(ok("[::1]"), "[::1]:47800");
        assert_eq!(ok("::1"), "[::1]:47800");
        assert!(parse_addr("host:0").is_err());
        assert!(parse_addr("host:x").is_err());
        assert!(parse_addr("70000").is_err());
        assert!(parse_addr("").is_err());
    }

    #[test]
    fn relay_addresses_are_targets_and_never_recordings() {
        let ok = |t: &str| parse_target(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(ok("nats://h:4222/run"), "nats://h:4222/run");
        assert!(!names_a_recording("nats://h/sweep-*"));
        let err = parse_target("nats://h:4222").expect_err("no run");
        assert!(err.contains("no run"), "{err}");
        let cli = Cli::try_parse_from(["v", "nats://u:p@h/r", "--tls-ca", "ca.pem"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cli.relay_address().map(|a| a.run), Some("r".into()));
        assert!(cli.replay_file().is_none());
        assert!(Cli::try_parse_from(["v", "nats://h/r", "--tls-cert", "c.pem"]).is_err());
    }

    #[test]
    fn sizes_and_seconds() {
        assert_eq!(
            parse_size("640x480"),
            Ok(Size {
                width: 640,
                height: 480
            })
        );
        assert!(parse_size("0x480").is_err());
        assert!(parse_size("640").is_err());
        assert!(parse_size("99999x2").is_err());
        assert_eq!(parse_secs("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("inf").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
