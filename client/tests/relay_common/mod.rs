//! What the relay tests share: a viewer's network side reading a relayed
//! run in the test process, with the test as its drawing side (it draws
//! each batch, tells the views and acknowledges, as a window does), the
//! pictures to compare, and the data a computation would publish.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use plotcast_protocol::{ChannelKind, ChannelOptions, ChannelSpec, Frame, Layout};
use plotcast_testkit::frames::{grid_frame, lines_frame, series_frame, unix_us};
use plotcast_testkit::Wait;
use plotcast_viewer::model::{ChannelData, PlotState, Status};
use plotcast_viewer::net::relay::{RelayAddress, RelayConfig};
use plotcast_viewer::net::{NetConfig, NetHandle, Shared};
use plotcast_viewer::recording::Recorder;
use plotcast_viewer::render;
use plotcast_viewer::view::ViewState;

/// The size pictures are compared at.
pub const SIZE: (u32, u32) = (900, 600);

/// A viewer's network side on a relayed run.
pub struct RelayView {
    pub shared: Arc<Shared>,
    pub net: Option<NetHandle>,
    drawn: u64,
    rgb: Vec<u8>,
}

/// The network settings of a viewer of `addr` (`nats://…/run`).
pub fn relay_config(addr: &str) -> NetConfig {
    let address = RelayAddress::parse(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    NetConfig {
        addr: address.display(),
        relay: Some(RelayConfig::new(address)),
        ..NetConfig::default()
    }
}

impl RelayView {
    /// Starts reading `addr`.
    pub fn start(addr: &str) -> Self {
        Self::start_with(relay_config(addr), None)
    }

    /// Starts with these settings (and a recorder).
    pub fn start_with(cfg: NetConfig, recorder: Option<Recorder>) -> Self {
        let shared = Arc::new(Shared::default());
        let net = NetHandle::spawn_recording(cfg, Arc::clone(&shared), |_| {}, recorder)
            .expect("the network thread starts");
        Self {
            shared,
            net: Some(net),
            drawn: 0,
            rgb: Vec::new(),
        }
    }

    /// Draws the newest batch if there is one: renders it (which tells
    /// the views) and acknowledges it.
    pub fn draw(&mut self) -> PlotState {
        let (plot, batch) = self.shared.snapshot();
        if batch > self.drawn {
            let info = render::render(&plot, &ViewState::default(), SIZE.0, SIZE.1, &mut self.rgb);
            self.shared.set_views(plot.layout_version, info.views());
            self.shared.presented(batch);
            self.drawn = batch;
        }
        plot
    }

    /// Draws batches until `cond` holds for the state; returns it.
    pub fn wait(
        &mut self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&PlotState) -> bool,
    ) -> PlotState {
        // A timeout says what the state was last.
        Wait::new(what, timeout).for_state(|| {
            let plot = self.draw();
            if cond(&plot) {
                return Ok(plot);
            }
            let seqs: Vec<(String, u64)> = plot
                .layout
                .channels
                .iter()
                .map(|c| match plot.data.get(&c.id) {
                    Some(ChannelData::Snapshot(f)) => (c.name.clone(), f.seq),
                    _ => (c.name.clone(), 0),
                })
                .collect();
            Err(format!(
                "connection {:?}\nrelay {:?}\nplots (name, seq) {seqs:?}\nreceived {}",
                plot.status.connection, plot.status.relay, plot.status.frames_received
            ))
        })
    }

    /// Like [`wait`](Self::wait), also returning how long it took.
    pub fn timed(
        &mut self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&PlotState) -> bool,
    ) -> (PlotState, Duration) {
        let start = Instant::now();
        let plot = self.wait(what, timeout, cond);
        (plot, start.elapsed())
    }

    /// Stops the network side.
    pub fn stop(&mut self) {
        if let Some(net) = self.net.take() {
            let _ = net.shutdown();
        }
    }
}

/// The state's plots as pixels, without its status line's figures (which
/// name the source and its timing, not the data).
pub fn picture(plot: &PlotState) -> Vec<u8> {
    let mut plot = plot.clone();
    plot.status = Status::default();
    let mut rgb = Vec::new();
    render::render(&plot, &ViewState::default(), SIZE.0, SIZE.1, &mut rgb);
    rgb
}

/// A state built from a layout and frames, as a direct viewer builds it.
pub fn direct(layout: &Layout, frames: &[Frame]) -> PlotState {
    let mut plot = PlotState::default();
    plot.set_layout(layout.clone());
    for f in frames {
        plot.apply_frame(f.clone(), Instant::now());
    }
    plot
}

/// Whether every plot of the state has data, and it has `plots` plots.
pub fn complete(plot: &PlotState, plots: usize) -> bool {
    plot.layout.channels.len() == plots
        && plot
            .layout
            .channels
            .iter()
            .all(|c| plot.data.contains_key(&c.id))
}

/// The points of an append series plot, all traces.
pub fn series_points(plot: &PlotState, name: &str) -> usize {
    let Some(spec) = plot.layout.channels.iter().find(|c| c.name == name) else {
        return 0;
    };
    match plot.data.get(&spec.id) {
        Some(ChannelData::Series(set)) => set.series().iter().map(|s| s.len()).sum(),
        _ => 0,
    }
}

/// Asserts two pictures are the same, saving both when they are not.
pub fn assert_same_picture(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let keep = |name: &str, rgb: &[u8]| {
            let path = std::env::temp_dir().join(format!("plotcast-{what}-{name}.png"));
            let _ = render::save_png(&path, SIZE.0, SIZE.1, rgb);
            path
        };
        let (a, b) = (keep("relay", got), keep("direct", want));
        let differ = got.iter().zip(want).filter(|(x, y)| x != y).count();
        panic!(
            "{what}: {differ} bytes differ; see {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// A line frame published now.
pub fn line(channel: u32, seq: u64, parts: &[(&str, Vec<f64>)]) -> Frame {
    let parts: Vec<(&str, &[f64])> = parts.iter().map(|(n, y)| (*n, y.as_slice())).collect();
    Frame {
        timestamp_us: unix_us(),
        ..lines_frame(channel, seq, &parts)
    }
}

/// A heatmap frame published now.
pub fn heatmap(channel: u32, seq: u64, nx: u32, ny: u32, values: &[f64]) -> Frame {
    Frame {
        seq,
        timestamp_us: unix_us(),
        ..grid_frame(channel, nx, ny, values)
    }
}

/// A chunk of an append series: points `first..`, published now.
pub fn chunk(channel: u32, first: u64, values: &[f64]) -> Frame {
    let t: Vec<f64> = (0..values.len())
        .map(|i| (first as usize + i) as f64 * 0.1)
        .collect();
    series_frame(channel, first, &t, values)
}

/// A smooth field over an `nx × ny` grid, row-major.
pub fn field(nx: u32, ny: u32) -> Vec<f64> {
    (0..ny)
        .flat_map(|r| {
            (0..nx).map(move |c| (f64::from(c) * 0.2).sin() * (f64::from(r) * 0.15).cos())
        })
        .collect()
}

/// The rows `y0..y0 + h`, columns `x0..x0 + w` of a row-major grid.
pub fn block(grid: &[f64], nx: u32, (x0, y0, w, h): (u32, u32, u32, u32)) -> Vec<f64> {
    (y0..y0 + h)
        .flat_map(|r| (x0..x0 + w).map(move |c| grid[(r * nx + c) as usize]))
        .collect()
}

/// A spec with a tile of a `gnx × gny` grid.
pub fn tiled(id: u32, name: &str, tile: [u32; 4]) -> ChannelSpec {
    ChannelSpec::with_options(
        id,
        name,
        ChannelKind::Heatmap,
        ChannelOptions {
            tile: Some(tile),
            ..ChannelOptions::default()
        },
    )
}
