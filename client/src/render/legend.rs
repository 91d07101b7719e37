//! The legend box of a plot with more than one named series, placed where
//! it hides the least of the traces (matplotlib's `loc="best"`: the
//! corners and edge midpoints are tried, the one over the least ink wins,
//! upper right on a tie) and never over a series' newest point.
//!
//! ```text
//!  ┌──────────────────────────────┐   candidates, in tie order:
//!  │ 2           8            1   │   1 upper right  2 upper left
//!  │                              │   3 lower left   4 lower right
//!  │ 6                        5   │   5 right        6 left
//!  │ 3           7            4   │   7 lower centre 8 upper centre
//!  └──────────────────────────────┘
//! ```

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::Area;
use super::coverage::Coverage;
use super::font::{text, TextSizes};
use super::{DrawError, INK, MUTED};
use crate::view::drawn::PixelRect;
use crate::view::LegendHit;

/// Colour of a hidden trace's swatch.
const HIDDEN_SWATCH: RGBColor = RGBColor(200, 200, 200);

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    Line,
    Marker,
    Box,
}

/// Where a legend box of `size` goes in `plot`: the candidate (see the
/// module docs) over the least ink of `coverage` that keeps its points
/// clear by `margin` pixels; `None` when every candidate would hide one.
pub(crate) fn place(
    plot: PixelRect,
    size: (i32, i32),
    pad: i32,
    coverage: &Coverage,
    margin: i32,
) -> Option<PixelRect> {
    let (w, h) = size;
    // The box is drawn from (x, y) to (x + w, y + h) inclusive.
    let (left, right) = (plot.x + pad, plot.right() - pad - w);
    let (top, bottom) = (plot.y + pad, plot.bottom() - pad - h);
    let centre_x = plot.x + (plot.w as i32 - w) / 2;
    let centre_y = plot.y + (plot.h as i32 - h) / 2;
    let candidates = [
        (right, top),
        (left, top),
        (left, bottom),
        (right, bottom),
        (right, centre_y),
        (left, centre_y),
        (centre_x, bottom),
        (centre_x, top),
    ];
    let mut best: Option<(PixelRect, f64)> = None;
    for (x, y) in candidates {
        let r = PixelRect {
            x,
            y,
            w: w.max(0) as u32,
            h: h.max(0) as u32,
        };
        if coverage.hides_kept(r, margin) {
            continue;
        }
        let ink = coverage.ink_in(r);
        // Strictly less: the earlier candidate wins a tie.
        if best.is_none_or(|(_, b)| ink < b) {
            best = Some((r, ink));
        }
    }
    best.map(|(r, _)| r)
}

/// Draws the legend where it hides the least of what `coverage` saw drawn
/// (see [`place`]); entries are `(label, colour, hidden)`, hidden ones
/// greyed out. Returns where each entry went (nothing when there is no
/// room, or no place that keeps every series' newest point clear).
pub(crate) fn draw_legend(
    root: &Area<'_>,
    plot: PixelRect,
    entries: &[(&str, RGBColor, bool)],
    swatch: Swatch,
    sizes: &TextSizes,
    coverage: &Coverage,
) -> Result<Vec<LegendHit>, DrawError> {
    let mut hits = Vec::new();
    if entries.is_empty() {
        return Ok(hits);
    }
    let style = text(sizes.tick, INK);
    let row_h = (sizes.tick * 1.35).round() as i32;
    let sample_w = (sizes.tick * 1.8).round() as i32;
    let pad = (sizes.tick * 0.5).round() as i32;
    let text_w = entries
        .iter()
        .map(|(name, _, _)| {
            root.estimate_text_size(name, &style)
                .map(|(w, _)| w as i32)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let box_w = pad * 3 + sample_w + text_w;
    let box_h = pad * 2 + row_h * entries.len() as i32;
    if box_w + 2 * pad > plot.w as i32 || box_h + 2 * pad > plot.h as i32 {
        return Ok(hits); // no room: better no legend than one covering the plot
    }
    // The newest point keeps a marker's width of space around it.
    let margin = (sizes.tick * 0.6).round() as i32;
    let Some(spot) = place(plot, (box_w, box_h), pad, coverage, margin) else {
        return Ok(hits);
    };
    let (x0, y0) = (spot.x, spot.y);
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + box_w, y0 + box_h)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + box_w, y0 + box_h)],
        RGBColor(204, 204, 204).stroke_width(1),
    ))?;
    for (k, &(name, color, hidden)) in entries.iter().enumerate() {
        let cy = y0 + pad + row_h * k as i32 + row_h / 2;
        let sx = x0 + pad;
        hits.push(LegendHit {
            rect: PixelRect {
                x: x0,
                y: cy - row_h / 2,
                w: box_w as u32,
                h: row_h as u32,
            },
            label: name.to_owned(),
        });
        let color = if hidden { HIDDEN_SWATCH } else { color };
        match swatch {
            Swatch::Line => {
                for dy in 0..2 {
                    root.draw(&PathElement::new(
                        vec![(sx, cy + dy), (sx + sample_w, cy + dy)],
                        color.stroke_width(1),
                    ))?;
                }
            }
            Swatch::Marker => {
                root.draw(&Circle::new((sx + sample_w / 2, cy), 4, color.filled()))?;
            }
            Swatch::Box => {
                let half = row_h / 3;
                root.draw(&Rectangle::new(
                    [
                        (sx + sample_w / 4, cy - half),
                        (sx + 3 * sample_w / 4, cy + half),
                    ],
                    color.filled(),
                ))?;
            }
        }
        let text_style = if hidden {
            text(sizes.tick, MUTED)
        } else {
            style.clone()
        };
        root.draw_text(
            name,
            &text_style.pos(Pos::new(HPos::Left, VPos::Center)),
            (sx + sample_w + pad, cy),
        )?;
        if hidden {
            // Struck through: the trace is hidden, a click shows it again.
            let w = root
                .estimate_text_size(name, &text_style)
                .map_or(0, |(w, _)| w as i32);
            let tx = sx + sample_w + pad;
            root.draw(&PathElement::new(
                vec![(tx, cy), (tx + w, cy)],
                MUTED.stroke_width(1),
            ))?;
        }
    }
    Ok(hits)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::render::decimate::Paths;

    const PLOT: PixelRect = PixelRect {
        x: 0,
        y: 0,
        w: 400,
        h: 200,
    };

    fn coverage_of(lines: Vec<Vec<(i32, i32)>>) -> Coverage {
        let mut c = Coverage::new(PLOT);
        c.add_paths(&Paths {
            lines,
            dots: Vec::new(),
        });
        c
    }

    #[test]
    fn an_empty_plot_gets_the_upper_right() {
        let spot = place(PLOT, (80, 40), 7, &Coverage::new(PLOT), 8).unwrap();
        assert_eq!((spot.x, spot.y), (399 - 7 - 80, 7));
    }

    #[test]
    fn the_legend_avoids_the_ink() {
        // A rising diagonal fills upper right and lower left.
        let c = coverage_of(vec![vec![(0, 199), (399, 0)]]);
        let spot = place(PLOT, (80, 40), 7, &c, 8).unwrap();
        assert_eq!(c.ink_in(spot), 0.0, "{spot:?}");
        assert!(spot.x < 100 || spot.y > 100, "{spot:?}");
        // Ink everywhere along the top: the legend goes to the bottom.
        let c = coverage_of(vec![vec![(0, 10), (399, 10)], vec![(0, 30), (399, 30)]]);
        let spot = place(PLOT, (80, 40), 7, &c, 8).unwrap();
        assert!(spot.y > 100, "{spot:?}");
    }

    #[test]
    fn the_newest_point_is_never_covered() {
        let mut c = Coverage::new(PLOT);
        // Newest point in the upper right, nothing else drawn.
        c.keep_clear_px((390, 20));
        let spot = place(PLOT, (80, 40), 7, &c, 8).unwrap();
        assert!(!c.hides_kept(spot, 8));
        assert_eq!((spot.x, spot.y), (7, 7), "upper left is next");
        // A legend as wide as the plot has nowhere to go.
        assert!(place(PLOT, (390, 190), 4, &c, 8).is_none());
    }
}
