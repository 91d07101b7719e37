//! [`Viewer`]: the whole viewer program (command line, logging, window or
//! headless mode) as a builder, so a viewer of your own is the stock one
//! plus the plot types you register.
//!
//! ```no_run
//! use plotcast_viewer::plot_types::{CustomData, PlotArea, PlotResult, PlotType};
//! use plotcast_viewer::plotters::prelude::*;
//!
//! struct Dots;
//!
//! impl PlotType for Dots {
//!     fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
//!         let (x, y) = (data.get("x")?, data.get("y")?);
//!         for (&x, &y) in x.iter().zip(y.iter()) {
//!             plot.area().draw(&Circle::new((x, y), 3, RED.filled()))?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     plotcast_viewer::Viewer::new().plot("dots", Dots).run()
//! }
//! ```

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use tracing_subscriber::EnvFilter;

use std::path::Path;

use plotcast_protocol::Tail;

use crate::cli::{Cli, EXIT_ERROR, EXIT_TIMEOUT};
use crate::error::RunError;
use crate::headless;
use crate::mode::Mode;
use crate::net::NetConfig;
use crate::options::{net_config, RunOptions};
use crate::plot_types::PlotType;
use crate::plot_types::PlotTypes;
use crate::recording::export;
use crate::recording::replay::Recording;
#[cfg(feature = "window")]
use crate::window;

/// The viewer program, with the plot types it draws custom channels with.
///
/// [`Viewer::new`] has the built-in plot types (`quiver`, `image`);
/// [`plot`](Self::plot) adds yours; [`run`](Self::run) is the complete
/// `plotcast-viewer` program: the same command line (`--headless`,
/// `--out`, `--frames`, `--token`, ...), window or PNG files, status line,
/// reconnect, zoom and pan, `s` to save a PNG, and the same exit codes.
/// The stock `plotcast-viewer` binary is `Viewer::new().run()`.
#[derive(Debug, Clone, Default)]
#[must_use = "a viewer does nothing until run() is called"]
pub struct Viewer {
    plots: PlotTypes,
    name: Option<String>,
}

impl Viewer {
    /// The stock viewer: built-in plot types only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Draws custom channels of plot type `name` with `plot` (replacing a
    /// plot type of that name, built-ins included).
    ///
    /// # Panics
    /// When `name` is not a valid plot-type name (1 to 64 ASCII letters,
    /// digits, `_`, `-`, `.`, `:`).
    pub fn plot(mut self, name: &str, plot: impl PlotType) -> Self {
        self.plots = self.plots.with(name, plot);
        self
    }

    /// The program name in `--help` and messages (default: the
    /// executable's file name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The plot types this viewer draws.
    pub fn plot_types(&self) -> &PlotTypes {
        &self.plots
    }

    /// Runs the viewer with the process's command line; returns the exit
    /// status (0 done, 1 error, 2 rejected by the server, 3 `--timeout`),
    /// for `fn main() -> ExitCode`.
    pub fn run(self) -> ExitCode {
        self.run_with(std::env::args_os())
    }

    /// Runs the viewer with the given command line (the first item is the
    /// program name, as in `std::env::args_os`).
    pub fn run_with<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let name = self.name.clone().unwrap_or_else(program_name);
        let cli = match self.parse(&name, args) {
            Ok(cli) => cli,
            Err(err) => {
                // --help and --version are not errors.
                let code = if err.use_stderr() { EXIT_ERROR } else { 0 };
                let _ = err.print();
                return ExitCode::from(code);
            }
        };
        if let Err(err) = init_logging() {
            eprintln!("{name}: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
        let mode = match Mode::from_cli(&cli) {
            Ok(mode) => mode,
            Err(msg) => {
                eprintln!("{name}: {msg}");
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let cfg = net_config(&cli);
        let opts = RunOptions {
            plots: self.plots,
            ..RunOptions::from_cli(&cli)
        };
        if let Some(limit) = opts.timeout {
            start_watchdog(&name, limit);
        }
        let result = match mode {
            Mode::Live => live(&name, cfg, &opts, cli.headless),
            Mode::Record(record) => headless::record::run(cfg, &opts, &record).map(|summary| {
                let r = &summary.recording;
                eprintln!(
                    "{name}: recorded {:.1} s to {} ({} records, {:.1} MB){}",
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
                open(&name, &file, &opts).and_then(|rec| replay_window(rec, &opts))
            }
            Mode::ReplayHeadless(file) => open(&name, &file, &opts)
                .and_then(|rec| headless::replay::run(rec, &opts).map(drop)),
            Mode::Export { file, channel } => open(&name, &file, &opts).and_then(|rec| {
                let rows = export::run(rec, &channel, opts.at, opts.csv.as_deref())?;
                if let Some(csv) = &opts.csv {
                    eprintln!(
                        "{name}: {rows} rows of {channel:?} written to {}",
                        csv.display()
                    );
                }
                Ok(())
            }),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{name}: {err}");
                ExitCode::from(err.exit_code())
            }
        }
    }

    /// The stock command line, named `name`, with this viewer's plot types
    /// listed at the end of `--help`.
    fn parse<I, T>(&self, name: &str, args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let types: Vec<&str> = self.plots.names().collect();
        let mut command = Cli::command()
            .name(name.to_owned())
            .bin_name(name.to_owned());
        let help = command
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        command = command.after_help(format!(
            "{help}\n\nCustom plot types this viewer draws: {}",
            if types.is_empty() {
                "none".to_owned()
            } else {
                types.join(", ")
            }
        ));
        let matches = command.try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }
}

/// Opens a recording, saying on stderr when it was cut short or (with
/// --salvage) where it is damaged.
fn open(name: &str, file: &Path, opts: &RunOptions) -> Result<Recording, RunError> {
    let rec = Recording::open(file, opts.salvage)?;
    if let Tail::Truncated { bytes, .. } = rec.tail() {
        eprintln!(
            "{name}: note: {} ends in the middle of a record (the recorder was stopped while writing); the last {bytes} bytes were ignored",
            file.display()
        );
    }
    if let Some(damage) = rec.damage() {
        eprintln!(
            "{name}: {} is damaged ({damage}); replaying the {:.1} s before it",
            file.display(),
            rec.span().as_secs_f64()
        );
    }
    Ok(rec)
}

/// Watching a server: the window, or PNGs with --headless.
fn live(name: &str, cfg: NetConfig, opts: &RunOptions, headless: bool) -> Result<(), RunError> {
    if headless {
        headless::run(cfg, opts).map(|summary| {
            if let Some(reason) = summary.server_gone {
                let last = opts.frame_path(summary.frames);
                eprintln!(
                    "{name}: {reason}; {} frames written, the last one is {}",
                    summary.frames,
                    last.display()
                );
            }
        })
    } else {
        live_window(cfg, opts)
    }
}

#[cfg(feature = "window")]
fn live_window(cfg: NetConfig, opts: &RunOptions) -> Result<(), RunError> {
    window::run(cfg, opts).map(drop)
}

#[cfg(feature = "window")]
fn replay_window(rec: Recording, opts: &RunOptions) -> Result<(), RunError> {
    window::run_replay(rec, opts).map(drop)
}

/// Built without the `window` feature: PNG files only.
#[cfg(not(feature = "window"))]
fn live_window(_: NetConfig, _: &RunOptions) -> Result<(), RunError> {
    Err(no_window())
}

#[cfg(not(feature = "window"))]
fn replay_window(_: Recording, _: &RunOptions) -> Result<(), RunError> {
    Err(no_window())
}

#[cfg(not(feature = "window"))]
fn no_window() -> RunError {
    RunError::Window(
        "this viewer was built without its window (cargo feature `window`); use --headless".into(),
    )
}

/// The executable's file name.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "plotcast-viewer".to_owned())
}

/// How long after `--timeout` the watchdog steps in. The window and
/// headless loops check the deadline themselves and exit cleanly (saying
/// goodbye to the server); the watchdog is for when they cannot, because a
/// render or a write is stuck.
const WATCHDOG_GRACE: Duration = Duration::from_secs(2);

/// Makes `--timeout` hold whatever the main thread is doing: a named thread
/// that ends the process with the timeout status once the deadline (plus
/// [`WATCHDOG_GRACE`]) has passed. Normal runs end before it wakes; it is
/// never joined, since it must outlive a stuck main thread (a custom plot
/// type that never returns included).
fn start_watchdog(name: &str, limit: Duration) {
    let thread_name = name.to_owned();
    let spawned = std::thread::Builder::new()
        .name("plotcast-viewer-watchdog".into())
        .spawn(move || {
            std::thread::sleep(limit + WATCHDOG_GRACE);
            eprintln!(
                "{thread_name}: timed out after {:.1} s (the viewer was stuck; stopped by the watchdog)",
                limit.as_secs_f64()
            );
            std::process::exit(i32::from(EXIT_TIMEOUT));
        });
    if let Err(err) = spawned {
        eprintln!("{name}: cannot start the --timeout watchdog: {err}");
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (warnings only by default),
/// unless the program already has a subscriber.
fn init_logging() -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            EnvFilter::try_new(&spec).map_err(|e| format!("bad RUST_LOG {spec:?}: {e}"))?
        }
        // winit warns about harmless details of some X servers (Xvfb's
        // missing XSETTINGS, a 0 mm screen): keep those out of the default.
        _ => EnvFilter::new("warn,winit=error"),
    };
    // A program that set up logging itself (or a test running several
    // viewers) keeps its own: not an error.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn help_names_the_program_and_its_plot_types() {
        let viewer = Viewer::new().plot("dots", crate::plot_types::Quiver);
        let err = viewer
            .parse("my-viewer", ["my-viewer", "--help"])
            .unwrap_err();
        let help = err.to_string();
        assert!(help.contains("Usage: my-viewer"), "{help}");
        assert!(
            help.contains("Custom plot types this viewer draws: dots, image, quiver"),
            "{help}"
        );
        let cli = viewer
            .parse("v", ["v", ":47801", "--headless", "--frames", "2"])
            .unwrap();
        assert_eq!(
            (cli.addr.as_str(), cli.frames),
            ("127.0.0.1:47801", Some(2))
        );
    }
}
