//! One `plotcast pipe` or `plotcast run` from start to exit status: the
//! server, the command, the reader and parser threads (scoped: each is
//! joined before the server finishes), the signal thread (for the whole
//! session, as a signal also ends the serving after the input), and the
//! summary.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use plotcast::{Server, ViewerLaunch};
use plotcast_cli::plot_options::{
    parse_delimiter, parse_group, parse_named, parse_range, split_list,
};
use plotcast_cli::{
    read_input, ColumnOptions, Format, Handoff, JsonOptions, ParseOptions, ParseTotals, Parser,
    PlotOptions, Plots, Problems, ReadTotals, ReaderConfig, Routing, Targeted, Targets, XColumn,
};
use rustix::process::Pid;
use tokio_util::sync::CancellationToken;

use crate::cli::{Common, FormatArg, DEFAULT_WAIT_SECS};
use crate::linger::Linger;
use crate::signals::{Caught, OnSignal, Watch};

/// Where the lines come from.
#[derive(Debug)]
pub enum Source {
    /// Standard input (`pipe`).
    Stdin,
    /// A command's stdout (`run`).
    Command(Vec<OsString>),
}

/// Exit status of a command that could not be found, as shells use it.
const NOT_FOUND: i32 = 127;
/// Exit status of a command that could not be started.
const CANNOT_RUN: i32 = 126;

/// Runs the session; returns the exit status.
///
/// # Errors
/// Bad option values, a server that cannot start, a thread that cannot be
/// created.
pub fn run(common: &Common, source: Source) -> anyhow::Result<i32> {
    let (parse_opts, plot_opts) = options(common)?;
    let problems = Problems::new(common.input.max_reports, common.input.quiet);
    // Caught from here on: a Ctrl-C while the command starts is handled.
    let watch = Watch::new().context("cannot install the signal handlers")?;
    let caught = watch.caught();

    let (mut child, title) = match &source {
        Source::Stdin => (None, "plotcast pipe".to_owned()),
        Source::Command(argv) => match spawn(argv) {
            Ok(child) => (Some(child), command_title(argv)),
            Err(code) => return Ok(code),
        },
    };
    let server = match start_server(common, title) {
        Ok(server) => server,
        Err(err) => {
            if let Some(child) = child.as_mut() {
                let _ = rustix::process::kill_process(
                    Pid::from_child(child),
                    rustix::process::Signal::TERM,
                );
                let _ = child.wait();
            }
            return Err(err);
        }
    };
    announce(common, &server, &problems);

    let handoff = Handoff::default();
    let cancel = CancellationToken::new();
    let exited = Arc::new(AtomicBool::new(false));
    let on_signal = match &child {
        Some(c) => OnSignal::Forward {
            pid: Pid::from_child(c),
            exited: Arc::clone(&exited),
        },
        None => OnSignal::Stop(cancel.clone()),
    };
    let stdout = child.as_mut().and_then(|c| c.stdout.take());
    let reader_cfg = ReaderConfig {
        max_line_bytes: common.input.max_line_bytes,
        echo: common.input.echo,
    };
    // Runs until the end of the session: a signal also ends the serving
    // after the input (see `linger`).
    let _signals = watch
        .start(on_signal)
        .context("cannot start the signal thread")?;

    let outcome = thread::scope(|s| -> anyhow::Result<Outcome> {
        // Whatever happens below, the parser ends so the scope can join it.
        let _close_handoff = plotcast_cli::handoff::CloseOnDrop(&handoff);
        let parser = thread::Builder::new()
            .name("plotcast-parse".into())
            .spawn_scoped(s, || {
                let mut plots = Plots::new(&server, &plot_opts, &problems);
                let totals = Parser::new(parse_opts).run(&handoff, &mut plots, &problems);
                (totals, plots.created().to_vec(), plots.unused_names())
            })
            .context("cannot start the parser thread")?;
        let reader = thread::Builder::new()
            .name("plotcast-read".into())
            .spawn_scoped(s, || match stdout {
                Some(out) => read_from(out, &handoff, &cancel, &reader_cfg, &problems),
                None => read_input(
                    std::io::stdin().lock(),
                    &handoff,
                    &cancel,
                    &reader_cfg,
                    &problems,
                ),
            })
            .context("cannot start the reader thread")?;
        let status = match child.as_mut() {
            Some(child) => {
                let status = child.wait().context("cannot wait for the command")?;
                exited.store(true, Ordering::SeqCst);
                // Everything it wrote is in the pipe now; read that, and do
                // not wait for a grandchild that still holds the pipe open.
                cancel.cancel();
                Some(status)
            }
            None => None,
        };
        let read = reader
            .join()
            .map_err(|_| anyhow!("the reader thread panicked"))?;
        let (parsed, plots, unused) = parser
            .join()
            .map_err(|_| anyhow!("the parser thread panicked"))?;
        Ok(Outcome {
            read,
            parsed,
            plots,
            unused,
            status,
        })
    })?;
    Ok(conclude(common, server, outcome, &problems, &caught))
}

/// The end of a session whose input has ended: notes, what the viewers
/// are told, the serving that may go on (see `linger`), the summary;
/// returns the exit status.
fn conclude(
    common: &Common,
    server: Server,
    outcome: Outcome,
    problems: &Problems,
    caught: &Caught,
) -> i32 {
    let read = match outcome.read {
        Ok(totals) => totals,
        Err(err) => {
            problems.note(format_args!("reading stopped: {err}"));
            ReadTotals::default()
        }
    };
    for name in &outcome.unused {
        problems.note(format_args!(
            "an option names the plot \"{name}\", but no such plot appeared (plots: {})",
            outcome.plots.join(", ")
        ));
    }
    // What stopped the run; a signal that later ends the serving below
    // does not make a finished run interrupted.
    let caught_while_reading = caught.last();
    if let Some(reason) = interruption(outcome.status, caught_while_reading) {
        server.interrupted(reason);
    }
    let summary = summary(&read, &outcome.parsed, &outcome.plots, problems);
    let say_summary = || {
        if !common.input.quiet {
            eprintln!("plotcast: {summary}");
        }
    };
    let launch = server.viewer_launch();
    let wait = common.server.wait;
    match Linger::after_input(wait, &launch, caught_while_reading) {
        Linger::No => {
            let wait = wait.unwrap_or(DEFAULT_WAIT_SECS);
            let wait = Duration::try_from_secs_f64(wait).unwrap_or(Duration::ZERO);
            let expect_viewer = matches!(
                launch,
                ViewerLaunch::Launched { .. } | ViewerLaunch::Building
            );
            if !server.finish(wait) && expect_viewer {
                problems.note(format_args!(
                    "the viewer did not receive the final values within {wait:?} (see --wait)"
                ));
            }
            say_summary();
        }
        linger => {
            // Said first: the run is over as far as the input goes.
            say_summary();
            let ended = if outcome.status.is_some() {
                "the command ended"
            } else {
                "end of input"
            };
            problems.note(format_args!(
                "{ended}: still serving the final plots on {} (no viewer was launched); {}",
                server.local_addr(),
                linger.how_it_ends()
            ));
            linger.wait(caught);
            // Viewers were served all along; a stalled one is not waited for.
            server.finish(Duration::ZERO);
        }
    }
    match outcome.status {
        Some(status) => exit_code(status),
        None if caught_while_reading != 0 => 128 + caught_while_reading,
        None => 0,
    }
}

struct Outcome {
    read: std::io::Result<ReadTotals>,
    parsed: ParseTotals,
    plots: Vec<String>,
    unused: Vec<String>,
    status: Option<ExitStatus>,
}

fn read_from(
    out: ChildStdout,
    handoff: &Handoff,
    cancel: &CancellationToken,
    cfg: &ReaderConfig,
    problems: &Problems,
) -> std::io::Result<ReadTotals> {
    read_input(out, handoff, cancel, cfg, problems)
}

fn options(c: &Common) -> anyhow::Result<(ParseOptions, PlotOptions)> {
    let (i, p) = (&c.input, &c.plots);
    let groups = p
        .group
        .iter()
        .map(|g| parse_group(g))
        .collect::<Result<_, _>>()
        .context("--group")?;
    let routing = Routing {
        overlay: p.overlay.clone(),
        groups,
    };
    let format = match (i.json, i.format) {
        (true, _) | (_, FormatArg::Json) => Format::Json,
        (_, FormatArg::Columns) => Format::Columns,
        (_, FormatArg::Auto) => Format::Auto,
    };
    let x = match i.x.as_deref() {
        None => XColumn::Index,
        Some("") => XColumn::First,
        Some(name) => XColumn::Named(name.to_owned()),
    };
    let delimiter = i
        .delimiter
        .as_deref()
        .map(parse_delimiter)
        .transpose()
        .context("--delimiter")?;
    let parse = ParseOptions {
        format,
        columns: ColumnOptions {
            names: i.names.as_deref().map(split_list),
            x,
            delimiter,
            routing: routing.clone(),
        },
        json: JsonOptions {
            x_key: i.x.clone().filter(|k| !k.is_empty()),
            routing,
        },
    };
    let text = |v: &str| Ok::<_, std::convert::Infallible>(v.to_owned());
    let plots = PlotOptions {
        titles: parse_named(&p.plot_title).context("--plot-title")?,
        x_labels: Targeted::parse(&p.x_label, text)?,
        y_labels: Targeted::parse(&p.y_label, text)?,
        log_x: Targets::from_arg(p.log_x.as_deref()),
        log_y: Targets::from_arg(p.log_y.as_deref()),
        y_ranges: Targeted::parse(&p.y_range, parse_range).context("--y-range")?,
        colormap: p.colormap,
        history_points: p.history.unwrap_or(0),
    };
    Ok((parse, plots))
}

fn start_server(c: &Common, default_title: String) -> anyhow::Result<Server> {
    let s = &c.server;
    let mut b = Server::builder().title(c.plots.title.clone().unwrap_or(default_title));
    if let Some(n) = c.plots.layout_columns {
        b = b.columns(n);
    }
    if let Some(addr) = &s.bind {
        // The library lets PLOTCAST_ADDR override its bind address (so a
        // program can be exposed without a code change); on a command line
        // the explicit option wins. Single-threaded here: no thread reads
        // the environment concurrently.
        std::env::remove_var("PLOTCAST_ADDR");
        b = b.bind(addr.clone());
    }
    if let Some(token) = &s.token {
        b = b.token(token.clone());
    }
    if s.no_viewer {
        b = b.launch_viewer(false);
    }
    if let Some(path) = &s.viewer {
        b = b.viewer_path(path.clone());
    }
    if let Some(points) = c.plots.history {
        b = b.history_points(points);
    }
    if let Some(url) = &s.nats {
        // As with --bind, the command line wins over the environment.
        std::env::remove_var("PLOTCAST_NATS");
        b = b.nats(url.clone());
    }
    if let Some(run) = &s.run {
        b = b.run(run.clone());
    }
    if let Some(process) = &s.process {
        b = b.process(process.clone());
    }
    b.start().context("cannot start the plot server")
}

/// Says where viewers connect when no window was launched: every address
/// of this machine for `0.0.0.0` (a generated token is printed by the
/// library itself, with the same hint).
fn announce(c: &Common, server: &Server, problems: &Problems) {
    if !matches!(server.viewer_launch(), ViewerLaunch::Disabled) {
        return;
    }
    let generated = server.token().is_some()
        && c.server.token.is_none()
        && std::env::var_os("PLOTCAST_TOKEN").is_none();
    if generated {
        return;
    }
    let addr = server.local_addr();
    let hint = server.connect_hint();
    match &hint[..] {
        // Loopback, or one address: one line says it all.
        [one] => problems.note(format_args!("serving on {addr}; {one}")),
        lines => {
            problems.note(format_args!("serving on {addr}"));
            for line in lines {
                problems.note(format_args!("{line}"));
            }
        }
    }
}

/// Starts the command with its stdout piped to us; on failure, says why
/// and returns the shell's exit status for it.
fn spawn(argv: &[OsString]) -> Result<Child, i32> {
    let Some((program, args)) = argv.split_first() else {
        eprintln!("plotcast: no command given after --");
        return Err(2);
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // Its stdout is a pipe now, which makes many runtimes buffer it in
    // blocks: points would arrive in bursts. Ask for line-by-line output
    // where an environment variable can (C stdio cannot: see --help).
    for (name, value) in [
        ("PYTHONUNBUFFERED", "1"),
        ("GFORTRAN_UNBUFFERED_PRECONNECTED", "y"),
    ] {
        if std::env::var_os(name).is_none() {
            cmd.env(name, value);
        }
    }
    cmd.spawn().map_err(|err| {
        eprintln!("plotcast: cannot run {}: {err}", program.to_string_lossy());
        if err.kind() == ErrorKind::NotFound {
            NOT_FOUND
        } else {
            CANNOT_RUN
        }
    })
}

fn command_title(argv: &[OsString]) -> String {
    let text = argv
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 80 {
        let short: String = text.chars().take(79).collect();
        format!("{short}…")
    } else {
        text
    }
}

/// How the run did not finish, for the viewers (`None`: it finished): the
/// command killed by a signal or failing, or `pipe` stopped by one.
fn interruption(status: Option<ExitStatus>, caught: i32) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(0), _) => None,
            (Some(code), _) => Some(format!("the command failed (exit status {code})")),
            (None, Some(sig)) => Some(format!("the command was stopped by {}", signal_name(sig))),
            (None, None) => Some("the command ended abnormally".into()),
        },
        None if caught != 0 => Some(signal_name(caught)),
        None => None,
    }
}

/// `SIGINT`, `SIGTERM`, or `signal N`.
fn signal_name(sig: i32) -> String {
    match sig {
        signal_hook::consts::SIGINT => "SIGINT".into(),
        signal_hook::consts::SIGTERM => "SIGTERM".into(),
        signal_hook::consts::SIGKILL => "SIGKILL".into(),
        signal_hook::consts::SIGHUP => "SIGHUP".into(),
        n => format!("signal {n}"),
    }
}

/// The command's status as a shell reports it.
fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

fn summary(
    read: &ReadTotals,
    parsed: &ParseTotals,
    plots: &[String],
    problems: &Problems,
) -> String {
    let counts = problems.counts();
    let what = if parsed.json { "record" } else { "sample" };
    let mut out = format!(
        "{} read, {} plotted in {}",
        count(read.lines, "line"),
        count(parsed.samples, what),
        count(plots.len() as u64, "plot")
    );
    if counts.skipped_lines > 0 {
        out.push_str(&format!(
            "; {} skipped (not data)",
            count(counts.skipped_lines, "line")
        ));
    }
    if counts.long_lines > 0 {
        out.push_str(&format!("; {} too long", count(counts.long_lines, "line")));
    }
    if counts.dropped_lines > 0 {
        out.push_str(&format!(
            "; {} dropped unparsed to keep up",
            count(counts.dropped_lines, "line")
        ));
    }
    out
}

/// "1 line", "2 lines".
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
