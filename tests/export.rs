//! The window's export (`e`) writes the real data of what is in view:
//! when the viewer's copy was reduced to the view (level of detail), every
//! value is fetched again at full resolution; traces hidden from the
//! legend are left out and the file says what it holds.
//!
//! The training example's case: two series over the same epochs, many
//! more points than the plot has pixel columns, so the viewer holds a
//! reduced copy (t = 1, 6, 7, 12 … for `train` before this was fixed).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plotcast_protocol::{Message, View};
use plotcast_testkit::TestPeer;
use plotcast_viewer::model::{AxisView, PlotState};
use plotcast_viewer::net::{fetch_full, NetConfig};
use plotcast_viewer::recording::export::export_visible;

const EPOCHS: usize = 50_000;

fn loss(epoch: usize, test: bool) -> f64 {
    let e = epoch as f64;
    1.0 / (1.0 + e * 1e-3) + if test { 0.05 } else { 0.0 } + 0.01 * (e * 0.37).sin()
}

#[test]
fn export_writes_every_visible_value_of_the_shown_traces() {
    let server = plotcast::Server::builder()
        .title("training")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .expect("server starts");
    let losses = server.channel("loss").history_points(EPOCHS).series();
    for epoch in 0..EPOCHS {
        losses.push_to("train", epoch as f64, loss(epoch, false));
        losses.push_to("test", epoch as f64, loss(epoch, true));
    }
    // What a window viewer holds: the series reduced to its plot.
    let mut c = TestPeer::connect(server.local_addr());
    let id = c.channel("loss");
    let visible = AxisView {
        x: (10_000.0, 20_000.0),
        y: (0.0, 2.0),
    };
    c.io.send(&Message::View(View {
        channel: id,
        x_px: 80,
        width_px: 800,
        height_px: 400,
        x_range: Some(visible.x),
        y_range: None,
        x_log: false,
        y_log: false,
    }))
    .expect("view sent");
    let mut shown = PlotState::default();
    shown.set_layout(c.layout.clone());
    for f in c.batch().frames {
        shown.apply_frame(f, Instant::now());
    }
    let data = shown.data.get(&id).expect("the series arrived");
    assert!(
        data.is_reduced(),
        "the viewer's copy is reduced to the view"
    );
    // Exported from the reduced copy, the file would miss most epochs.
    let dir = std::env::temp_dir().join(format!("plotcast-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::env::set_current_dir(&dir).expect("cd to the temp dir");
    let hidden = BTreeSet::from(["test".to_owned()]);
    let thin = export_visible(&shown, id, &visible, Some(&hidden), false, 1).expect("exported");
    assert!(
        thin.rows < 5_000,
        "{} rows from the reduced copy",
        thin.rows
    );
    // What `e` does with a reduced copy: every value, fetched again.
    let cfg = NetConfig {
        addr: server.local_addr().to_string(),
        ..NetConfig::default()
    };
    let full = fetch_full(&cfg, Duration::from_secs(30)).expect("full data fetched");
    assert!(!full.data[&id].is_reduced());
    let exported = export_visible(&full, id, &visible, Some(&hidden), true, 2).expect("exported");
    assert_eq!(
        exported.rows, 10_001,
        "every train epoch from 10000 to 20000"
    );
    let text = std::fs::read_to_string(&exported.path).expect("the file");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("series,t,y"));
    for (k, line) in lines.enumerate() {
        let epoch = 10_000 + k;
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], "train", "line {k}: the hidden trace is left out");
        assert_eq!(
            fields[1].parse::<f64>().ok(),
            Some(epoch as f64),
            "line {k}"
        );
        let y: f64 = fields[2].parse().expect("a number");
        assert_eq!(
            y.to_bits(),
            loss(epoch, false).to_bits(),
            "line {k}: the value as pushed"
        );
    }
    let said = exported.describe();
    assert!(
        said.contains("10001 rows of loss in view")
            && said.contains("fetched at full resolution")
            && said.contains("hidden, not saved: test"),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
