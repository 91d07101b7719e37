//! Level of detail end to end: a real server reduces what it sends to a
//! viewer's view, and the viewer's renderer draws the reduced data as it
//! draws the raw data (lines: the same pixels; heatmaps: within one
//! colormap step, a single hot cell kept), zooming in brings the raw
//! values, viewers with one view share one reduction, and compression
//! round-trips through the handshake.

use std::time::{Duration, Instant};

use plotcast_protocol::{
    ChannelKind, Frame, Layout, Message, View, CODECS_LZ4_SHUFFLE, CODEC_LZ4_SHUFFLE,
};
use plotcast_testkit::test_peer::hello;
use plotcast_testkit::{start_server, wait_until, TestPeer};
use plotcast_viewer::colormap::Colormap;
use plotcast_viewer::model::PlotState;
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::{RenderInfo, ViewState};

const SIZE: (u32, u32) = (1280, 720);

fn server() -> plotcast::Server {
    start_server("lod")
}

fn options() -> RenderOptions {
    RenderOptions {
        now_unix_us: Some(1_000_000),
        ..RenderOptions::default()
    }
}

/// Draws `frames` under `layout`; returns the pixels and what was drawn.
fn draw(layout: &Layout, frames: &[Frame]) -> (Vec<u8>, RenderInfo) {
    let mut state = PlotState::default();
    state.set_layout(layout.clone());
    for f in frames {
        assert!(
            state.apply_frame(f.clone(), Instant::now()),
            "frame applied"
        );
    }
    let mut rgb = Vec::new();
    let info = render_with(
        &state,
        &ViewState::default(),
        SIZE.0,
        SIZE.1,
        &mut rgb,
        &options(),
    );
    (rgb, info)
}

/// The next batch's frames, answering pings on the way.
fn frames(c: &mut TestPeer) -> Vec<Frame> {
    c.batch().frames
}

fn view_of(info: &RenderInfo, channel: u32) -> View {
    *info
        .views()
        .iter()
        .find(|v| v.channel == channel)
        .expect("the plot was drawn")
}

fn noisy(n: usize) -> Vec<f64> {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            match i {
                123_456 | 700_001..=700_020 => f64::NAN,
                _ => {
                    (i as f64 * 2e-5).sin() + 0.3 * noise + if i % 99_991 == 0 { 2.0 } else { 0.0 }
                }
            }
        })
        .collect()
}

#[test]
fn a_reduced_line_draws_exactly_the_pixels_of_the_raw_line() {
    let server = server();
    let line = server.line("big");
    let y = noisy(1_000_000);
    line.publish(&y);
    // The raw data, as a viewer without level of detail gets it.
    let mut raw_client = TestPeer::connect(server.local_addr());
    let raw = frames(&mut raw_client);
    let layout = raw_client.layout.clone();
    let (raw_rgb, info) = draw(&layout, &raw);
    // A viewer that says how it draws the plot gets far fewer values.
    let mut c = TestPeer::connect(server.local_addr());
    let view = view_of(&info, line.id());
    c.io.send(&Message::View(view)).expect("view sent");
    let reduced = frames(&mut c);
    let lod = reduced[0].lod.as_ref().expect("a reduced frame");
    assert_eq!(lod.source_values, 1_000_000);
    let kept = reduced[0].parts[0].y.len();
    assert!(
        kept <= 4 * (view.width_px as usize + 2),
        "{kept} values kept"
    );
    let (rgb, _) = draw(&layout, &reduced);
    let differ = rgb
        .chunks_exact(3)
        .zip(raw_rgb.chunks_exact(3))
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differ, 0, "{differ} pixels differ between raw and reduced");
}

#[test]
fn zoomed_in_to_a_thousandth_of_the_line_the_raw_values_arrive() {
    let server = server();
    let line = server.line("big");
    let y = noisy(1_000_000);
    line.publish(&y);
    let mut c = TestPeer::connect(server.local_addr());
    let (lo, hi) = (400_000.0, 401_000.0);
    c.io.send(&Message::View(View {
        channel: line.id(),
        x_px: 80,
        width_px: 1100,
        height_px: 600,
        x_range: Some((lo, hi)),
        y_range: None,
        x_log: false,
        y_log: false,
    }))
    .expect("view sent");
    let f = &frames(&mut c)[0];
    let (x, v) = (
        f.parts[0]
            .x
            .as_ref()
            .expect("reduced lines carry x")
            .to_f64(),
        f.parts[0].y.to_f64(),
    );
    assert!(x.len() < 1100, "{} values for 1001 visible", x.len());
    for (i, raw) in y.iter().enumerate().take(401_001).skip(400_000) {
        let at = x
            .iter()
            .position(|&xi| xi == i as f64)
            .unwrap_or_else(|| panic!("raw point {i} missing"));
        assert_eq!(v[at].to_bits(), raw.to_bits(), "value of point {i}");
    }
}

/// The largest difference of one colour channel between two neighbouring
/// colours of the colormap: one colormap step, at its steepest.
fn colormap_step(cmap: &Colormap) -> i32 {
    (0..255)
        .map(|k| {
            let (a, b) = (
                cmap.color(k as f64 / 255.0),
                cmap.color((k + 1) as f64 / 255.0),
            );
            a.iter()
                .zip(b)
                .map(|(x, y)| (i32::from(*x) - i32::from(y)).abs())
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_reduced_heatmap_draws_within_one_colormap_step_and_keeps_a_hot_cell() {
    let server = server();
    let heat = server.heatmap("field");
    let n = 2048usize;
    let mut grid: Vec<f64> = (0..n * n)
        .map(|k| ((k % n) + (k / n)) as f64 / (2 * n) as f64)
        .collect();
    heat.publish(&grid, n, n);
    let mut raw_client = TestPeer::connect(server.local_addr());
    let raw = frames(&mut raw_client);
    let layout = raw_client.layout.clone();
    let (raw_rgb, info) = draw(&layout, &raw);
    let plot = info.plot(heat.id()).expect("heatmap drawn").clone();
    let view = view_of(&info, heat.id());
    let mut c = TestPeer::connect(server.local_addr());
    c.io.send(&Message::View(view)).expect("view sent");
    let reduced = frames(&mut c);
    let f = &reduced[0];
    assert!(
        f.lod.as_ref().and_then(|l| l.grid).is_some(),
        "a reduced grid"
    );
    assert!(
        f.nx <= view.width_px && f.ny <= view.height_px,
        "{}x{} cells for a {}x{} plot",
        f.nx,
        f.ny,
        view.width_px,
        view.height_px
    );
    let (rgb, _) = draw(&layout, &reduced);
    let step = colormap_step(&Colormap::by_name("viridis"));
    let r = plot.rect;
    let mut worst = 0;
    for y in r.y..r.y + r.h as i32 {
        for x in r.x..r.x + r.w as i32 {
            let at = (y as usize * SIZE.0 as usize + x as usize) * 3;
            let diff = rgb[at..at + 3]
                .iter()
                .zip(&raw_rgb[at..at + 3])
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .max()
                .unwrap_or(0);
            worst = worst.max(diff);
        }
    }
    assert!(
        worst <= step,
        "a pixel differs by {worst} in a colour channel from the raw drawing; one colormap step is at most {step}"
    );

    // One hot cell among 4 million: the reduced drawing shows it.
    grid[1000 * n + 1234] = 100.0;
    heat.publish(&grid, n, n);
    let hot = frames(&mut c);
    let values = hot[0].parts[0].y.to_f64();
    assert!(
        values.contains(&100.0),
        "the hot cell survived the reduction"
    );
    assert_eq!(
        hot[0].range.map(|r| r.1),
        Some(100.0),
        "the full data's range"
    );
}

#[test]
fn viewers_with_one_view_share_one_reduction_per_publish() {
    let server = server();
    let line = server.line("big");
    let y = noisy(200_000);
    let view = View {
        channel: line.id(),
        x_px: 60,
        width_px: 500,
        height_px: 300,
        x_range: None,
        y_range: None,
        x_log: false,
        y_log: false,
    };
    let mut viewers: Vec<TestPeer> = (0..10)
        .map(|_| TestPeer::connect(server.local_addr()))
        .collect();
    for c in &mut viewers {
        c.io.send(&Message::View(view)).expect("view sent");
    }
    let publishes = 5u64;
    for k in 0..publishes {
        let mut y = y.clone();
        y[0] = k as f64;
        line.publish(&y);
        for c in &mut viewers {
            // Each viewer takes the newest value (and a first, raw one if
            // its view had not arrived yet).
            let what = format!("a reduced frame of publish {k}");
            wait_until(&what, Duration::from_secs(30), || {
                let f = frames(c);
                f[0].lod.is_some() && f[0].parts[0].y.to_f64().first() == Some(&(k as f64))
            });
        }
    }
    let stats = server.stats();
    let reductions = stats.channels[0].reductions;
    assert!(
        (publishes..=publishes + 1).contains(&reductions),
        "{reductions} reductions for {publishes} publishes and 10 viewers"
    );
    // Their time is counted too (a reduction of 2·10⁵ points takes more
    // than a nanosecond on any machine).
    let reducing = stats.channels[0].reducing;
    assert!(
        reducing >= Duration::from_nanos(reductions),
        "{reductions} reductions counted {reducing:?}"
    );
}

#[test]
fn compression_is_negotiated_and_round_trips() {
    let server = server();
    let heat = server.heatmap("field");
    let (nx, ny) = (256usize, 160usize);
    let grid: Vec<f64> = (0..nx * ny)
        .map(|k| ((k % nx) as f64 * 0.05).sin() * ((k / nx) as f64 * 0.03).cos())
        .collect();
    heat.publish(&grid, nx, ny);
    let mut h = hello(None);
    h.codecs = CODECS_LZ4_SHUFFLE;
    let mut c = TestPeer::try_connect(server.local_addr(), h).expect("connects");
    assert_eq!(c.welcome.codec, CODEC_LZ4_SHUFFLE, "the server takes LZ4");
    let f = &frames(&mut c)[0];
    assert_eq!(f.kind, ChannelKind::Heatmap);
    assert_eq!(f.parts[0].y.to_f64().as_ref(), grid.as_slice());
    let sent = server.stats().viewers[0].bytes_sent;
    assert!(
        sent < (nx * ny * 8) as u64,
        "{sent} bytes on the wire for {} bytes of values",
        nx * ny * 8
    );
    // A viewer that reads no codec gets none.
    let plain = TestPeer::connect(server.local_addr());
    assert_eq!(plain.welcome.codec, 0);
}
