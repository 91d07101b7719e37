//! `plotcast`: live plots of the numbers any program prints.
//!
//! `plotcast pipe` plots standard input; `plotcast run -- CMD ARGS...` runs
//! a command and plots its stdout. See `plotcast --help`.

mod cli;
mod linger;
mod session;
mod signals;

use std::io::IsTerminal as _;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::session::Source;

/// Exit status for plotcast's own errors (as for bad options).
const ERROR_EXIT: i32 = 2;

fn main() {
    // Library warnings reach stderr; RUST_LOG=plotcast=debug shows every
    // connection. Colours only on a terminal: piped into a file or a log,
    // escape codes are noise.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pipe(common) => session::run(&common, Source::Stdin),
        Command::Run(run) => session::run(&run.common, Source::Command(run.command)),
    };
    let code = result.unwrap_or_else(|err| {
        eprintln!("plotcast: {err:#}");
        ERROR_EXIT
    });
    std::process::exit(code);
}
