//! Custom channels: the frame is drawn with the other plots, the plot
//! type's drawing afterwards, as a blit.
//!
//! While plotters draws the figure the canvas is borrowed by its backend,
//! so a plot type draws later, into a scratch copy of its plotting area
//! (background and grid lines included) through a backend of its own:
//! whatever it draws is clipped to the area, and only a drawing that
//! completes is copied back. Its `extent` and `draw` run under
//! `catch_unwind`; a panic or an error leaves the area as it was and is
//! written into the cell instead (see [`draw_failures`]), so one broken
//! plot type never takes the figure or the viewer down.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Once};

use plotcast_protocol::util::lock;
use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Scale};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{draw_axes, draw_box, AxesSpec};
use super::canvas::Pixels;
use super::ctx::Ctx;
use super::font::{text, TextSizes};
use super::placeholder::draw_placeholder;
use super::{DrawError, INK, MUTED};
use crate::model::{resolve, Extent, Pad};
use crate::model::{AxisView, ChannelData};
use crate::plot_types::{CustomData, DataAxis, DataCoord, PlotArea, PlotType};
use crate::view::drawn::{usable, PixelRect, PlotInfo};
use crate::view::PlotFailure;

/// A custom plot to draw once plotters is done.
pub(crate) struct CustomJob<'s> {
    spec: &'s ChannelSpec,
    frame: &'s Frame,
    plot: Arc<dyn PlotType>,
    pub(crate) rect: PixelRect,
    view: AxisView,
    scales: (Scale, Scale),
    axes: bool,
    text_size: f64,
    /// Set when `extent` already failed.
    failed: Option<String>,
}

impl std::fmt::Debug for CustomJob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomJob")
            .field("channel", &self.spec.id)
            .field("plot_type", &self.spec.plot_type)
            .field("rect", &self.rect)
            .finish_non_exhaustive()
    }
}

/// What [`draw_custom`] drew now and what it leaves for later: the plot
/// info (`Some` when the plot has standard axes) and the plot type's
/// drawing, to run once plotters is done with the canvas.
pub(crate) type CustomDrawn<'s> = (Option<PlotInfo>, Option<CustomJob<'s>>);

/// Draws a custom channel's frame (axes, or a title) and returns the plot
/// type's drawing as a job; a placeholder when no plot type of that name
/// is registered.
pub(crate) fn draw_custom<'s>(
    ctx: &Ctx<'_, '_>,
    cell: PixelRect,
    spec: &'s ChannelSpec,
    data: Option<&'s ChannelData>,
    manual: Option<&AxisView>,
) -> Result<CustomDrawn<'s>, DrawError> {
    let frame = match data {
        Some(ChannelData::Snapshot(frame)) => Some(&**frame),
        _ => None,
    };
    let Some(plot) = ctx.options.plots.get(&spec.plot_type) else {
        draw_placeholder(ctx, cell, spec, frame)?;
        return Ok((None, None));
    };
    let (xs, ys) = (spec.options.x_scale, spec.options.y_scale);
    let extent = match frame {
        Some(frame) => guarded(|| Ok(plot.extent(&CustomData::new(spec, frame)))),
        // Without data, axes over the fixed ranges (or 0..1) frame the
        // "waiting" message.
        None => Ok(Some(AxisView {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        })),
    };
    let (failed, extent) = match extent {
        Ok(extent) => (None, extent),
        Err(message) => (Some(message), None),
    };
    let (rect, view, info) = match extent {
        Some(extent) => {
            let range = |(lo, hi): (f64, f64), fixed, scale| {
                let mut e = Extent::default();
                e.add(lo, scale);
                e.add(hi, scale);
                resolve(fixed, e, scale, Pad::NONE)
            };
            let mut shown = AxisView {
                x: range(extent.x, spec.options.x_range, xs),
                y: range(extent.y, spec.options.y_range, ys),
            };
            if let Some(m) = manual.filter(|m| usable(m, xs, ys)) {
                shown = *m;
            }
            let rect = draw_axes(
                ctx.root,
                cell,
                &AxesSpec::of_channel(spec, shown, xs, ys),
                ctx.sizes,
            )?;
            draw_box(ctx.root, rect)?;
            let info = PlotInfo {
                channel: spec.id,
                kind: ChannelKind::Custom,
                rect,
                view: shown,
                x_scale: xs,
                y_scale: ys,
                has_data: frame.is_some(),
                // Custom data is never reduced: the server needs no view.
                x_auto: true,
                y_auto: true,
                legend: Vec::new(),
            };
            (rect, shown, Some(info))
        }
        None => {
            let rect = bare_frame(ctx, cell, spec)?;
            let unit = AxisView {
                x: (0.0, 1.0),
                y: (0.0, 1.0),
            };
            (rect, unit, None)
        }
    };
    let Some(frame) = frame else {
        let style = text(ctx.sizes.desc, MUTED).pos(Pos::new(HPos::Center, VPos::Center));
        let centre = (rect.x + rect.w as i32 / 2, rect.y + rect.h as i32 / 2);
        ctx.root.draw_text("waiting for data", &style, centre)?;
        return Ok((info, None));
    };
    let scales = if extent.is_some() {
        (xs, ys)
    } else {
        (Scale::Linear, Scale::Linear)
    };
    let job = CustomJob {
        spec,
        frame,
        plot: Arc::clone(plot),
        rect,
        view,
        scales,
        axes: extent.is_some(),
        text_size: ctx.sizes.tick,
        failed,
    };
    Ok((info, Some(job)))
}

/// The frame of a plot without axes: its title on top; the rest of the
/// cell is the area.
fn bare_frame(
    ctx: &Ctx<'_, '_>,
    cell: PixelRect,
    spec: &ChannelSpec,
) -> Result<PixelRect, DrawError> {
    let pad = (8.0 * ctx.sizes.scale).round() as i32;
    let title_h = (ctx.sizes.caption * 1.6).round() as i32;
    let style = text(ctx.sizes.caption, INK).pos(Pos::new(HPos::Center, VPos::Center));
    ctx.root.draw_text(
        spec.display_title(),
        &style,
        (cell.x + cell.w as i32 / 2, cell.y + title_h / 2 + pad / 2),
    )?;
    Ok(PixelRect {
        x: cell.x + pad,
        y: cell.y + title_h + pad,
        w: cell.w.saturating_sub(2 * pad as u32),
        h: cell.h.saturating_sub((title_h + 2 * pad) as u32),
    })
}

impl CustomJob<'_> {
    /// Draws into `out` (`width × height`); the failure otherwise.
    pub(crate) fn run(
        &self,
        out: &mut Pixels<'_>,
        width: u32,
        height: u32,
    ) -> Result<(), PlotFailure> {
        let fail = |message: String| PlotFailure {
            channel: self.spec.id,
            plot_type: self.spec.plot_type.clone(),
            message,
        };
        if let Some(message) = &self.failed {
            return Err(fail(message.clone()));
        }
        let r = self.rect;
        let inside = r.x >= 0
            && r.y >= 0
            && r.w >= 2
            && r.h >= 2
            && r.x as u32 + r.w <= width
            && r.y as u32 + r.h <= height;
        if !inside {
            return Ok(());
        }
        let (x0, y0, w, h) = (r.x as usize, r.y as usize, r.w as usize, r.h as usize);
        // Plot types draw on RGB8 (the public `PlotArea`), on a copy of
        // the plot's rectangle, copied back once drawn.
        let block = (x0, y0, w, h);
        let mut scratch = out.read_rgb(width, block);
        let data = CustomData::new(self.spec, self.frame);
        guarded(|| {
            let root = BitMapBackend::with_buffer(&mut scratch, (r.w, r.h)).into_drawing_area();
            let coord = DataCoord::new(
                DataAxis::new(self.view.x, self.scales.0),
                DataAxis::new(self.view.y, self.scales.1),
                // Low ends at the first pixel, high ends at the last, y up:
                // the mapping of the built-in kinds (and of zoom and pan).
                (0..r.w as i32 - 1, r.h as i32 - 1..0),
            );
            let area = root.apply_coord_spec(coord);
            let plot = PlotArea {
                area: &area,
                view: self.view,
                scales: self.scales,
                size: (r.w, r.h),
                axes: self.axes,
                text_size: self.text_size,
            };
            self.plot.draw(&plot, &data)?;
            root.present()?;
            Ok(())
        })
        .map_err(fail)?;
        out.write_rgb(width, block, &scratch);
        Ok(())
    }
}

thread_local! {
    /// Set while a plot type runs on this thread: the panic hook then
    /// stores the message here instead of printing it (a plot that panics
    /// on every frame would flood stderr at the drawing rate).
    static CAPTURED: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs plot-type code: its error, or its panic, as a message.
fn guarded<T>(
    f: impl FnOnce() -> Result<T, Box<dyn std::error::Error + Send + Sync>>,
) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let captured = CAPTURED.with(|c| {
                let mut c = c.borrow_mut();
                c.as_mut().map(|slot| {
                    let at = info
                        .location()
                        .map(|l| format!(" at {}:{}", l.file(), l.line()))
                        .unwrap_or_default();
                    *slot = Some(format!("panicked: {}{at}", payload_text(info.payload())));
                })
            });
            if captured.is_none() {
                previous(info);
            }
        }));
    });
    CAPTURED.with(|c| *c.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let captured = CAPTURED.with(|c| c.borrow_mut().take()).flatten();
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(err.to_string()),
        Err(payload) => {
            Err(captured.unwrap_or_else(|| format!("panicked: {}", payload_text(payload.as_ref()))))
        }
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

/// Writes each failure into its plot's area: a pale red panel with the
/// plot type and the message, wrapped to fit. Logs each failure once per
/// channel and message (not once per frame).
pub(crate) fn draw_failures(
    out: &mut Pixels<'_>,
    width: u32,
    height: u32,
    failures: &[(PixelRect, PlotFailure)],
) {
    if failures.is_empty() {
        return;
    }
    static LOGGED: Mutex<BTreeMap<u32, String>> = Mutex::new(BTreeMap::new());
    for (_, f) in failures {
        let mut logged = lock(&LOGGED);
        if logged.get(&f.channel) != Some(&f.message) {
            tracing::warn!(target: "plotcast_viewer::render", channel = f.channel,
                plot_type = %f.plot_type, "custom plot failed: {}", f.message);
            logged.insert(f.channel, f.message.clone());
        }
    }
    let sizes = TextSizes::for_canvas(width, height);
    out.with_area((width, height), |root| {
        for (rect, failure) in failures {
            if let Err(e) = draw_failure(root, *rect, failure, &sizes) {
                super::log_failure("a plot failure", &e);
            }
        }
    });
}

fn draw_failure(
    root: &super::canvas::Area<'_>,
    rect: PixelRect,
    failure: &PlotFailure,
    sizes: &TextSizes,
) -> Result<(), DrawError> {
    if rect.w < 8 || rect.h < 8 {
        return Ok(());
    }
    let panel = RGBColor(253, 236, 234);
    let ink = RGBColor(150, 20, 20);
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (rect.right(), rect.bottom())],
        panel.filled(),
    ))?;
    let size = sizes.tick;
    let style = text(size, ink);
    let heading = format!("plot type \"{}\" failed:", failure.plot_type);
    // Character budget per line from the font size (DejaVu averages about
    // 0.55 em per character).
    let per_line = ((f64::from(rect.w) - 2.0 * size) / (0.55 * size)).max(8.0) as usize;
    let mut lines = vec![heading];
    lines.extend(wrap(&failure.message, per_line));
    let line_h = (size * 1.35).round() as i32;
    let fit = ((rect.h as i32 - line_h) / line_h).max(1) as usize;
    for (i, line) in lines.iter().take(fit).enumerate() {
        let at = (
            rect.x + size as i32,
            rect.y + line_h / 2 + i as i32 * line_h,
        );
        root.draw_text(line, &style, at)?;
    }
    Ok(())
}

/// Splits text into lines of at most `width` characters, at spaces where
/// possible.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let cut: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                lines.push(cut);
            }
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "a plot type panicked: index out of bounds: the len is 3 but the index is 7";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap(&"x".repeat(45), 20).len(), 3);
    }

    #[test]
    fn panics_and_errors_become_messages() {
        let err = guarded::<()>(|| panic!("boom {}", 7)).unwrap_err();
        assert!(err.starts_with("panicked: boom 7 at "), "{err}");
        assert!(err.contains("custom.rs"), "{err}");
        let err = guarded::<()>(|| Err("no u".into())).unwrap_err();
        assert_eq!(err, "no u");
        assert_eq!(guarded(|| Ok(5)), Ok(5));
        // Outside plot-type code panics still reach the previous hook (the
        // capture slot is cleared).
        assert!(CAPTURED.with(|c| c.borrow().is_none()));
    }
}
