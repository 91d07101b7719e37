//! The command line: `plotcast pipe` and `plotcast run -- CMD`, their
//! options, and the help that teaches them.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use plotcast::Colormap;

const ABOUT: &str = "Live plots of the numbers any program prints.";

const LONG_ABOUT: &str = "\
Live plots of the numbers any program prints.

plotcast reads lines of numbers (columns, or JSON Lines) from standard input
or from a command it runs, and streams them to a plot window that it opens
for you. It reads as fast as the program writes, whatever the window does:
the program is never slowed down by plotting. Lines that are not numbers are
skipped and counted, never fatal.";

const EXAMPLES: &str = "\
Examples:
  seq 1000 | awk '{print sin($1/50), cos($1/50)}' | plotcast pipe
  ./simulation | plotcast pipe --x step --log-y residual
  plotcast run -- ./simulation --steps 1e6
  plotcast run --json -- python train.py

Use --help for every option and more examples.";

const LONG_EXAMPLES: &str = "\
Input formats:
  Columns: numbers separated by spaces, tabs or commas, one line per sample.
  A text line before the numbers names the columns (a header; '# t x y'
  counts too); otherwise they are c1, c2, ... Each column becomes a plot
  of its values against the line's index, or against the --x column.
  Empty fields, nan and inf are gaps; lines starting with # are comments.

  JSON Lines: one object per line (detected from a leading '{', or --json).
  Numbers become series points against \"t\" (or --x KEY); 1-D arrays are
  line plots that show the newest array; 2-D arrays (lists of rows) are
  heatmaps; {\"loss\": {\"train\": 1, \"val\": 2}} puts two series in one plot.

Examples:
  Two waves, one plot per column:
    seq 0 2000 | awk '{print sin($1/100), cos($1/70)}' | plotcast pipe

  A header names the columns; the first column is x; both in one plot:
    (echo t signal noise; seq 0 5000 | awk '{print $1, sin($1/200), rand()-0.5}') \\
      | plotcast pipe --x t --overlay

  CSV, slowly, with a log axis and a fixed range:
    for i in $(seq 1 200); do echo \"$i,$((i*i)),$((RANDOM % 100))\"; sleep 0.02; done \\
      | plotcast pipe --names n,square,random --x n --log-y square --y-range random=0:100

  A command's output; its stderr passes through, Ctrl-C reaches it, and
  plotcast exits with its status:
    plotcast run --x step --group energy=kinetic,potential -- ./md_sim input.cfg

  JSON Lines from Python (NaN and Infinity accepted):
    python3 -c 'import json, math
    for i in range(500): print(json.dumps({\"t\": i, \"loss\": math.exp(-i/100), \"w\": [math.sin(i/10 + k/5) for k in range(50)]}))' \\
      | plotcast pipe --log-y loss

  Serve a remote viewer instead of opening a window (at the end of the
  input the final plots are served until Ctrl-C; --wait 60: for a minute):
    ./simulation | plotcast pipe --no-viewer --bind 0.0.0.0:47800

Buffering: a program whose output is a pipe may buffer it in 4 KiB blocks,
so points arrive in bursts. `plotcast run` sets PYTHONUNBUFFERED=1 and
GFORTRAN_UNBUFFERED_PRECONNECTED=y for the command; for C and C++ programs
use `stdbuf -oL ./prog` (or fflush(stdout)).

Exit status: `plotcast run` exits with the command's status (128+N if a
signal N ended it, like a shell; 127 if it cannot be found). `plotcast pipe`
exits 0 at the end of its input (also when Ctrl-C then ends the serving of
--no-viewer), 128+N when interrupted by signal N while reading. Errors of
plotcast itself (bad options, address in use) exit 2.

Environment: PLOTCAST_ADDR (bind address; --bind wins), PLOTCAST_TOKEN,
PLOTCAST_VIEWER (viewer binary), PLOTCAST_VIEWER_ARGS (extra viewer
arguments), PLOTCAST_NO_VIEWER=1, RUST_LOG (e.g. plotcast=debug).";

/// The `plotcast` command.
#[derive(Debug, Parser)]
#[command(
    name = "plotcast",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = LONG_EXAMPLES,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// What to plot.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plot the numbers read from standard input.
    #[command(after_help = EXAMPLES, after_long_help = LONG_EXAMPLES)]
    Pipe(Common),
    /// Run a command and plot the numbers it prints on stdout.
    ///
    /// Its stderr passes through; Ctrl-C (SIGINT) and SIGTERM reach it;
    /// plotcast exits with its status. The window stays open with the
    /// final plot.
    #[command(after_help = EXAMPLES, after_long_help = LONG_EXAMPLES)]
    Run(RunArgs),
}

/// `plotcast run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Options shared with `pipe`.
    #[command(flatten)]
    pub common: Common,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// Options of both subcommands.
#[derive(Debug, Args)]
pub struct Common {
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
    /// Plot options.
    #[command(flatten)]
    pub plots: PlotArgs,
    /// Server and viewer options.
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// JSON Lines if the first line starts with '{', else columns.
    Auto,
    /// Columns of numbers.
    Columns,
    /// JSON Lines.
    Json,
}

/// How the input is read.
#[derive(Debug, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Input format.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// Read JSON Lines (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Column names, comma-separated (instead of a header line).
    #[arg(long, value_name = "A,B,...")]
    pub names: Option<String>,

    /// Plot against this column (a name or 1-based number; bare: the first
    /// column) or, for JSON, this key (default "t"). Without it, x is the
    /// line's index.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub x: Option<String>,

    /// Column delimiter: one character (e.g. ';' or 'tab'). Default: ',' if
    /// the first data line has one, else any run of spaces and tabs.
    #[arg(short, long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Also copy the input to stdout, like tee.
    #[arg(long)]
    pub echo: bool,

    /// Longest line read; longer lines are skipped and counted.
    #[arg(long, value_name = "BYTES", default_value_t = plotcast_cli::reader::DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,

    /// How many bad lines to report on stderr (all are counted).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_reports: u64,

    /// Report nothing but errors: no notes, no bad lines, no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// How the plots look. PLOT is a plot's name: a column name, a JSON key, a
/// --group name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Plots")]
pub struct PlotArgs {
    /// Window title (default: the command, or "plotcast pipe").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// All columns in one plot, with a legend (named PLOT, default "values").
    #[arg(long, value_name = "PLOT", num_args = 0..=1, default_missing_value = "values")]
    pub overlay: Option<String>,

    /// These columns in one plot named PLOT (repeatable).
    #[arg(long, value_name = "PLOT=A,B,...")]
    pub group: Vec<String>,

    /// A plot's title (repeatable).
    #[arg(long, value_name = "PLOT=TEXT")]
    pub plot_title: Vec<String>,

    /// X axis label, of one plot or all (default: the x column's name).
    #[arg(long, value_name = "[PLOT=]TEXT")]
    pub x_label: Vec<String>,

    /// Y axis label, of one plot or all (repeatable).
    #[arg(long, value_name = "[PLOT=]TEXT")]
    pub y_label: Vec<String>,

    /// Logarithmic x axis, for these plots (bare: all).
    #[arg(long, value_name = "PLOTS", num_args = 0..=1, default_missing_value = "")]
    pub log_x: Option<String>,

    /// Logarithmic y axis, for these plots (bare: all).
    #[arg(long, value_name = "PLOTS", num_args = 0..=1, default_missing_value = "")]
    pub log_y: Option<String>,

    /// Fixed y range (heatmaps: colour range), of one plot or all.
    #[arg(long, value_name = "[PLOT=]MIN:MAX", allow_hyphen_values = true)]
    pub y_range: Vec<String>,

    /// Heatmap colormap: viridis, magma, inferno, plasma, coolwarm, RdBu,
    /// gray (a "_r" suffix reverses it); another name is an error.
    #[arg(long, value_name = "NAME")]
    pub colormap: Option<Colormap>,

    /// Points kept per series (default 100000): the plot's history window.
    #[arg(long, value_name = "POINTS")]
    pub history: Option<usize>,

    /// Plots per row of the window (default: the viewer chooses).
    #[arg(long, value_name = "N")]
    pub layout_columns: Option<u16>,
}

/// The server and its viewer.
#[derive(Debug, Args)]
#[command(next_help_heading = "Viewer and network")]
pub struct ServerArgs {
    /// Address to serve viewers on (default 127.0.0.1, any free port).
    /// Other than loopback needs a token: one is generated and printed.
    #[arg(long, value_name = "HOST:PORT")]
    pub bind: Option<String>,

    /// Access token viewers must present.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,

    /// Do not open a window; print the address for plotcast-viewer. At the
    /// end of the input plotcast keeps serving the final plots until
    /// Ctrl-C (or for --wait SECS), so a viewer can still connect.
    #[arg(long)]
    pub no_viewer: bool,

    /// The viewer binary to launch (default: PLOTCAST_VIEWER, next to
    /// plotcast, or on PATH).
    #[arg(long, value_name = "PATH")]
    pub viewer: Option<PathBuf>,

    /// Publish through NATS (beyond one machine): the server or servers of
    /// a NATS cluster with JetStream, `nats://[user:pass@]host:4222[,...]`.
    /// Nothing listens here unless --bind asks; viewers anywhere open
    /// `plotcast-viewer nats://host:4222/RUN`. Also PLOTCAST_NATS.
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,

    /// The run this process publishes under through NATS (letters,
    /// digits, '_' and '-'; default: the title). Also PLOTCAST_RUN.
    #[arg(long, value_name = "NAME")]
    pub run: Option<String>,

    /// This process's label within the run (a rank, a sweep point;
    /// default host-pid). Also PLOTCAST_PROCESS.
    #[arg(long, value_name = "LABEL")]
    pub process: Option<String>,

    /// At the end of the input: with a window, wait up to SECS (default
    /// 10) for it to receive the final values; with no viewer launched,
    /// keep serving for SECS instead of until Ctrl-C (0: exit at once).
    #[arg(long, value_name = "SECS")]
    pub wait: Option<f64>,
}

/// `--wait` when a viewer was launched and no `--wait` was given.
pub const DEFAULT_WAIT_SECS: f64 = 10.0;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn optional_values_and_trailing_command() {
        let cli = Cli::try_parse_from([
            "plotcast",
            "run",
            "--x",
            "--log-y",
            "--y-range",
            "r=-1:1",
            "--",
            "sim",
            "--fast",
        ])
        .expect("parses");
        let Command::Run(run) = cli.command else {
            panic!("run")
        };
        assert_eq!(run.common.input.x.as_deref(), Some(""));
        assert_eq!(run.common.plots.log_y.as_deref(), Some(""));
        assert_eq!(run.common.plots.y_range, ["r=-1:1"]);
        assert_eq!(run.command, ["sim", "--fast"]);
        assert!(
            Cli::try_parse_from(["plotcast", "run"]).is_err(),
            "a command is required"
        );
    }
}
