//! What is drawn over the plots after them: the value readout and
//! crosshair under the mouse, the A/B cursors, a note on zoomed series
//! plots saying whether they follow the newest data, the notice of plots
//! not shown, and the help overlay. Each also leaves a line of text in
//! [`RenderInfo::notes`] for scripts and tests (the window writes them to
//! its `--ready-file`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::Area;
use super::font::{text, TextSizes};
use super::readout::{cursor_lines, readout, CURSOR_A, CURSOR_B};
use super::{help, DrawError, INK, MUTED};
use crate::model::PlotState;
use crate::view::drawn::{PixelRect, RenderInfo};
use crate::view::follow::{self, XMode};
use crate::view::ViewState;

/// Crosshair colour.
const CROSSHAIR: RGBColor = RGBColor(90, 90, 90);
/// Frozen-view note colour.
const FROZEN: RGBColor = RGBColor(0xd6, 0x7a, 0x0e);

/// A box of text lines with a light background.
pub(crate) fn text_box(
    root: &Area<'_>,
    at: (i32, i32),
    lines: &[(String, RGBColor)],
    size: f64,
) -> Result<PixelRect, DrawError> {
    let rect = box_size(root, lines, size, at);
    draw_box_at(root, rect, lines, size)?;
    Ok(rect)
}

fn box_size(root: &Area<'_>, lines: &[(String, RGBColor)], size: f64, at: (i32, i32)) -> PixelRect {
    let style = text(size, INK);
    let w = lines
        .iter()
        .map(|(t, _)| root.estimate_text_size(t, &style).map_or(0, |(w, _)| w))
        .max()
        .unwrap_or(0);
    let pad = (size * 0.45).round() as u32;
    let row = (size * 1.3).round() as u32;
    PixelRect {
        x: at.0,
        y: at.1,
        w: w + 2 * pad,
        h: row * lines.len() as u32 + 2 * pad,
    }
}

/// Where a box of `size` goes beside the cursor at `cursor`: `offset`
/// pixels below and right of it, flipped to the other side along an axis
/// where it would leave `within` (the plot it reads), pushed against the
/// edge of `within` where it fits on neither side. Its frame is drawn one
/// pixel beyond `size`, and that pixel stays inside too.
pub(crate) fn beside(
    cursor: (i32, i32),
    size: (u32, u32),
    offset: i32,
    within: PixelRect,
) -> PixelRect {
    let along = |c: i32, len: i32, lo: i32, end: i32| {
        let after = c + offset;
        let before = c - offset - len;
        if after + len < end {
            after
        } else if before >= lo {
            before
        } else {
            // Too big for either side: as far into `within` as it goes.
            (end - 1 - len).max(lo)
        }
    };
    let (w, h) = (size.0 as i32, size.1 as i32);
    PixelRect {
        x: along(cursor.0, w, within.x, within.x + within.w as i32),
        y: along(cursor.1, h, within.y, within.y + within.h as i32),
        w: size.0,
        h: size.1,
    }
}

fn draw_box_at(
    root: &Area<'_>,
    rect: PixelRect,
    lines: &[(String, RGBColor)],
    size: f64,
) -> Result<(), DrawError> {
    let (x1, y1) = (rect.x + rect.w as i32, rect.y + rect.h as i32);
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (x1, y1)],
        WHITE.mix(0.92).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (x1, y1)],
        RGBColor(160, 160, 160).stroke_width(1),
    ))?;
    let pad = (size * 0.45).round() as i32;
    let row = (size * 1.3).round() as i32;
    for (k, (line, color)) in lines.iter().enumerate() {
        let style = text(size, *color).pos(Pos::new(HPos::Left, VPos::Center));
        let cy = rect.y + pad + row * k as i32 + row / 2;
        root.draw_text(line, &style, (rect.x + pad, cy))?;
    }
    Ok(())
}

/// Draws everything that goes over the plots; returns the notes.
pub(crate) fn draw_overlay(
    root: &Area<'_>,
    state: &PlotState,
    view: &ViewState,
    info: &RenderInfo,
    sizes: &TextSizes,
) -> Result<Vec<String>, DrawError> {
    let pages = &info.pages;
    let mut notes = vec![format!(
        "page {} of {} shown {} hidden {}{}",
        pages.page + 1,
        pages.pages,
        pages.drawn,
        pages.hidden(),
        if pages.focus { " focus" } else { "" }
    )];
    let ui = &view.ui;
    for plot in &info.plots {
        let Some(spec) = state.spec(plot.channel) else {
            continue;
        };
        let title = spec.display_title();
        let mode = follow::mode(view, state, plot.channel);
        let r = plot.rect;
        notes.push(format!(
            "view {} {} {} {} {} {} at {} {} {} {}",
            plot.channel,
            mode.word(),
            plot.view.x.0,
            plot.view.x.1,
            plot.view.y.0,
            plot.view.y.1,
            r.x,
            r.y,
            r.w,
            r.h
        ));
        for entry in &plot.legend {
            let e = entry.rect;
            notes.push(format!(
                "legend {} {} {} {} {} {}",
                plot.channel, e.x, e.y, e.w, e.h, entry.label
            ));
        }
        if let Some(hidden) = ui.hidden_of(plot.channel) {
            let names: Vec<&str> = hidden.iter().map(String::as_str).collect();
            notes.push(format!("hidden {} {}", plot.channel, names.join(",")));
        }
        if matches!(mode, XMode::Frozen | XMode::Following) && r.h > 60 {
            let (words, color) = if mode == XMode::Frozen {
                ("frozen · f: follow newest", FROZEN)
            } else {
                ("following newest", MUTED)
            };
            let style = text(sizes.tick * 0.9, color).pos(Pos::new(HPos::Left, VPos::Bottom));
            root.draw_text(words, &style, (r.x + 6, r.bottom() - 4))?;
        }
        let Some(c) = ui
            .cursors
            .get(&plot.channel)
            .filter(|c| c.a.is_some() || c.b.is_some())
        else {
            continue;
        };
        for (x, color, name) in [(c.a, CURSOR_A, "A"), (c.b, CURSOR_B, "B")] {
            let Some(px) = x
                .and_then(|x| plot.to_pixel(x, plot.view.y.0))
                .map(|p| p.0.round() as i32)
            else {
                continue;
            };
            if px < r.x || px > r.right() {
                continue;
            }
            for dx in 0..2 {
                root.draw(&PathElement::new(
                    vec![(px + dx, r.y), (px + dx, r.bottom())],
                    color.stroke_width(1),
                ))?;
            }
            let style = text(sizes.tick, color).pos(Pos::new(HPos::Left, VPos::Top));
            root.draw_text(name, &style, (px + 4, r.y + 2))?;
        }
        let lines = cursor_lines(state.data.get(&plot.channel), plot, c.a, c.b, ui);
        if !lines.is_empty() {
            let size = sizes.tick * 0.9;
            text_box(root, (r.x + 6, r.y + 6 + sizes.tick as i32), &lines, size)?;
            let texts: Vec<&str> = lines.iter().map(|(t, _)| t.as_str()).collect();
            notes.push(format!("cursors {title} | {}", texts.join(" | ")));
        }
    }
    if let Some((px, py)) = ui.hover {
        // Over a legend entry a click hides the trace: no readout there.
        let on_legend =
            |p: &crate::view::drawn::PlotInfo| p.legend.iter().any(|e| e.rect.contains(px, py));
        if let Some(plot) = info.channel_at(px, py).filter(|p| !on_legend(p)) {
            let found = state
                .spec(plot.channel)
                .zip(state.data.get(&plot.channel))
                .and_then(|(spec, data)| readout(spec, data, plot, px, py, ui));
            if let Some(found) = found {
                let r = plot.rect;
                let (cx, cy) = (px.round() as i32, py.round() as i32);
                // Dark and light side by side: visible on a heatmap too.
                for (shade, d) in [(CROSSHAIR, 0), (WHITE, 1)] {
                    let style = shade.mix(0.7).stroke_width(1);
                    root.draw(&PathElement::new(
                        vec![(cx + d, r.y), (cx + d, r.bottom())],
                        style,
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(r.x, cy + d), (r.right(), cy + d)],
                        style,
                    ))?;
                }
                for &((mx, my), color) in &found.markers {
                    let at = (mx.round() as i32, my.round() as i32);
                    root.draw(&Circle::new(at, 5, WHITE.filled()))?;
                    root.draw(&Circle::new(at, 5, color.stroke_width(2)))?;
                }
                let size = sizes.desc;
                let rect = box_size(root, &found.lines, size, (cx, cy));
                let rect = beside((cx, cy), (rect.w, rect.h), 16, r);
                draw_box_at(root, rect, &found.lines, size)?;
                notes.push(format!("readout {}", found.summary()));
            }
        }
    }
    if ui.link_all {
        notes.push("link all".into());
    }
    if ui.help {
        help::draw_help(
            root,
            info.width,
            info.height,
            sizes,
            state.status.replay.is_some(),
        )?;
        notes.push("help shown".into());
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: PixelRect = PixelRect {
        x: 100,
        y: 50,
        w: 400,
        h: 300,
    };

    fn inside(r: PixelRect) -> bool {
        r.x >= PLOT.x
            && r.y >= PLOT.y
            && r.x + r.w as i32 <= PLOT.right()
            && r.y + r.h as i32 <= PLOT.bottom()
    }

    #[test]
    fn the_box_stays_in_its_plot() {
        // Room below right: there.
        let r = beside((200, 100), (120, 60), 16, PLOT);
        assert_eq!((r.x, r.y), (216, 116));
        // Near the right and bottom edges: flipped to the left and above.
        let r = beside((490, 340), (120, 60), 16, PLOT);
        assert_eq!((r.x, r.y), (490 - 16 - 120, 340 - 16 - 60));
        assert!(inside(r), "{r:?}");
        // Every cursor position in the plot keeps the box inside.
        for cx in (PLOT.x..=PLOT.right()).step_by(7) {
            for cy in (PLOT.y..=PLOT.bottom()).step_by(7) {
                let r = beside((cx, cy), (150, 90), 16, PLOT);
                assert!(inside(r), "cursor ({cx}, {cy}): {r:?}");
            }
        }
        // Bigger than either side of the cursor: pushed against the edge.
        let r = beside((300, 200), (300, 200), 16, PLOT);
        assert!(inside(r), "{r:?}");
    }
}
