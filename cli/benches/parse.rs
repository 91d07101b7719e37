//! Numbers parsed per second on one core: columns (whitespace and CSV) and
//! JSON Lines (scalars and arrays), each beside a reference measured in the
//! same run: `cargo bench -p plotcast-cli`.
//!
//! Criterion prints each as elements/s, an element being one number of
//! the input. The parser runs on one thread, so that is per core.
//!
//! - `columns/*`: 8 columns (a step counter and 7 floats printed with 6
//!   decimals, as a simulation's printf would), 20 000 lines per iteration.
//! - `columns/std split + parse (reference)`: the same text split on
//!   whitespace and read with `str::parse::<f64>`, no header, checks or
//!   publishing: what a bare hand-written loop costs.
//! - `columns/whitespace, published to a server`: the whole path of
//!   `plotcast pipe` after the read: parse, batch, append to the server's
//!   series (no viewer).
//! - `json/*`: the same numbers as one object per line, and a 1-D array of
//!   1 000 numbers per line; `serde_json::Value` is the reference (the
//!   generic tree a naive reader would build).

#![allow(missing_docs, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use plotcast_cli::{
    ColumnOptions, ColumnParser, CountingSink, JsonOptions, JsonParser, PlotOptions, Plots,
    Problems,
};

const LINES: usize = 20_000;
const COLS: usize = 8;
const ARRAY: usize = 1_000;
const ARRAY_LINES: usize = 200;

/// A deterministic stream of floats of varied magnitude and sign.
fn values(n: usize) -> Vec<f64> {
    let mut s = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let unit = (s >> 11) as f64 / (1u64 << 53) as f64;
            (unit - 0.3) * 10f64.powi((s % 7) as i32 - 3)
        })
        .collect()
}

fn columns_text(sep: &str) -> String {
    let v = values(LINES * (COLS - 1));
    let mut out = String::new();
    for (i, row) in v.chunks(COLS - 1).enumerate() {
        write!(out, "{i}").unwrap();
        for x in row {
            write!(out, "{sep}{x:.6}").unwrap();
        }
        out.push('\n');
    }
    out
}

fn json_text() -> String {
    let v = values(LINES * (COLS - 1));
    let mut out = String::new();
    for (i, row) in v.chunks(COLS - 1).enumerate() {
        write!(out, "{{\"t\": {i}").unwrap();
        for (k, x) in row.iter().enumerate() {
            write!(out, ", \"v{k}\": {x:.6}").unwrap();
        }
        out.push_str("}\n");
    }
    out
}

fn json_array_text() -> String {
    let v = values(ARRAY_LINES * ARRAY);
    let mut out = String::new();
    for (i, row) in v.chunks(ARRAY).enumerate() {
        write!(out, "{{\"t\": {i}, \"w\": [").unwrap();
        for (k, x) in row.iter().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            write!(out, "{sep}{x:.6}").unwrap();
        }
        out.push_str("]}\n");
    }
    out
}

fn quiet() -> Problems {
    Problems::with_output(0, true, Box::new(std::io::sink()))
}

fn columns(c: &mut Criterion) {
    let ws = columns_text(" ");
    let csv = columns_text(",");
    let mut g = c.benchmark_group("columns");
    g.throughput(Throughput::Elements((LINES * COLS) as u64));
    g.sample_size(20);
    let problems = quiet();

    g.bench_function("std split + parse (reference)", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for line in black_box(&ws).lines() {
                for f in line.split_ascii_whitespace() {
                    sum += f.parse::<f64>().unwrap();
                }
            }
            black_box(sum)
        })
    });
    for (name, text) in [("whitespace", &ws), ("csv", &csv)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut p = ColumnParser::new(ColumnOptions::default());
                let mut sink = CountingSink::default();
                p.feed(black_box(text.as_bytes()), 1, &mut sink, &problems);
                assert_eq!(sink.points, (LINES * COLS) as u64);
                black_box(sink.sum)
            })
        });
    }

    let server = plotcast::Server::builder()
        .use_env(false)
        .launch_viewer(false)
        .start()
        .unwrap();
    let options = PlotOptions::default();
    g.bench_function("whitespace, published to a server", |b| {
        let mut plots = Plots::new(&server, &options, &problems);
        b.iter(|| {
            let mut p = ColumnParser::new(ColumnOptions::default());
            p.feed(black_box(ws.as_bytes()), 1, &mut plots, &problems);
        })
    });
    g.finish();
}

fn json(c: &mut Criterion) {
    let problems = quiet();
    let scalars = json_text();
    let mut g = c.benchmark_group("json scalars");
    g.throughput(Throughput::Elements((LINES * COLS) as u64));
    g.sample_size(20);
    g.bench_function("serde_json::Value (reference)", |b| {
        b.iter(|| {
            let mut n = 0;
            for line in black_box(&scalars).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                n += v.as_object().unwrap().len();
            }
            assert_eq!(n, LINES * COLS);
        })
    });
    g.bench_function("plotcast", |b| {
        b.iter(|| {
            let mut p = JsonParser::new(JsonOptions::default());
            let mut sink = CountingSink::default();
            p.feed(black_box(scalars.as_bytes()), 1, &mut sink, &problems);
            assert_eq!(sink.points, (LINES * (COLS - 1)) as u64);
        })
    });
    g.finish();

    let arrays = json_array_text();
    let mut g = c.benchmark_group("json arrays");
    g.throughput(Throughput::Elements((ARRAY_LINES * ARRAY) as u64));
    g.sample_size(20);
    g.bench_function("serde_json::Value (reference)", |b| {
        b.iter(|| {
            let mut n = 0;
            for line in black_box(&arrays).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                n += v["w"].as_array().unwrap().len();
            }
            assert_eq!(n, ARRAY_LINES * ARRAY);
        })
    });
    g.bench_function("plotcast", |b| {
        b.iter(|| {
            let mut p = JsonParser::new(JsonOptions::default());
            let mut sink = CountingSink::default();
            p.feed(black_box(arrays.as_bytes()), 1, &mut sink, &problems);
            assert_eq!(sink.line_values, (ARRAY_LINES * ARRAY) as u64);
        })
    });
    g.finish();
}

criterion_group!(benches, columns, json);
criterion_main!(benches);
