//! Rough cost of a publish, with and without stalled viewers. Ignored by
//! default (timings in debug builds mean little); run with
//! `cargo test --release -p plotcast --test publish_cost -- --ignored --nocapture`.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::time::Instant;

use common::{builder, raw_handshaken, wait_until};
use plotcast_protocol::{encode, Message, Ready};

fn per_publish(line: &plotcast::Line, values: &[f64], n: u32) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        line.publish(values);
    }
    t.elapsed().as_nanos() as f64 / f64::from(n)
}

#[test]
#[ignore = "timing report; run in release"]
fn publish_cost_report() {
    let server = builder().max_viewers(128).start().unwrap();
    let small = server.line("small");
    let big = server.line("big");
    let s10 = vec![1.0; 10];
    let b100k = vec![1.0; 100_000 / 8];
    let series = server.series("s");
    println!(
        "0 viewers: 10 values {:.0} ns, 100 kB {:.0} ns",
        per_publish(&small, &s10, 200_000),
        per_publish(&big, &b100k, 20_000)
    );
    let t = Instant::now();
    for i in 0..1_000_000 {
        series.push(f64::from(i), 1.0);
    }
    println!("series push: {:.0} ns", t.elapsed().as_nanos() as f64 / 1e6);
    let clients: Vec<_> = (0..100)
        .map(|_| raw_handshaken(server.local_addr()))
        .collect();
    wait_until("100 viewers", || server.viewer_count() == 100);
    for c in &clients {
        let mut c = c.try_clone().unwrap();
        c.write_all(&encode(&Message::Ready(Ready { batch: 1 })).unwrap())
            .unwrap();
    }
    println!(
        "100 stalled viewers: 10 values {:.0} ns, 100 kB {:.0} ns",
        per_publish(&small, &s10, 200_000),
        per_publish(&big, &b100k, 20_000)
    );
}
