//! One channel's plot: its data gathered per kind, the axis ranges
//! (autoscale, fixed, manual), the frame, the data, the legend; heatmaps
//! with their colorbar.

use std::borrow::Cow;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Scale};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{draw_axes, draw_box, AxesSpec};
use super::blit::Blit;
use super::colorbar::{colorbar_width, draw_colorbar_axis};
use super::coverage::Coverage;
use super::ctx::Ctx;
use super::custom::draw_custom;
use super::decimate::Paths;
use super::font::text;
use super::heatmap::Grid;
use super::legend::{draw_legend, Swatch};
use super::plots::{
    bars_of, draw_bars, draw_paths, draw_points, line_paths, line_paths_sorted,
    line_paths_sorted_runs, series_color, Bar,
};
use super::{DrawError, MUTED};
use crate::colormap::{self, Colormap};
use crate::model::trace_label;
use crate::model::Extent;
use crate::model::{AxisView, ChannelData, SeriesHistory};
use crate::view::drawn::{usable, AxisMap, Mapping, PixelRect, PlotInfo};
use crate::view::ranges::{pads, shown_x, shown_y, ChannelView};
use crate::view::{Interaction, LegendHit};

/// Points of one series, whatever storage they come in.
enum Points<'a> {
    /// y only: x is the index.
    Y(Cow<'a, [f64]>),
    /// x and y.
    Xy(Cow<'a, [f64]>, Cow<'a, [f64]>),
    /// An append series' history.
    History(&'a SeriesHistory),
}

impl Points<'_> {
    fn iter(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_> {
        match self {
            Points::Y(y) => Box::new(y.iter().enumerate().map(|(i, &v)| (i as f64, v))),
            Points::Xy(x, y) => Box::new(x.iter().copied().zip(y.iter().copied())),
            Points::History(h) => Box::new(h.points()),
        }
    }

    /// An append series' newest point: the right end of its trace.
    fn newest(&self) -> Option<(f64, f64)> {
        let Points::History(h) = self else {
            return None;
        };
        let (t, v) = h.runs().last()?;
        t.iter()
            .zip(v)
            .rev()
            .find(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (*x, *y))
    }

    fn extent(&self, xs: Scale, ys: Scale, x: &mut Extent, y: &mut Extent) {
        match self {
            Points::Y(v) => {
                if !v.is_empty() {
                    x.add(0.0, xs);
                    x.add(v.len() as f64 - 1.0, xs);
                    // On a log x axis index 0 cannot show; include 1 too.
                    x.add(1.0_f64.min(v.len() as f64 - 1.0), xs);
                }
                y.add_slice(v, ys);
            }
            Points::Xy(a, b) => {
                x.add_slice(a, xs);
                y.add_slice(b, ys);
            }
            Points::History(h) => {
                for (t, v) in h.runs() {
                    x.add_slice(t, xs);
                    y.add_slice(v, ys);
                }
            }
        }
    }
}

struct Named<'a> {
    name: &'a str,
    points: Points<'a>,
    /// Hidden from its legend: neither drawn nor autoscaled.
    hidden: bool,
}

fn parts_of(frame: &Frame) -> Vec<Named<'_>> {
    frame
        .parts
        .iter()
        .map(|p| Named {
            name: &p.name,
            points: match &p.x {
                Some(x) => Points::Xy(x.to_f64(), p.y.to_f64()),
                None => Points::Y(p.y.to_f64()),
            },
            hidden: false,
        })
        .collect()
}

fn history_of(series: &[SeriesHistory]) -> Vec<Named<'_>> {
    series
        .iter()
        .map(|s| Named {
            name: &s.name,
            points: Points::History(s),
            hidden: false,
        })
        .collect()
}

/// Legend entries `(label, colour, hidden)`: shown when more than one
/// series is drawn and at least one has a name.
fn legend_entries<'a>(
    names: impl Iterator<Item = (&'a str, bool)>,
) -> Vec<(String, RGBColor, bool)> {
    let names: Vec<(&str, bool)> = names.collect();
    if names.len() < 2 || names.iter().all(|(n, _)| n.is_empty()) {
        return Vec::new();
    }
    names
        .iter()
        .enumerate()
        .map(|(i, (n, hidden))| (trace_label(i, n), series_color(i), *hidden))
        .collect()
}

/// Draws one channel in its grid cell; `None` when the cell is too small.
pub(crate) fn draw_channel<'s>(
    ctx: &Ctx<'_, '_>,
    cell: PixelRect,
    spec: &'s ChannelSpec,
    data: Option<&'s ChannelData>,
    view: &ChannelView<'_>,
    blits: &mut Vec<Blit<'s>>,
) -> Result<Option<PlotInfo>, DrawError> {
    let manual = view.manual;
    if cell.w < super::pages::MIN_CELL_W || cell.h < super::pages::MIN_CELL_H {
        return Ok(None); // too small for axes; the rest of the figure still draws
    }
    if spec.kind == ChannelKind::Custom {
        let (info, job) = draw_custom(ctx, cell, spec, data, manual)?;
        blits.extend(job.map(|job| Blit::Custom(Box::new(job))));
        return Ok(info);
    }
    let (kind, frame, series) = match data {
        Some(ChannelData::Snapshot(f)) => (f.kind, Some(&**f), None),
        Some(ChannelData::Series(s)) => (ChannelKind::Series, None, Some(s.series())),
        None => (spec.kind, None, None),
    };
    if kind == ChannelKind::Heatmap {
        if let Some(grid) = frame.and_then(Grid::of) {
            let range = frame.and_then(|f| f.range).or(spec.options.y_range);
            return draw_heatmap(ctx, cell, spec, grid, range, manual, blits).map(Some);
        }
    }
    let traces = Traces::gather(kind, frame, series, spec.id, view.ui);
    // Heatmaps have no x/y scale of their own; an empty heatmap frame
    // gets linear axes.
    let (xs, ys) = if kind == ChannelKind::Heatmap {
        (Scale::Linear, Scale::Linear)
    } else {
        view.ui.scales_of(spec)
    };
    let (x_ext, all_y) = traces.extents(kind, xs, ys);
    let (x_pad, _) = pads(kind, &all_y, ys);
    let (x, x_auto) = shown_x(spec, view, (xs, ys), x_ext, x_pad);
    // Autoscaled y over what is in view: a zoomed time series must not
    // run off its plot because of values elsewhere in its history.
    let y_ext = if x_auto {
        all_y
    } else {
        traces.y_extent_within(kind, x, ys)
    };
    let (_, y_pad) = pads(kind, &y_ext, ys);
    let (y, y_auto) = shown_y(spec, view, (xs, ys), y_ext, y_pad);
    let shown = AxisView { x, y };
    let rect = draw_axes(
        ctx.root,
        cell,
        &AxesSpec::of_channel(spec, shown, xs, ys),
        ctx.sizes,
    )?;
    let has_data = traces.has_data();
    let mut legend = Vec::new();
    if rect.w > 2 && rect.h > 2 {
        if !has_data {
            let style = text(ctx.sizes.desc, MUTED).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = (rect.x + rect.w as i32 / 2, rect.y + rect.h as i32 / 2);
            ctx.root.draw_text("waiting for data", &style, centre)?;
        }
        let map = Mapping::new(rect, AxisMap::new(shown.x, xs), AxisMap::new(shown.y, ys));
        legend = traces.draw(ctx, &map, kind, (xs, ys), shown.y.0)?;
    }
    draw_box(ctx.root, rect)?;
    Ok(Some(PlotInfo {
        channel: spec.id,
        kind,
        rect,
        view: shown,
        x_scale: xs,
        y_scale: ys,
        has_data,
        legend,
        x_auto,
        y_auto,
    }))
}

/// A plot's data as it is drawn: its named traces (lines, scatter,
/// series) or, for bars, its bar sets; hidden ones marked.
struct Traces<'a> {
    named: Vec<Named<'a>>,
    /// Bar sets `(name, bars, hidden)`.
    bars: Vec<(&'a str, Vec<Bar>, bool)>,
}

impl<'a> Traces<'a> {
    fn gather(
        kind: ChannelKind,
        frame: Option<&'a Frame>,
        series: Option<&'a [SeriesHistory]>,
        channel: u32,
        ui: &Interaction,
    ) -> Self {
        let mut named: Vec<Named<'_>> = match (frame, series) {
            (Some(f), _) => parts_of(f),
            (None, Some(s)) => history_of(s),
            (None, None) => Vec::new(),
        };
        if let Some(hidden) = ui.hidden_of(channel) {
            for (i, n) in named.iter_mut().enumerate() {
                n.hidden = hidden.contains(&trace_label(i, n.name));
            }
        }
        let mut bars = Vec::new();
        if kind == ChannelKind::Bars {
            let parts = frame.map(|f| f.parts.as_slice()).unwrap_or(&[]);
            for (i, part) in parts.iter().enumerate() {
                let hidden = ui.is_hidden(channel, &trace_label(i, &part.name));
                let heights = part.y.to_f64();
                let x = part.x.as_ref().map(|x| x.to_f64());
                bars.push((part.name.as_str(), bars_of(&heights, x.as_deref()), hidden));
            }
        }
        Self { named, bars }
    }

    fn has_data(&self) -> bool {
        self.named.iter().any(|n| match &n.points {
            Points::Y(y) => !y.is_empty(),
            Points::Xy(_, y) => !y.is_empty(),
            Points::History(h) => !h.is_empty(),
        })
    }

    /// The x and y extents of what is shown (bars from 0).
    fn extents(&self, kind: ChannelKind, xs: Scale, ys: Scale) -> (Extent, Extent) {
        let mut x_ext = Extent::default();
        let mut y_ext = Extent::default();
        if kind == ChannelKind::Bars {
            for (_, bars, hidden) in &self.bars {
                for bar in bars.iter().filter(|b| b.height.is_finite() && !hidden) {
                    x_ext.add(bar.x0, xs);
                    x_ext.add(bar.x1, xs);
                    y_ext.add(bar.height, ys);
                }
            }
            y_ext.add(0.0, ys);
        } else {
            for n in self.named.iter().filter(|n| !n.hidden) {
                n.points.extent(xs, ys, &mut x_ext, &mut y_ext);
            }
        }
        (x_ext, y_ext)
    }

    /// The y extent of the shown data whose x lies within `x` (bars that
    /// overlap it; from 0 for bars).
    fn y_extent_within(&self, kind: ChannelKind, x: (f64, f64), ys: Scale) -> Extent {
        let (lo, hi) = (x.0.min(x.1), x.0.max(x.1));
        let inside = |v: f64| v >= lo && v <= hi;
        let mut y_ext = Extent::default();
        if kind == ChannelKind::Bars {
            for (_, bars, hidden) in &self.bars {
                for bar in bars.iter().filter(|b| b.height.is_finite() && !hidden) {
                    if bar.x0.max(bar.x1) >= lo && bar.x0.min(bar.x1) <= hi {
                        y_ext.add(bar.height, ys);
                    }
                }
            }
            y_ext.add(0.0, ys);
            return y_ext;
        }
        for n in self.named.iter().filter(|n| !n.hidden) {
            match &n.points {
                Points::Y(v) => {
                    let first = lo.ceil().max(0.0) as usize;
                    let last = (hi.floor().max(-1.0) + 1.0).min(v.len() as f64) as usize;
                    if first < last {
                        y_ext.add_slice(&v[first..last], ys);
                    }
                }
                Points::Xy(a, b) => {
                    y_ext.add_all(
                        a.iter()
                            .zip(b.iter())
                            .filter(|(x, _)| inside(**x))
                            .map(|(_, y)| *y),
                        ys,
                    );
                }
                Points::History(h) => {
                    for (t, v) in h.runs() {
                        let inside = t.iter().zip(v).filter(|(x, _)| inside(**x));
                        y_ext.add_all(inside.map(|(_, y)| *y), ys);
                    }
                }
            }
        }
        y_ext
    }

    /// Draws the shown traces through `map`, then the legend where it
    /// hides the least of them; returns where its entries went. `y_low`:
    /// the bottom of the y range (where bars start on a log axis).
    fn draw(
        &self,
        ctx: &Ctx<'_, '_>,
        map: &Mapping,
        kind: ChannelKind,
        (xs, ys): (Scale, Scale),
        y_low: f64,
    ) -> Result<Vec<LegendHit>, DrawError> {
        let named = &self.named;
        let entries = if kind == ChannelKind::Bars {
            legend_entries(self.bars.iter().map(|(n, _, h)| (*n, *h)))
        } else {
            legend_entries(named.iter().map(|n| (n.name, n.hidden)))
        };
        // Where the traces put ink, for the legend's place: gathered only
        // when there is a legend.
        let mut cover = (!entries.is_empty()).then(|| Coverage::new(map.rect));
        let swatch = match kind {
            ChannelKind::Bars => {
                let base = if ys == Scale::Log { y_low } else { 0.0 };
                let alpha = if self.bars.len() > 1 { 0.6 } else { 1.0 };
                for (i, (_, b, hidden)) in self.bars.iter().enumerate() {
                    if !hidden {
                        draw_bars(ctx.root, map, b, base, series_color(i), alpha)?;
                        if let Some(c) = cover.as_mut() {
                            c.add_bars(map, b, base);
                        }
                    }
                }
                Swatch::Box
            }
            ChannelKind::Scatter => {
                let radius = (3.0 * ctx.sizes.scale).round().max(2.0) as i32;
                for (i, n) in named.iter().enumerate().filter(|(_, n)| !n.hidden) {
                    draw_points(ctx.root, map, n.points.iter(), series_color(i), radius)?;
                    if let Some(c) = cover.as_mut() {
                        c.add_points(map, n.points.iter(), radius);
                    }
                }
                Swatch::Marker
            }
            _ => {
                for (i, n) in named.iter().enumerate().filter(|(_, n)| !n.hidden) {
                    let paths = trace_paths(ctx, map, &n.points, xs);
                    if let Some(c) = cover.as_mut() {
                        c.add_paths(&paths);
                        if let Some((x, y)) = n.points.newest() {
                            c.keep_clear(map, x, y);
                        }
                    }
                    draw_paths(ctx.root, paths, series_color(i))?;
                }
                Swatch::Line
            }
        };
        match cover {
            Some(cover) => draw_entries(ctx, map.rect, &entries, swatch, &cover),
            None => Ok(Vec::new()),
        }
    }
}

/// The pixel paths of one line or series trace, by the fastest route its
/// points allow.
fn trace_paths(ctx: &Ctx<'_, '_>, map: &Mapping, points: &Points<'_>, xs: Scale) -> Paths {
    let decimate = ctx.options.decimate;
    // Concrete iterators: this runs once per point.
    match points {
        Points::Y(y) if decimate && (xs == Scale::Linear || y.len() < 2) => {
            line_paths_sorted(map, |i| i as f64, y)
        }
        Points::Xy(x, y) if decimate && x.len() == y.len() && sorted(x, xs) => {
            line_paths_sorted(map, |i| x[i], y)
        }
        Points::Y(y) => {
            let points = y.iter().enumerate().map(|(i, &v)| (i as f64, v));
            line_paths(map, points, decimate)
        }
        Points::Xy(x, y) => {
            let points = x.iter().copied().zip(y.iter().copied());
            line_paths(map, points, decimate)
        }
        Points::History(h) if decimate && sorted_runs(h, xs) => {
            line_paths_sorted_runs(map, h.runs())
        }
        Points::History(h) => line_paths(map, h.points(), decimate),
    }
}

/// The cell ranges `cells` of a heatmap `full` cells large in the
/// channel's data coordinates (its `extent`), for the axes' labels; cell
/// coordinates without an extent. The map is linear, so ticks at data
/// values sit where the cells are.
fn data_coordinates(spec: &ChannelSpec, cells: AxisView, full: (usize, usize)) -> AxisView {
    let Some([left, right, bottom, top]) = spec.options.valid_extent() else {
        return cells;
    };
    let along = |(a, b): (f64, f64), lo: f64, hi: f64, n: usize| {
        let per_cell = (hi - lo) / n.max(1) as f64;
        (lo + a * per_cell, lo + b * per_cell)
    };
    AxisView {
        x: along(cells.x, left, right, full.0),
        y: along(cells.y, bottom, top, full.1),
    }
}

/// True when x is finite, never decreases, and (on a log axis) positive:
/// then [`line_paths_sorted`] applies.
fn sorted(x: &[f64], scale: Scale) -> bool {
    let first_ok = x.first().is_none_or(|&v| scale == Scale::Linear || v > 0.0);
    first_ok && x.iter().all(|v| v.is_finite()) && x.windows(2).all(|w| w[0] <= w[1])
}

/// [`sorted`] over an append series' runs, and across their boundaries.
fn sorted_runs(h: &SeriesHistory, scale: Scale) -> bool {
    let mut previous = f64::NEG_INFINITY;
    h.runs().all(|(t, _)| {
        let ok = sorted(t, scale) && t.first().is_none_or(|&first| first >= previous);
        previous = t.last().copied().unwrap_or(previous);
        ok
    })
}

fn draw_entries(
    ctx: &Ctx<'_, '_>,
    rect: PixelRect,
    entries: &[(String, RGBColor, bool)],
    swatch: Swatch,
    cover: &Coverage,
) -> Result<Vec<LegendHit>, DrawError> {
    let refs: Vec<(&str, RGBColor, bool)> = entries
        .iter()
        .map(|(n, c, h)| (n.as_str(), *c, *h))
        .collect();
    draw_legend(ctx.root, rect, &refs, swatch, ctx.sizes, cover)
}

fn draw_heatmap<'s>(
    ctx: &Ctx<'_, '_>,
    cell: PixelRect,
    spec: &ChannelSpec,
    grid: Grid<'s>,
    range: Option<(f64, f64)>,
    manual: Option<&AxisView>,
    blits: &mut Vec<Blit<'s>>,
) -> Result<PlotInfo, DrawError> {
    let sizes = ctx.sizes;
    let values = grid.value_range(range);
    // The colorbar's label (none yet: a channel option will name it).
    let cb_label = spec.options.value_label.as_str();
    let cb_w = colorbar_width(values, cb_label, cell.h, sizes);
    let gap = (10.0 * sizes.scale).round() as u32;
    let main = PixelRect {
        w: cell.w.saturating_sub(cb_w + gap),
        ..cell
    };
    // Axes in cells of the full grid, also when the frame carries a
    // reduced or partial one.
    let mut shown = AxisView {
        x: (0.0, grid.full.0 as f64),
        y: (0.0, grid.full.1 as f64),
    };
    let manual = manual.filter(|m| usable(m, Scale::Linear, Scale::Linear));
    if let Some(m) = manual {
        shown = *m;
    }
    let rect = draw_axes(
        ctx.root,
        main,
        &AxesSpec {
            grid: false,
            ..AxesSpec::of_channel(
                spec,
                data_coordinates(spec, shown, grid.full),
                Scale::Linear,
                Scale::Linear,
            )
        },
        sizes,
    )?;
    draw_box(ctx.root, rect)?;
    let cb_cell = PixelRect {
        x: main.x + main.w as i32 + gap as i32,
        y: rect.y,
        w: cb_w,
        h: rect.h,
    };
    let bar = draw_colorbar_axis(ctx.root, cb_cell, values, cb_label, sizes)?;
    draw_box(ctx.root, bar)?;
    let cmap = Colormap::by_name(&spec.options.colormap);
    blits.push(Blit::Colorbar { rect: bar, cmap });
    blits.push(Blit::Heatmap {
        rect,
        grid,
        view: shown,
        cmap,
        scale: colormap::ValueScale::new(values.0, values.1),
    });
    Ok(PlotInfo {
        channel: spec.id,
        kind: ChannelKind::Heatmap,
        rect,
        view: shown,
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        has_data: true,
        legend: Vec::new(),
        x_auto: manual.is_none(),
        y_auto: manual.is_none(),
    })
}
