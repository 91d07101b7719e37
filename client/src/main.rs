//! The `plotcast-viewer` binary: parses the command line, sets up logging
//! and runs the window or headless mode. Exit codes are documented in
//! `--help` (see `plotcast_viewer::cli`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use plotcast_viewer::cli::{Cli, EXIT_ERROR};
use plotcast_viewer::options::{net_config, RunOptions};
use plotcast_viewer::{app, headless};
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
    let cfg = net_config(&cli);
    let opts = RunOptions::from_cli(&cli);
    let result = if cli.headless {
        headless::run(cfg, &opts).map(|summary| {
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
        app::run(cfg, &opts).map(drop)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("plotcast-viewer: {err}");
            ExitCode::from(err.exit_code())
        }
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
