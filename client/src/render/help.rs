//! The help overlay (`h` or `?`): every key and mouse action of the
//! window, from the same tables as `--help` ([`crate::view::keys::KEYS`],
//! and [`crate::view::keys::REPLAY_KEYS`] first when replaying).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::Area;
use super::font::{text, TextSizes};
use super::{DrawError, INK};
use crate::view::keys::{KEYS, REPLAY_KEYS};

/// Colour of the actions' text.
const ACTION: RGBColor = RGBColor(60, 60, 60);

/// Background of the help box.
pub(crate) const HELP_BACKGROUND: RGBColor = RGBColor(250, 250, 235);

/// Draws the help box in the middle of a `width × height` canvas, its
/// text shrunk until it fits.
pub(crate) fn draw_help(
    root: &Area<'_>,
    width: u32,
    height: u32,
    sizes: &TextSizes,
    replaying: bool,
) -> Result<(), DrawError> {
    let title = "Keys and mouse (h, ? or Esc closes)";
    let replay: &[(&str, &str)] = if replaying { REPLAY_KEYS } else { &[] };
    let rows: Vec<(&str, &str)> = replay.iter().chain(KEYS).copied().collect();
    let mut size = sizes.desc;
    let (mut key_w, mut act_w, mut row) = (0, 0, 0);
    // Shrink the text until the table fits in 90 % of the canvas.
    for _ in 0..8 {
        let style = text(size, INK);
        let w = |s: &str| {
            root.estimate_text_size(s, &style)
                .map_or(0, |(w, _)| w as i32)
        };
        key_w = rows.iter().map(|(k, _)| w(k)).max().unwrap_or(0);
        act_w = rows
            .iter()
            .map(|(_, a)| w(a))
            .max()
            .unwrap_or(0)
            .max(w(title) - key_w);
        row = (size * 1.45).round() as i32;
        let fits_w = key_w + act_w + size as i32 * 3 <= width as i32 * 9 / 10;
        let fits_h = row * (rows.len() as i32 + 2) <= height as i32 * 9 / 10;
        if (fits_w && fits_h) || size <= 8.0 {
            break;
        }
        size = (size * 0.88).max(8.0);
    }
    let pad = size as i32;
    let box_w = key_w + act_w + 3 * pad;
    let box_h = row * (rows.len() as i32 + 1) + 2 * pad;
    let x0 = (width as i32 - box_w) / 2;
    let y0 = (height as i32 - box_h) / 2;
    let corners = [(x0, y0), (x0 + box_w, y0 + box_h)];
    root.draw(&Rectangle::new(corners, HELP_BACKGROUND.filled()))?;
    root.draw(&Rectangle::new(corners, INK.stroke_width(2)))?;
    let left = Pos::new(HPos::Left, VPos::Center);
    let heading = text(size * 1.1, INK).pos(left);
    root.draw_text(title, &heading, (x0 + pad, y0 + pad + row / 2))?;
    for (k, (keys, action)) in rows.iter().enumerate() {
        let cy = y0 + pad + row * (k as i32 + 1) + row / 2;
        root.draw_text(keys, &text(size, INK).pos(left), (x0 + pad, cy))?;
        root.draw_text(
            action,
            &text(size, ACTION).pos(left),
            (x0 + 2 * pad + key_w, cy),
        )?;
    }
    Ok(())
}
