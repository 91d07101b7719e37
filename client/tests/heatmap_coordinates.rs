//! Heatmaps in data coordinates and honest readouts: a heatmap published
//! with an `extent` reads off its cells in those coordinates (so a decision
//! map lines up with a scatter of the same data), and the readout of a grid
//! reduced to the view (level of detail) gives the value standing for the
//! cell under the mouse and says it is approximate.

use std::sync::Arc;

use plotcast_protocol::{ChannelKind, ChannelOptions, ChannelSpec, Frame, GridWindow, Layout, Lod};
use plotcast_testkit::frames::{frame, part};
use plotcast_viewer::model::{ChannelData, PlotState};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::{PlotInfo, RenderInfo, ViewState};

fn heatmap_state(options: ChannelOptions, frame: Frame) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![ChannelSpec::with_options(
            1,
            "map",
            ChannelKind::Heatmap,
            options,
        )],
    });
    state.data.insert(1, ChannelData::Snapshot(Arc::new(frame)));
    state
}

fn grid(nx: u32, ny: u32, values: &[f64], lod: Option<Lod>) -> Frame {
    Frame {
        nx,
        ny,
        lod,
        ..frame(1, ChannelKind::Heatmap, vec![part("", None, values)])
    }
}

fn draw(state: &PlotState, view: &ViewState) -> RenderInfo {
    let options = RenderOptions {
        now_unix_us: Some(1),
        ..RenderOptions::default()
    };
    render_with(state, view, 900, 700, &mut Vec::new(), &options)
}

/// The pixel at the centre of cell (`i`, `j`) of a plot over `n × n` cells.
fn cell_centre(plot: &PlotInfo, i: usize, j: usize) -> (f64, f64) {
    plot.to_pixel(i as f64 + 0.5, j as f64 + 0.5)
        .expect("on the plot")
}

fn readout_at(state: &PlotState, at: (f64, f64)) -> String {
    let mut view = ViewState::default();
    view.ui.hover = Some(at);
    let info = draw(state, &view);
    info.notes
        .iter()
        .find(|n| n.starts_with("readout"))
        .cloned()
        .unwrap_or_else(|| panic!("no readout in {:?}", info.notes))
}

#[test]
fn a_heatmap_with_an_extent_reads_off_in_data_coordinates() {
    let values: Vec<f64> = (0..16).map(f64::from).collect();
    let options = ChannelOptions {
        extent: Some([-1.0, 1.0, -2.0, 2.0]),
        ..ChannelOptions::default()
    };
    let state = heatmap_state(options, grid(4, 4, &values, None));
    let info = draw(&state, &ViewState::default());
    let plot = info.plot(1).expect("drawn");
    // Column 1, row 2: centre at x = -1 + 1.5 * 0.5, y = -2 + 2.5 * 1.
    let text = readout_at(&state, cell_centre(plot, 1, 2));
    assert!(
        text.contains("column 1, row 2") && text.contains("x = -0.25, y = 0.5"),
        "{text}"
    );
    assert!(text.contains("value = 9"), "{text}");
    // Without an extent: cell coordinates, as before (the axes' labels
    // differ, so the plot sits elsewhere).
    let state = heatmap_state(ChannelOptions::default(), grid(4, 4, &values, None));
    let info = draw(&state, &ViewState::default());
    let plot = info.plot(1).expect("drawn");
    let text = readout_at(&state, cell_centre(plot, 1, 2));
    assert!(text.contains("x = 1.5, y = 2.5"), "{text}");
}

#[test]
fn a_reduced_grid_reads_the_block_of_the_cell_and_says_so() {
    // A 100 × 100 grid reduced to 10 × 10 blocks: block (b, c) holds
    // 100 * c + b. Cell (37, 81) lies in block (3, 8).
    let values: Vec<f64> = (0..10)
        .flat_map(|row| (0..10).map(move |col| f64::from(100 * row + col)))
        .collect();
    let lod = Lod {
        source_values: 10_000,
        grid: Some(GridWindow {
            full_nx: 100,
            full_ny: 100,
            x0: 0,
            x1: 100,
            y0: 0,
            y1: 100,
        }),
        replace: false,
        ends: Vec::new(),
    };
    let state = heatmap_state(ChannelOptions::default(), grid(10, 10, &values, Some(lod)));
    let info = draw(&state, &ViewState::default());
    let plot = info.plot(1).expect("drawn");
    assert_eq!(plot.view.x, (0.0, 100.0), "axes over the full grid");
    let text = readout_at(&state, cell_centre(plot, 37, 81));
    assert!(text.contains("column 37, row 81"), "{text}");
    assert!(
        text.contains("value ≈ 803"),
        "the block's value, approximate: {text}"
    );
}

/// The axes of a heatmap with an extent are labelled in its coordinates:
/// the tick labels under the plot differ from those of the same grid in
/// cell coordinates (kept as a PNG to look at).
#[test]
fn a_heatmap_with_an_extent_labels_its_axes_in_data_coordinates() {
    let values: Vec<f64> = (0..64 * 48)
        .map(|i| f64::from(i % 64) * f64::from(i / 64))
        .collect();
    let render = |options: ChannelOptions| {
        let state = heatmap_state(options, grid(64, 48, &values, None));
        let mut rgb = Vec::new();
        let options = RenderOptions {
            now_unix_us: Some(1),
            ..RenderOptions::default()
        };
        let info = render_with(&state, &ViewState::default(), 900, 700, &mut rgb, &options);
        (rgb, info.plot(1).expect("drawn").rect)
    };
    let (with, rect) = render(ChannelOptions {
        extent: Some([-3.0, 3.0, 0.0, 2.0]),
        value_label: "T (K)".into(),
        ..ChannelOptions::default()
    });
    let (cells, cells_rect) = render(ChannelOptions::default());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    plotcast_viewer::render::save_png(dir.join("heatmap-extent.png"), 900, 700, &with)
        .expect("png written");
    // The strip of tick labels under each plot.
    let labels = |rgb: &[u8], r: plotcast_viewer::view::PixelRect| -> Vec<u8> {
        let (top, bottom) = (r.bottom() as usize + 4, r.bottom() as usize + 18);
        (top..bottom)
            .flat_map(|y| {
                rgb[(y * 900 + r.x as usize) * 3..(y * 900 + r.right() as usize) * 3].to_vec()
            })
            .collect()
    };
    assert_ne!(
        labels(&with, rect),
        labels(&cells, cells_rect),
        "the x labels changed"
    );
    assert!(
        labels(&with, rect).iter().any(|&v| v < 128),
        "labels are drawn under the plot"
    );
}
