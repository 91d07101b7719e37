//! The embedded font and the text sizes of a figure.
//!
//! Text is drawn by plotters through `ab_glyph` with DejaVu Sans compiled
//! into the binary (`assets/DejaVuSans.ttf`, licence beside it), so the
//! viewer needs no fontconfig or freetype.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle, IntoFont, RGBColor, TextStyle};

/// Family name every text style of the renderer uses.
pub(crate) const FAMILY: &str = "sans-serif";

pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters once per process; false if the
/// font could not be parsed (text is then skipped, plots still draw).
pub(crate) fn ensure_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let ok = register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok();
        if !ok {
            tracing::warn!(target: "plotcast_viewer::render", "embedded font failed to load; text is not drawn");
        }
        ok
    })
}

/// Pixel sizes of the figure's texts, scaled with the canvas.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextSizes {
    /// Figure title.
    pub title: f64,
    /// Plot titles.
    pub caption: f64,
    /// Axis labels.
    pub desc: f64,
    /// Tick labels, legends, colorbar labels.
    pub tick: f64,
    /// Status line.
    pub status: f64,
    /// The scale factor itself (1 at 1280×720).
    pub scale: f64,
}

impl TextSizes {
    /// Sizes for a canvas: 1280×720 is the reference; smaller canvases get
    /// smaller text, down to a readable minimum.
    pub fn for_canvas(width: u32, height: u32) -> Self {
        let scale = (f64::from(width) / 1280.0)
            .min(f64::from(height) / 720.0)
            .clamp(0.6, 2.0);
        let px = |base: f64| (base * scale).max(10.0).round();
        Self {
            title: px(22.0),
            caption: px(17.0),
            desc: px(15.0),
            tick: px(14.0),
            status: px(14.0),
            scale,
        }
    }
}

/// A text style of the embedded font.
pub(crate) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}
