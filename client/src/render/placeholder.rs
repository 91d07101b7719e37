//! What a viewer draws for a custom channel whose plot type it does not
//! have: the channel's title, and a panel naming the plot type and saying
//! how to get a viewer that draws it. Not an error: the other plots draw as
//! usual and the channel's data keeps arriving.

use plotcast_protocol::{ChannelSpec, Frame};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ctx::Ctx;
use super::font::text;
use super::{DrawError, INK, MUTED};
use crate::view::drawn::PixelRect;

/// Panel fill and border.
const PANEL: RGBColor = RGBColor(246, 246, 246);
const BORDER: RGBColor = RGBColor(200, 200, 200);

/// The lines of the placeholder for plot type `plot_type`, with what the
/// newest frame holds when there is one.
pub fn placeholder_lines(plot_type: &str, frame: Option<&Frame>) -> Vec<String> {
    let mut lines = vec![
        format!("custom plot type \"{plot_type}\""),
        "this viewer cannot draw it: run the viewer".to_owned(),
        "built for this computation, made with".to_owned(),
        format!("plotcast_viewer::Viewer::new().plot(\"{plot_type}\", ..)"),
        "(README: Custom plots)".to_owned(),
    ];
    if let Some(frame) = frame {
        let mut names: Vec<String> = frame
            .parts
            .iter()
            .take(6)
            .map(|p| format!("{} ({})", p.name, p.y.len()))
            .collect();
        if frame.parts.len() > 6 {
            names.push("...".to_owned());
        }
        let grid = if frame.nx > 0 && frame.ny > 0 {
            format!(" on a {}x{} grid", frame.nx, frame.ny)
        } else {
            String::new()
        };
        lines.push(String::new());
        lines.push(format!(
            "data #{}: {}{grid}",
            frame.seq,
            if names.is_empty() {
                "no arrays".to_owned()
            } else {
                names.join(", ")
            }
        ));
    }
    lines
}

/// Draws the placeholder in `cell`.
pub(crate) fn draw_placeholder(
    ctx: &Ctx<'_, '_>,
    cell: PixelRect,
    spec: &ChannelSpec,
    frame: Option<&Frame>,
) -> Result<(), DrawError> {
    let sizes = ctx.sizes;
    let pad = (10.0 * sizes.scale).round() as i32;
    let title_h = (sizes.caption * 1.6).round() as i32;
    let title = text(sizes.caption, INK).pos(Pos::new(HPos::Center, VPos::Center));
    ctx.root.draw_text(
        spec.display_title(),
        &title,
        (cell.x + cell.w as i32 / 2, cell.y + title_h / 2 + pad / 2),
    )?;
    let panel = PixelRect {
        x: cell.x + pad,
        y: cell.y + title_h + pad,
        w: cell.w.saturating_sub(2 * pad as u32),
        h: cell.h.saturating_sub((title_h + 2 * pad) as u32),
    };
    if panel.w < 20 || panel.h < 20 {
        return Ok(());
    }
    ctx.root.draw(&Rectangle::new(
        [(panel.x, panel.y), (panel.right(), panel.bottom())],
        PANEL.filled(),
    ))?;
    ctx.root.draw(&Rectangle::new(
        [(panel.x, panel.y), (panel.right(), panel.bottom())],
        BORDER.stroke_width(1),
    ))?;
    let lines = placeholder_lines(&spec.plot_type, frame);
    // The largest text size at which the widest line fits the panel.
    let mut size = sizes.desc;
    while size > 8.0 {
        let widest = lines
            .iter()
            .map(|l| {
                ctx.root
                    .estimate_text_size(l, &text(size, INK))
                    .map_or(0, |(w, _)| w)
            })
            .max()
            .unwrap_or(0);
        if widest + 2 * pad as u32 <= panel.w {
            break;
        }
        size -= 1.0;
    }
    let line_h = (size * 1.45).round() as i32;
    let top = panel.y + panel.h as i32 / 2 - line_h * lines.len() as i32 / 2 + line_h / 2;
    for (i, line) in lines.iter().enumerate() {
        let color = if i == 0 { INK } else { MUTED };
        let style = text(size, color).pos(Pos::new(HPos::Center, VPos::Center));
        let y = top + i as i32 * line_h;
        if y > panel.y && y < panel.bottom() {
            ctx.root
                .draw_text(line, &style, (panel.x + panel.w as i32 / 2, y))?;
        }
    }
    Ok(())
}
