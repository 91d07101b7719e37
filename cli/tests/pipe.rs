//! `plotcast pipe` end to end: generated streams through the real binary,
//! checked in the PNGs of a headless viewer; malformed lines; a fast
//! producer beside a stalled viewer.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{plotcast, run_until_png, run_with_input, with_headless_viewer, RUN_TIMEOUT};
use plotcast_protocol::GoodbyeCode;
use plotcast_testkit::procs::Signal;
use plotcast_testkit::rgb::{TAB_BLUE as BLUE, TAB_ORANGE as ORANGE};
use plotcast_testkit::viewer_files::launched_viewer_pngs;
use plotcast_testkit::{stalled_peer_asking, PeerError, Rgb, TempDir, TestPeer};

#[test]
fn columns_with_a_header_are_plotted() {
    let dir = TempDir::new("cli-columns");
    let mut input = String::from("step signal noise\n");
    for i in 0..3000 {
        let t = f64::from(i);
        writeln!(
            input,
            "{i} {:.6} {:.6}",
            (t / 150.0).sin(),
            ((t * 7.3).sin() * 0.5)
        )
        .unwrap();
    }
    let cmd = with_headless_viewer(&dir).args(["pipe", "--x", "step", "--title", "columns test"]);
    // Two plots side by side, each with its line drawn across it.
    let (status, said, img) = run_until_png(cmd, input.as_bytes(), &dir, "two plots", |img| {
        let (left, right) = halves_with(img, BLUE);
        left > 500 && right > 500
    });
    assert_eq!((img.width, img.height), (800, 600));
    assert!(status.success(), "plotcast failed: {status}\n{said}");
    assert!(
        said.contains("3001 lines read, 3000 samples plotted in 2 plots"),
        "summary: {said}"
    );
    launched_viewer_pngs(dir.path(), &said);
}

#[test]
fn csv_with_gaps_and_overlay_in_one_plot() {
    let dir = TempDir::new("cli-csv");
    let mut input = String::from("a,b\n");
    for i in 0..2000 {
        let t = f64::from(i) / 100.0;
        // Every 100th value of b is empty: a gap, not an error.
        let b = if i % 100 == 0 {
            String::new()
        } else {
            format!("{:.4}", t.cos())
        };
        writeln!(input, "{:.4},{b}", t.sin()).unwrap();
    }
    let cmd = with_headless_viewer(&dir).args(["pipe", "--overlay", "waves"]);
    let (status, said, _) = run_until_png(
        cmd,
        input.as_bytes(),
        &dir,
        "two lines in one plot",
        |img| {
            // Both traces: the first colour and the second (tab:orange).
            img.count_near(BLUE, 40) > 500 && img.count_near(ORANGE, 40) > 500
        },
    );
    assert!(status.success(), "{said}");
    assert!(said.contains("2000 samples plotted in 1 plot"), "{said}");
    assert!(!said.contains("skipped"), "gaps are not errors: {said}");
}

#[test]
fn json_lines_give_series_lines_and_heatmaps() {
    let dir = TempDir::new("cli-json");
    let mut input = String::new();
    for i in 0..200 {
        let t = f64::from(i);
        let profile: Vec<String> = (0..100)
            .map(|k| format!("{:.4}", (f64::from(k) / 10.0 + t / 20.0).sin()))
            .collect();
        let grid: Vec<String> = (0..30)
            .map(|y| {
                let row: Vec<String> = (0..40)
                    .map(|x| format!("{:.3}", f64::from(x * y) / 1200.0 + (t / 50.0).sin()))
                    .collect();
                format!("[{}]", row.join(","))
            })
            .collect();
        writeln!(
            input,
            r#"{{"t": {t}, "loss": {}, "profile": [{}], "T": [{}]}}"#,
            (-t / 50.0).exp(),
            profile.join(","),
            grid.join(",")
        )
        .unwrap();
    }
    let cmd = with_headless_viewer(&dir).args(["pipe", "--log-y", "loss"]);
    let (status, said, _) =
        run_until_png(cmd, input.as_bytes(), &dir, "a heatmap and lines", |img| {
            // A colormap has many colours; the series and the profile are lines.
            img.distinct_colours() > 50 && img.count_near(BLUE, 40) > 300
        });
    assert!(status.success(), "{said}");
    assert!(said.contains("200 records plotted in 3 plots"), "{said}");
}

#[test]
fn malformed_lines_are_counted_and_the_first_reported() {
    let mut input = String::from("x y\n");
    let mut bad_lines = Vec::new();
    for i in 0..1000 {
        if i % 100 == 7 {
            input.push_str("oops, not numbers\n");
            bad_lines.push(i + 2);
        } else if i % 100 == 50 {
            input.push_str("1 2 3\n");
            bad_lines.push(i + 2);
        } else {
            writeln!(input, "{i} {}", i * 2).unwrap();
        }
    }
    let cmd = plotcast().args(["pipe", "--no-viewer", "--wait", "0", "--max-reports", "3"]);
    let (status, said) = run_with_input(cmd, input.as_bytes());
    assert!(status.success(), "bad input never fails the run: {said}");
    // The first three bad lines, with their line numbers.
    assert!(said.contains(&format!("line {}: ", bad_lines[0])), "{said}");
    assert!(
        said.contains(&format!("line {}: 3 fields instead of 2", bad_lines[1])),
        "{said}"
    );
    assert!(said.contains(&format!("line {}: ", bad_lines[2])), "{said}");
    assert!(
        !said.contains(&format!("line {}: ", bad_lines[3])),
        "only 3 reported: {said}"
    );
    assert!(said.contains("only counted"), "{said}");
    assert!(
        said.contains(&format!(
            "1001 lines read, {} samples plotted in 2 plots; {} lines skipped",
            1000 - bad_lines.len(),
            bad_lines.len()
        )),
        "summary: {said}"
    );
}

#[test]
fn a_fast_producer_is_not_slowed_by_a_stalled_viewer() {
    const RATE: u64 = 200_000; // lines per second
    const SECONDS: u64 = 2;
    const CHUNK: u64 = 2_000; // lines per write: one every 10 ms
    let cmd = plotcast().args([
        "pipe",
        "--no-viewer",
        "--bind",
        "127.0.0.1:0",
        "--wait",
        "1",
    ]);
    let mut running = cmd.spawn();
    let addr = running.serving_addr(Duration::from_secs(30));
    // Asks for as many batches as the server allows, and never reads.
    let _stalled = stalled_peer_asking(addr, 1000);

    let mut stdin = running.take_stdin();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("producer".into())
        .spawn(move || {
            stdin.write_all(b"t a b\n").unwrap();
            let start = Instant::now();
            let mut longest_write = Duration::ZERO;
            let mut text = String::new();
            for chunk in 0..RATE * SECONDS / CHUNK {
                text.clear();
                for i in chunk * CHUNK..(chunk + 1) * CHUNK {
                    writeln!(text, "{i} {} {}", i % 1000, (i * 7) % 13).unwrap();
                }
                // Paced: this chunk is due at chunk * 10 ms.
                let due = start + Duration::from_millis(chunk * 1000 * CHUNK / RATE);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let t = Instant::now();
                stdin.write_all(text.as_bytes()).unwrap();
                longest_write = longest_write.max(t.elapsed());
            }
            tx.send((start.elapsed(), longest_write)).unwrap();
        })
        .expect("starting the producer");
    let (elapsed, longest_write) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the producer finished within 60 s: plotcast stopped draining its input");
    // Loose bounds, for a slow shared machine: the paced producer needs
    // 2 s; a pipe that plotcast stopped draining would block it for good.
    assert!(
        elapsed < Duration::from_secs(SECONDS + 2),
        "writing {} lines at {RATE}/s took {elapsed:?}",
        RATE * SECONDS
    );
    assert!(
        longest_write < Duration::from_secs(1),
        "one write blocked for {longest_write:?}"
    );
    let (status, said) = running.finish(RUN_TIMEOUT);
    assert!(status.success(), "{said}");
    // Every line was read (some may have been dropped unparsed on a slow
    // machine: that is the latest-value-wins answer to a faster producer).
    assert!(
        said.contains(&format!("{} lines read", RATE * SECONDS + 1)),
        "every line read: {said}"
    );
}

/// Pixels of `colour` in the left and right halves of the plot area.
fn halves_with(img: &Rgb, colour: [u8; 3]) -> (usize, usize) {
    let (mut left, mut right) = (0, 0);
    for y in 0..img.height {
        for x in 0..img.width {
            let p = img.pixel(x, y);
            if p.iter().zip(colour).all(|(&a, b)| a.abs_diff(b) <= 40) {
                if x < img.width / 2 {
                    left += 1;
                } else {
                    right += 1;
                }
            }
        }
    }
    (left, right)
}

#[test]
fn unknown_names_are_refused_with_the_list() {
    // A misspelt colormap is an error naming the valid ones, before any
    // input is read (not a heatmap drawn as viridis without a word).
    let cmd = plotcast().args(["pipe", "--no-viewer", "--colormap", "virdis"]);
    let (status, said) = run_with_input(cmd, b"");
    assert_eq!(status.code(), Some(2), "a bad option: {said}");
    assert!(
        said.contains("unknown colormap \"virdis\" (did you mean viridis?)"),
        "{said}"
    );
    for name in plotcast_protocol::colormap::NAMES {
        assert!(said.contains(name), "{name} listed: {said}");
    }
    // A reversed map with the case a user may type is a map.
    let cmd = plotcast().args(["pipe", "--no-viewer", "--wait", "0", "--colormap", "rdbu_R"]);
    let (status, said) = run_with_input(cmd, b"{\"T\": [[1, 2], [3, 4]]}\n");
    assert!(status.success(), "{said}");

    // JSON keys are known only once records come: an --x key that no
    // record holds is said at the end, with the keys there were.
    let cmd = plotcast().args(["pipe", "--no-viewer", "--wait", "0", "--x", "step"]);
    let (status, said) = run_with_input(cmd, b"{\"t\": 0, \"loss\": 1}\n");
    assert!(status.success(), "{said}");
    assert!(
        said.contains(
            "--x step: no record has the key \"step\" (the first record's keys: t, loss)"
        ),
        "{said}"
    );
}

#[test]
fn a_key_that_changes_kind_is_said_in_plain_words() {
    // RUST_LOG shows the library's own log lines too: into a pipe they
    // come without terminal colour codes.
    let cmd =
        plotcast()
            .env("RUST_LOG", "plotcast=info")
            .args(["pipe", "--no-viewer", "--wait", "0"]);
    let input = b"{\"t\": 0, \"a\": 1}\n{\"t\": 1, \"a\": [1, 2, 3]}\n{\"t\": 2, \"a\": 2}\n";
    let (status, said) = run_with_input(cmd, input);
    assert!(status.success(), "{said}");
    assert!(
        said.contains(
            "plotcast: \"a\" is plotted as a series (from numbers); its 1-D arrays are plotted as \"a (line)\"\n"
        ),
        "{said}"
    );
    assert!(!said.contains("WARN"), "no log line of the library: {said}");
    assert!(
        said.contains("serving viewers"),
        "RUST_LOG is honoured: {said}"
    );
    assert!(
        !said.contains('\x1b'),
        "no escape codes into a pipe: {said:?}"
    );
    assert!(said.contains("3 records plotted in 2 plots"), "{said}");
}

/// The `ADDR` and `TOKEN` of each `connect with: plotcast-viewer ADDR
/// --token TOKEN` (or `or: ...`) line.
fn hinted(said: &str) -> Vec<(std::net::SocketAddr, String)> {
    said.lines()
        .filter_map(|l| l.split_once("plotcast-viewer ").map(|(_, rest)| rest))
        .map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [addr, "--token", token] = words[..] else {
                panic!("not ADDR --token TOKEN: {rest:?}");
            };
            let addr = addr
                .parse()
                .unwrap_or_else(|_| panic!("{addr:?} is not an address one can dial"));
            (addr, token.to_owned())
        })
        .collect()
}

#[test]
fn the_remote_hint_names_addresses_another_machine_can_dial() {
    // Bound to all interfaces, the hint named the host name ("vm:47800"),
    // which another machine may not resolve, or 0.0.0.0. It names this
    // machine's own addresses, and each of them serves.
    for token in [None, Some("s3cret")] {
        let mut args = vec!["pipe", "--no-viewer", "--bind", "0.0.0.0:0"];
        args.extend(token.map(|t| ["--token", t]).into_iter().flatten());
        let mut running = plotcast().args(args).spawn();
        running.wait_for_line("connect with: ", Duration::from_secs(30));
        let port = running
            .said()
            .split("serving on 0.0.0.0:")
            .nth(1)
            .and_then(|rest| rest.split([';', '\n']).next()?.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in {:?}", running.said()));
        let hints = hinted(running.said());
        assert!(!hints.is_empty(), "{}", running.said());
        let host = plotcast_protocol::util::host_name().unwrap_or_default();
        for (addr, given) in &hints {
            assert_eq!(addr.port(), port, "{}", running.said());
            assert!(
                !addr.ip().is_unspecified() && !addr.ip().is_loopback(),
                "{addr} cannot be dialed from another machine"
            );
            assert!(!host.is_empty() && !running.said().contains(&format!("{host}:")));
            if let Some(token) = token {
                assert_eq!(given, token);
            }
            let peer = TestPeer::connect_with(*addr, Some(given));
            drop(peer);
        }
        running.signal(Signal::TERM);
        let (_, said) = running.finish(RUN_TIMEOUT);
        assert!(said.contains("plotted in 0 plots"), "{said}");
    }
}

#[test]
fn without_a_viewer_the_final_plots_are_served_until_ctrl_c() {
    // It exited at the end of the input, before anyone could connect.
    let mut running = plotcast().args(["pipe", "--no-viewer"]).spawn();
    let addr = running.serving_addr(Duration::from_secs(30));
    let mut stdin = running.take_stdin();
    stdin.write_all(b"a b\n1 2\n3 4\n").unwrap();
    drop(stdin);
    let note = running.wait_for_line("still serving the final plots", Duration::from_secs(30));
    assert!(
        note.contains("end of input: still serving the final plots on 127.0.0.1:")
            && note.contains("press Ctrl-C to stop"),
        "{note}"
    );
    // A viewer that connects only now gets the final values.
    let mut peer = TestPeer::connect(addr);
    let (a, b) = (peer.channel("a"), peer.channel("b"));
    let batch = peer.batch();
    for id in [a, b] {
        let frame = batch
            .frame(id)
            .unwrap_or_else(|| panic!("no frame of {id}: {batch:?}"));
        assert_eq!(frame.parts[0].y.len(), 2, "both points: {frame:?}");
    }
    running.signal(Signal::INT);
    let status = running.wait_exit("plotcast to stop serving at Ctrl-C", RUN_TIMEOUT);
    assert_eq!(
        status.code(),
        Some(0),
        "the input ended normally: {}",
        running.said()
    );
    assert!(
        running.said().contains("2 samples plotted in 2 plots"),
        "{}",
        running.said()
    );
    // The run finished (Ctrl-C only ended the serving): not "interrupted".
    match peer.try_batch() {
        Err(PeerError::Goodbye { goodbye, .. }) => {
            assert_eq!(goodbye.code, GoodbyeCode::ComputationEnded, "{goodbye:?}");
        }
        other => panic!("expected a goodbye, got {other:?}"),
    }

    // --wait SECS: for that long.
    let cmd = plotcast().args(["pipe", "--no-viewer", "--wait", "0.5"]);
    let (status, said) = run_with_input(cmd, b"1\n");
    assert!(status.success(), "{said}");
    assert!(said.contains("stopping in 0.5 s (--wait)"), "{said}");
}
