//! The legend box of a plot with more than one named series.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::Area;
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

/// Draws the legend in the upper right corner of the plotting area;
/// entries are `(label, colour, hidden)`, hidden ones greyed out. Returns
/// where each entry went.
pub(crate) fn draw_legend(
    root: &Area<'_>,
    plot: PixelRect,
    entries: &[(&str, RGBColor, bool)],
    swatch: Swatch,
    sizes: &TextSizes,
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
    let x0 = plot.right() - pad - box_w;
    let y0 = plot.y + pad;
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
