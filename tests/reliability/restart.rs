//! Restart: a viewer started by hand (`plotcast-viewer --headless`, with
//! reconnect on) watches a computation that dies by SIGKILL and comes back
//! on the same address as a different program.
//!
//! Promise: the viewer survives its server's death, reconnects by itself,
//! and draws the new server's data with no state from the old session. The
//! old server published a heatmap `heat`; the new one declares the same
//! heatmap `heat` (same channel id, same kind) but has not published it
//! yet, and publishes a line `new`. Frames drawn after the reconnect show
//! the line and an empty heatmap: any heatmap colour there would be the old
//! run's data.
//!
//! The computation runs in the helper publisher process, so its death is
//! abrupt (no goodbye, sockets closed by the kernel). The crate-level
//! variant with a scripted fake server is
//! `client/tests/headless.rs::reconnects_to_a_new_server_on_the_same_port`.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use plotcast_testkit::{procs, Rgb, TempDir, ViewerCommand, Wait};

use crate::support::{numbered_pngs, Publisher};

/// A debug viewer may take a while to start beside other tests.
const VIEWER_START: Duration = Duration::from_secs(60);
/// Reconnect backoff tops out at 2 s; the rest is slack.
const RECONNECT_BOUND: Duration = Duration::from_secs(30);
/// A heatmap covers much of the figure with colormap colours...
const HEATMAP_MIN: f64 = 0.10;
/// ...a line only a thin stroke of colour...
const LINE_MAX: f64 = 0.05;
/// ...but some: an empty figure has none.
const LINE_MIN: f64 = 0.001;

/// A free port below the system's ephemeral range: the tests beside this one
/// open thousands of outgoing connections, and one of them could take an
/// ephemeral port in the moment between the two servers.
fn spare_port() -> u16 {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (first, span) = (10_000u16, low.saturating_sub(10_000).max(1));
    let start = (std::process::id() % u32::from(span)) as u16;
    (0..500u16)
        .map(|k| first + (start + k * 7) % span)
        .find(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// Colour share of the newest frame the viewer wrote after frame `after`.
fn newest_after(dir: &Path, after: u64) -> Option<(u64, f64)> {
    let (n, path) = numbered_pngs(dir).pop()?;
    (n > after).then(|| (n, Rgb::read_png(&path).colour_fraction()))
}

#[test]
fn a_hand_started_viewer_survives_a_killed_server_and_shows_only_the_new_one() {
    let dir = TempDir::new("restart");
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).expect("creating the frames folder");
    let ready = dir.path().join("ready");

    // The old computation: a heatmap. The port may be taken between our
    // probe and its bind; then try another.
    let old = (0..5)
        .find_map(|_| {
            let bind = format!("127.0.0.1:{}", spare_port());
            Publisher::try_start(&[
                "--bind",
                &bind,
                "--title",
                "old",
                "--kind",
                "heatmap",
                "--channel",
                "heat",
                "--values",
                "3072",
                "--interval-ms",
                "50",
            ])
            .ok()
        })
        .expect("the old server starts on a spare port");
    let addr = old.addr;

    let mut viewer = ViewerCommand::new()
        .source(addr)
        .headless()
        .size(320, 240)
        .timeout_secs(300)
        .out(frames.join("f{n}.png"))
        .ready_file(&ready)
        .spawn();
    viewer.wait_presented(2, VIEWER_START);
    let (_, before) = newest_after(&frames, 0).expect("the viewer wrote frames");
    assert!(
        before > HEATMAP_MIN,
        "the old server's heatmap fills {:.1} % of the frame (want > {:.0} %)",
        before * 100.0,
        HEATMAP_MIN * 100.0
    );

    old.kill();
    let mut new = Publisher::start(&[
        "--bind",
        &addr.to_string(),
        "--title",
        "new",
        "--kind",
        "line",
        "--idle-heatmap",
        "heat",
        "--channel",
        "new",
        "--values",
        "1000",
        "--interval-ms",
        "50",
    ]);
    assert!(procs::alive(viewer.pid()), "the viewer survived the server");
    new.wait_viewers(1, RECONNECT_BOUND);
    // Whatever the viewer draws from here on comes from the new session
    // (a frame of the old data could still have been finished just after
    // the kill; by the reconnect it is long written).
    let reconnected_at = numbered_pngs(&frames).last().map_or(0, |(n, _)| *n);

    // Frames drawn after the reconnect show the new line and none of the
    // old heatmap: a leaked value would fill the (new, empty) heatmap.
    let mut seen: Vec<(u64, f64)> = Vec::new();
    Wait::new(
        "three frames showing the line and no heatmap after the reconnect",
        RECONNECT_BOUND,
    )
    .for_state(|| {
        if let Some((n, share)) = newest_after(&frames, reconnected_at) {
            if seen.last().is_none_or(|(m, _)| *m != n) {
                seen.push((n, share));
            }
        }
        let clean = seen
            .iter()
            .rev()
            .take_while(|(_, s)| (LINE_MIN..LINE_MAX).contains(s))
            .count();
        if clean >= 3 {
            Ok(())
        } else {
            Err(format!("frames seen (number, colour share): {seen:?}"))
        }
    });
    let log = viewer.stderr_so_far().to_owned();
    println!(
        "restart: heatmap frame {:.1} % colour; frames after the reconnect (n, colour %): {:?}",
        before * 100.0,
        seen.iter()
            .map(|(n, s)| (n, format!("{:.2}", s * 100.0)))
            .collect::<Vec<_>>()
    );
    assert!(
        seen.iter().all(|(_, s)| *s < HEATMAP_MIN),
        "a frame after the reconnect still shows the old heatmap: {seen:?}\n{log}"
    );
    assert!(
        log.contains("reconnecting"),
        "the viewer logs that it lost the server and reconnects:\n{log}"
    );
    assert!(procs::alive(viewer.pid()), "the viewer is still running");
    new.quit();
    viewer.kill();
}
