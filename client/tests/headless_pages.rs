//! Many plots in a headless PNG: with 100 channels the figure is not blank;
//! `--page N` writes page N, and the ready file and a strip above the plots
//! say how many plots are not shown.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout};
use plotcast_testkit::frames::{line_frame, unix_us};
use plotcast_testkit::{FakeServer, Rgb, Script, TempDir};

/// The notice strip's background.
const NOTICE: [u8; 3] = [255, 246, 214];

fn hundred_lines() -> Script {
    let mut script = Script::heatmap("many", 31, 0.0);
    script.layout = Layout {
        title: "many".into(),
        columns: 0,
        channels: (0..100)
            .map(|i| ChannelSpec::new(i, format!("c{i}"), ChannelKind::Line))
            .collect(),
    };
    script.batch = Arc::new(|n| {
        (0..100)
            .map(|i| Frame {
                seq: n,
                timestamp_us: unix_us(),
                ..line_frame(i, &[0.0, f64::from(i)])
            })
            .collect()
    });
    script
}

#[test]
fn a_hundred_plots_are_paged_and_the_hidden_ones_counted() {
    let server = FakeServer::start(hundred_lines());
    let dir = TempDir::new("pages");
    let (out, ready) = (dir.join("page.png"), dir.join("ready"));
    let run = server
        .viewer()
        .headless()
        .frames(1)
        .arg("--page")
        .arg("2")
        .size(1280, 720)
        .out(&out)
        .ready_file(&ready)
        .timeout_secs(60)
        .run(Duration::from_secs(90));
    run.assert_success("the run");
    let notes = std::fs::read_to_string(&ready).unwrap();
    let page = notes
        .lines()
        .find_map(|l| l.strip_prefix("page "))
        .unwrap_or_else(|| panic!("no page line in:\n{notes}"));
    let words: Vec<&str> = page.split_whitespace().collect();
    // "2 of P shown K hidden H"
    let (pages, shown, hidden): (usize, usize, usize) = (
        words[2].parse().unwrap(),
        words[4].parse().unwrap(),
        words[6].parse().unwrap(),
    );
    assert_eq!(words[0], "2", "{page}");
    assert!(pages >= 2 && shown >= 4 && shown + hidden == 100, "{page}");
    // Page 2 starts after page 1's plots.
    assert!(notes.contains(&format!("view {shown} ")), "{notes}");
    assert!(!notes.contains("view 0 "), "{notes}");
    let png = Rgb::read_png(&out);
    assert!(
        png.share_near(NOTICE, 3) > 0.01,
        "no notice strip in {}",
        out.display()
    );
}
