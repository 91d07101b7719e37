//! plotcast-bench: every performance claim of plotcast, measured beside its
//! physical reference in the same run, so ratios hold on a noisy machine.
//!
//! ```sh
//! cargo run --release -p plotcast-bench                 # full run, a few minutes
//! cargo run --release -p plotcast-bench -- --smoke      # seconds: CI's check
//! ```
//!
//! Prints a markdown table and writes the same rows as JSON.

mod common;
mod delivery;
mod draw_loop;
mod heat_publisher;
mod lod;
mod memory;
mod paced;
mod procfs;
mod publish;
mod recording;
mod relay;
mod relay_age;
mod relay_big;
mod relay_cost;
mod relay_puts;
mod relay_stalls;
mod relayed;
mod remote;
mod render;
mod report;
mod slow_links;
mod staleness;
mod subscribers;
mod viewer;
mod window;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use crate::common::Scale;
use crate::report::Report;

/// Runs the plotcast benchmarks and prints figures beside their references.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Sections: 1 publish cost, 2 compute slowdown, 3 throughput, 4 fan-out, \
                  5 staleness, 6 memory, 7 renderer, 8 remote, 9 level of detail, 10 recording, \
                  11 relay (through NATS). A full run takes a few minutes on 2 cores; the \
                  window rows need Xvfb, section 11 nats-server (skipped without it)."
)]
struct Args {
    /// Seconds-long run with tiny counts: checks that every section works,
    /// the figures mean nothing.
    #[arg(long)]
    smoke: bool,
    /// Where to write the JSON results.
    #[arg(long, default_value = "target/plotcast-bench.json")]
    json: PathBuf,
    /// Run only these sections (comma-separated numbers, e.g. 1,3).
    #[arg(long, value_delimiter = ',')]
    only: Vec<u32>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let scale = Scale { smoke: args.smoke };
    let mut report = Report::default();
    let started = Instant::now();
    if cfg!(debug_assertions) {
        // CI's smoke run uses a debug build to check that every section
        // runs; its figures say nothing about speed.
        eprintln!("note: unoptimised build; figures are not meaningful (use --release)");
    }
    println!("{}", Report::header());
    type Section = fn(&mut Report, Scale) -> Result<()>;
    let sections: [(u32, &str, Section); 11] = [
        (1, "publish cost", publish::publish_cost),
        (2, "compute slowdown", publish::compute_slowdown),
        (3, "throughput", delivery::throughput),
        (4, "fan-out", delivery::fan_out),
        (5, "staleness", staleness::staleness),
        (6, "memory", memory::stalled_memory),
        (7, "renderer", render::renderer),
        (8, "remote", remote::remote),
        (9, "level of detail", lod::lod),
        (10, "recording", recording::recording),
        (11, "relay", relay::relay),
    ];
    for (n, name, run) in sections {
        if !args.only.is_empty() && !args.only.contains(&n) {
            continue;
        }
        eprintln!(
            "[{:>5.1}s] section {n}: {name}",
            started.elapsed().as_secs_f64()
        );
        run(&mut report, scale).with_context(|| format!("section {n} ({name})"))?;
    }
    let meta = serde_json::json!({
        "smoke": args.smoke,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "seconds": started.elapsed().as_secs_f64(),
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    });
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(
        &args.json,
        serde_json::to_string_pretty(&report.json(meta))?,
    )
    .with_context(|| format!("writing {}", args.json.display()))?;
    println!("\nAll figures:\n{}", report.table());
    eprintln!(
        "done in {:.0} s; JSON in {}",
        started.elapsed().as_secs_f64(),
        args.json.display()
    );
    Ok(())
}
