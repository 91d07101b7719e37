//! The `plotcast-viewer` binary: parses the command line, sets up logging
//! and runs the window or headless mode. Exit codes are documented in
//! `--help` (see `plotcast_viewer::cli`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use plotcast_viewer::cli::{Cli, EXIT_ERROR, EXIT_TIMEOUT};
use std::path::Path;

use plotcast_protocol::Tail;
use plotcast_viewer::error::RunError;
use plotcast_viewer::mode::Mode;
use plotcast_viewer::net::NetConfig;
use plotcast_viewer::options::{net_config, RunOptions};
use plotcast_viewer::replay::Recording;
use plotcast_viewer::{app, export, headless, record_headless, replay_headless};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors.
            let code = if err.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    if let Err(err) = init_logging() {
        eprintln!("plotcast-viewer: {err:#}");
        return ExitCode::from(EXIT_ERROR);
    }
    let mode = match Mode::from_cli(&cli) {
        Ok(mode) => mode,
        Err(msg) => {
            eprintln!("plotcast-viewer: {msg}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let cfg = net_config(&cli);
    let opts = RunOptions::from_cli(&cli);
    if let Some(limit) = opts.timeout {
        start_watchdog(limit);
    }
    let result = match mode {
        Mode::Live => live(cfg, &opts, cli.headless),
        Mode::Record(record) => record_headless::run(cfg, &opts, &record).map(|summary| {
            let r = &summary.recording;
            eprintln!(
                "plotcast-viewer: recorded {:.1} s to {} ({} records, {:.1} MB){}",
                r.span.as_secs_f64(),
                r.path.display(),
                r.records,
                r.bytes as f64 / 1e6,
                summary
                    .server_gone
                    .map_or_else(String::new, |why| format!("; {why}"))
            );
        }),
        Mode::ReplayWindow(file) => {
            open(&file, &opts).and_then(|rec| app::run_replay(rec, &opts).map(drop))
        }
        Mode::ReplayHeadless(file) => {
            open(&file, &opts).and_then(|rec| replay_headless::run(rec, &opts).map(drop))
        }
        Mode::Export { file, channel } => open(&file, &opts).and_then(|rec| {
            let rows = export::run(rec, &channel, opts.at, opts.csv.as_deref())?;
            if let Some(csv) = &opts.csv {
                eprintln!(
                    "plotcast-viewer: {rows} rows of {channel:?} written to {}",
                    csv.display()
                );
            }
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("plotcast-viewer: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Opens a recording, saying on stderr when it was cut short or (with
/// --salvage) where it is damaged.
fn open(file: &Path, opts: &RunOptions) -> Result<Recording, RunError> {
    let rec = Recording::open(file, opts.salvage)?;
    if let Tail::Truncated { bytes, .. } = rec.tail() {
        eprintln!(
            "plotcast-viewer: note: {} ends in the middle of a record (the recorder was stopped while writing); the last {bytes} bytes were ignored",
            file.display()
        );
    }
    if let Some(damage) = rec.damage() {
        eprintln!(
            "plotcast-viewer: {} is damaged ({damage}); replaying the {:.1} s before it",
            file.display(),
            rec.span().as_secs_f64()
        );
    }
    Ok(rec)
}

/// Watching a server: the window, or PNGs with --headless.
fn live(cfg: NetConfig, opts: &RunOptions, headless: bool) -> Result<(), RunError> {
    if headless {
        headless::run(cfg, opts).map(|summary| {
            if let Some(reason) = summary.server_gone {
                let last = opts.frame_path(summary.frames);
                eprintln!(
                    "plotcast-viewer: {reason}; {} frames written, the last one is {}",
                    summary.frames,
                    last.display()
                );
            }
        })
    } else {
        app::run(cfg, opts).map(drop)
    }
}

/// How long after `--timeout` the watchdog steps in. The window and
/// headless loops check the deadline themselves and exit cleanly (saying
/// goodbye to the server); the watchdog is for when they cannot, because a
/// render or a write is stuck.
const WATCHDOG_GRACE: Duration = Duration::from_secs(2);

/// Makes `--timeout` hold whatever the main thread is doing: a named thread
/// that ends the process with the timeout status once the deadline (plus
/// [`WATCHDOG_GRACE`]) has passed. Normal runs end before it wakes; it is
/// never joined, since it must outlive a stuck main thread.
fn start_watchdog(limit: Duration) {
    let spawned = std::thread::Builder::new()
        .name("plotcast-viewer-watchdog".into())
        .spawn(move || {
            std::thread::sleep(limit + WATCHDOG_GRACE);
            eprintln!(
                "plotcast-viewer: timed out after {:.1} s (the viewer was stuck; stopped by the watchdog)",
                limit.as_secs_f64()
            );
            std::process::exit(i32::from(EXIT_TIMEOUT));
        });
    if let Err(err) = spawned {
        eprintln!("plotcast-viewer: cannot start the --timeout watchdog: {err}");
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (warnings only by default).
fn init_logging() -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            EnvFilter::try_new(&spec).with_context(|| format!("bad RUST_LOG {spec:?}"))?
        }
        // winit warns about harmless details of some X servers (Xvfb's
        // missing XSETTINGS, a 0 mm screen): keep those out of the default.
        _ => EnvFilter::new("warn,winit=error"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| anyhow::anyhow!(e))
        .context("cannot set up logging")
}
