//! The renderer: a plain function from the viewer's state and a canvas size
//! to pixels, shared by the window (softbuffer's `0RGB` words,
//! [`render_words`]) and the headless PNG mode (RGB8, [`render_with`]),
//! each drawn on directly.
//!
//! ```text
//! ┌──────────────── figure title ────────────────┐
//! │ ┌ plot ──────────┐  ┌ plot ────────┐ ┌cbar┐  │   channels in a grid
//! │ │ lines, scatter │  │ heatmap blit │ │    │  │   (layout cells or auto)
//! │ └────────────────┘  └──────────────┘ └────┘  │
//! ├ server @ addr · connected · fps · frames · age ─ PAUSED ┤
//! ```
//!
//! The renderer lays out each plot's frame and picks its ticks itself
//! (`axes`, `ticks`, `tick_format`: matplotlib's locators and formatters);
//! plotters draws lines and text into the buffer through
//! `BitMapBackend` over the canvas in its pixel format (`canvas`), with
//! text from an embedded font.
//! Data is mapped to pixels by the renderer itself: lines are decimated to
//! min/max per pixel column (`decimate`) and clipped before plotters draws
//! them; heatmaps and colorbars are painted into the buffer directly after
//! plotters is done (`heatmap`).
//!
//! After the plots, an overlay pass (`overlay`) draws what the user asked
//! for on top: the value readout and crosshair under the mouse and the A/B
//! cursors (`readout` finds the values), follow notes, the help overlay
//! (`help`); when the plots do not all fit, `pages` puts them on pages and
//! a notice strip says what is not shown.
//! Custom channels are drawn by the plot types of [`RenderOptions::plots`]
//! (`custom`: after plotters, clipped, panics contained; `placeholder` when
//! the plot type is unknown).
//!
//! Files: `canvas` (the pixels drawn on, words or RGB, and plotters over
//! them), `channel` (one plot), `ctx` (what every plot draws with),
//! `layout_grid`, `pages`, `axes` (the frame, laid out and drawn here),
//! `ticks` (where ticks go), `tick_format` (what they say), `colorbar`,
//! `plots`, `heatmap`, `blit` (what is painted after plotters), `custom`,
//! `placeholder`, `legend` (placed where `coverage` saw least ink),
//! `readout`, `overlay`, `help`, `status_line`, `replay_status` (its
//! replay and recording pieces), `font`, `text_cache` (text drawn once),
//! `glyphs` (the font's glyphs, kept), `output` (PNG, words to RGB). What a
//! render drew where is [`crate::view::drawn`]; ranges are
//! [`crate::model`]'s; colours [`crate::colormap`]'s.

mod axes;
mod blit;
mod canvas;
mod channel;
mod colorbar;
mod coverage;
mod ctx;
mod custom;
mod decimate;
mod font;
mod glyphs;
mod heatmap;
mod help;
mod layout_grid;
mod legend;
mod output;
mod overlay;
mod pages;
mod placeholder;
mod plots;
mod readout;
mod replay_status;
mod status_line;
mod text_cache;
mod tick_format;
mod ticks;

use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub use axes::plot_ticks;
pub use colorbar::render_colorbar;
pub use output::{png_bytes, save_png, words_to_rgb, RenderError};
pub use placeholder::placeholder_lines;
pub use plots::ink_fraction;
pub use ticks::{axis_ticks, AxisTicks, LabelRoom, Tick, TICK_SPACING_PX};

use crate::model::PlotState;
use crate::plot_types::PlotTypes;
use crate::view::ranges::ChannelView;
use crate::view::{PageInfo, PixelRect, RenderInfo, ViewState};
use blit::Blit;
use canvas::{Area, Pixels};
use channel::draw_channel;
use ctx::Ctx;
use font::{text, TextSizes};

/// Canvas background.
pub const BACKGROUND: [u8; 3] = [255, 255, 255];

/// Colour of axes and text.
pub(crate) const INK: RGBColor = RGBColor(20, 20, 20);

/// Grey of secondary text ("waiting for data").
pub(crate) const MUTED: RGBColor = RGBColor(130, 130, 130);

/// Choices that change how the renderer draws.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Decimate lines to min/max per pixel column (default). Off draws
    /// every segment, for comparison and benchmarks.
    pub decimate: bool,
    /// "Now" for the status line's frame age, in µs since the Unix epoch;
    /// `None` reads the clock. Tests fix it for reproducible output.
    pub now_unix_us: Option<u64>,
    /// The plot types custom channels are drawn with (default: the
    /// built-in ones).
    pub plots: PlotTypes,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            decimate: true,
            now_unix_us: None,
            plots: PlotTypes::default(),
        }
    }
}

/// A drawing failure inside plotters; logged, never shown to the user.
#[derive(Debug)]
pub(crate) struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Renders the figure into `out` (RGB8, resized to `width * height * 3`)
/// with the default options. See [`render_with`].
pub fn render(
    state: &PlotState,
    view: &ViewState,
    width: u32,
    height: u32,
    out: &mut Vec<u8>,
) -> RenderInfo {
    render_with(state, view, width, height, out, &RenderOptions::default())
}

/// Renders the figure into `out` (RGB8, row-major, resized to
/// `width * height * 3`) and tells where each plot went.
///
/// Any size is accepted: below about 32×24 pixels the canvas is only
/// cleared, and plots whose grid cell is too small to hold axes are
/// skipped. Non-finite data never fails a render.
pub fn render_with(
    state: &PlotState,
    view: &ViewState,
    width: u32,
    height: u32,
    out: &mut Vec<u8>,
    options: &RenderOptions,
) -> RenderInfo {
    out.clear();
    out.resize(width as usize * height as usize * 3, 0);
    render_on(state, view, (width, height), Pixels::Rgb(out), options)
}

/// Renders the figure into `out`, `width * height` words of softbuffer's
/// `0RGB` pixel (red in bits 16..24), row-major: what a window shows, with
/// no conversion. Words past `width * height` are left alone; with fewer
/// than that nothing is drawn. Otherwise as [`render_with`].
pub fn render_words(
    state: &PlotState,
    view: &ViewState,
    width: u32,
    height: u32,
    out: &mut [u32],
    options: &RenderOptions,
) -> RenderInfo {
    let n = width as usize * height as usize;
    match out.get_mut(..n) {
        Some(out) => render_on(state, view, (width, height), Pixels::Words(out), options),
        None => RenderInfo {
            width,
            height,
            ..RenderInfo::default()
        },
    }
}

/// Renders on `out`, exactly `width × height` pixels.
fn render_on(
    state: &PlotState,
    view: &ViewState,
    (width, height): (u32, u32),
    mut out: Pixels<'_>,
    options: &RenderOptions,
) -> RenderInfo {
    let mut info = RenderInfo {
        width,
        height,
        ..RenderInfo::default()
    };
    out.fill(BACKGROUND);
    text_cache::new_figure();
    // plotters computes w*h in u32; larger canvases are left blank.
    if width < 32 || height < 24 || u64::from(width) * u64::from(height) > u64::from(u32::MAX) {
        return info;
    }
    let now = options.now_unix_us.unwrap_or_else(crate::clock::now_us);
    let mut blits = Vec::new();
    if font::ensure_registered() {
        out.with_area((width, height), |root| {
            draw_figure(root, state, view, options, now, &mut info, &mut blits);
        });
    }
    for blit in &blits {
        out.paint(blit, width, height);
    }
    let failures = blit::run_jobs(&blits, &mut out, width, height);
    custom::draw_failures(&mut out, width, height, &failures);
    info.failures = failures.into_iter().map(|(_, f)| f).collect();
    if font::ensure_registered() {
        // Over the blitted heatmaps too.
        let sizes = TextSizes::for_canvas(width, height);
        let drawn = out.with_area((width, height), |root| {
            overlay::draw_overlay(root, state, view, &info, &sizes)
        });
        match drawn {
            Some(Ok(notes)) => info.notes.extend(notes),
            Some(Err(e)) => log_failure("the overlay", &e),
            None => {}
        }
    }
    info
}

pub(crate) fn log_failure(what: &str, err: &DrawError) {
    tracing::debug!(target: "plotcast_viewer::render", "drawing {what} failed: {}", err.0);
}

fn draw_figure<'s>(
    root: &Area<'_>,
    state: &'s PlotState,
    view: &ViewState,
    options: &RenderOptions,
    now: u64,
    info: &mut RenderInfo,
    blits: &mut Vec<Blit<'s>>,
) {
    let (width, height) = (info.width, info.height);
    let sizes = TextSizes::for_canvas(width, height);
    let mut top = 0;
    if !state.layout.title.is_empty() && height >= 150 {
        let h = (sizes.title * 1.9).round() as i32;
        let style = text(sizes.title, INK).pos(Pos::new(HPos::Center, VPos::Center));
        if let Err(e) = root.draw_text(&state.layout.title, &style, (width as i32 / 2, h / 2 + 2)) {
            log_failure("the title", &e.into());
        }
        top = h;
    }
    let mut bottom = height as i32;
    if height >= 80 {
        let h = (sizes.status * 1.9).round() as i32;
        bottom -= h;
        let strip = PixelRect {
            x: 0,
            y: bottom,
            w: width,
            h: h as u32,
        };
        let extra = status_line::view_segments(state, view);
        info.notes
            .push(status_line::status_note(&state.status, &extra, now));
        if let Err(e) = status_line::draw_status(root, strip, &state.status, &extra, now, &sizes) {
            log_failure("the status line", &e);
        }
    }
    let mut area = PixelRect {
        x: 0,
        y: top,
        w: width,
        h: (bottom - top).max(0) as u32,
    };
    if state.layout.channels.is_empty() {
        let style = text(sizes.caption, MUTED).pos(Pos::new(HPos::Center, VPos::Center));
        let msg = "waiting for the computation's plots";
        let centre = (area.x + area.w as i32 / 2, area.y + area.h as i32 / 2);
        if let Err(e) = root.draw_text(msg, &style, centre) {
            log_failure("the empty figure", &e.into());
        }
        return;
    }
    let (page, focus) = (view.ui.page, view.ui.focus);
    let mut arrangement = pages::arrange(&state.layout, area, page, focus, sizes.scale);
    let mut notice_strip = None;
    if arrangement.needs_notice() {
        // A strip above the plots says what is not shown.
        let h = (sizes.status * 1.7).round() as u32;
        notice_strip = Some(PixelRect { h, ..area });
        area.y += h as i32;
        area.h = area.h.saturating_sub(h);
        arrangement = pages::arrange(&state.layout, area, page, focus, sizes.scale);
    }
    let groups = crate::view::linking::group_ranges(state, view);
    for &(index, rect) in &arrangement.cells {
        let Some(spec) = state.layout.channels.get(index) else {
            continue;
        };
        let ctx = Ctx {
            root,
            sizes: &sizes,
            options,
        };
        let channel_view = ChannelView {
            manual: view.manual.get(&spec.id),
            y_follows: view.y_follows.contains(&spec.id),
            group_x: groups.get(&spec.id).copied(),
            ui: &view.ui,
        };
        match draw_channel(
            &ctx,
            rect,
            spec,
            state.data.get(&spec.id),
            &channel_view,
            blits,
        ) {
            Ok(Some(plot)) => info.plots.push(plot),
            Ok(None) => {}
            Err(e) => log_failure(spec.display_title(), &e),
        }
    }
    info.pages = PageInfo {
        drawn: info.plots.len(),
        ..arrangement.info
    };
    if let (Some(strip), Some(notice)) = (notice_strip, info.pages.notice()) {
        if let Err(e) = status_line::draw_notice(root, strip, &notice, &sizes) {
            log_failure("the page notice", &e);
        }
    }
}
