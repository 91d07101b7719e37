//! [`TextCache`]: text drawn once and replayed. Rasterising glyphs
//! (`ab_glyph`: outlines, coverage, layout) was a fifth of a window
//! viewer's CPU, for labels that stay the same frame after frame; a label
//! seen before is replayed from the pixels plotters emitted for it, through
//! the same `draw_pixel` calls, so the canvas is bit for bit what plotters
//! would draw.
//!
//! ```text
//!  draw_text("0.5", style, pos)
//!    key: text, family, size, style, rotation, anchor, alpha
//!    hit  → replay  [(dx, dy, coverage)]  at pos in the style's colour
//!    miss → laid out from the font's glyphs (`glyphs`), recorded
//!  every figure: entries unused for a whole figure are dropped
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use plotters::backend::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind, FontTransform,
};

use super::font::FAMILY;
use super::glyphs;

/// Most pixels of text kept (about 12 MB); past it the cache starts over.
const MAX_INK: usize = 1 << 20;

/// What a text looks like, without where it goes or its colour.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    text: String,
    family: String,
    size: u64,
    style: &'static str,
    rotation: u8,
}

impl Shape {
    fn of<S: BackendTextStyle>(text: &str, style: &S) -> Self {
        Self {
            text: text.to_owned(),
            family: style.family().as_str().to_owned(),
            size: style.size().to_bits(),
            style: match style.style().as_str() {
                "italic" => "italic",
                "oblique" => "oblique",
                "bold" => "bold",
                _ => "normal",
            },
            rotation: match style.transform() {
                FontTransform::None => 0,
                FontTransform::Rotate90 => 1,
                FontTransform::Rotate180 => 2,
                FontTransform::Rotate270 => 3,
            },
        }
    }
}

/// A drawn text's key: its shape, anchor and the alpha of its colour (the
/// coverage recorded is multiplied by it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    shape: Shape,
    anchor: (u8, u8),
    alpha: u64,
}

/// One pixel of a text: offset from the anchor point and coverage in
/// 1/256ths (256 is opaque), the two things plotters' bitmap pixel uses.
#[derive(Debug, Clone, Copy)]
struct Ink {
    dx: i32,
    dy: i32,
    coverage: u16,
}

impl Ink {
    /// Quantised as the bitmap backend quantises alpha: at or above
    /// 255/256 it paints, below it blends with `floor(alpha × 256)`, so the
    /// replay paints exactly the same bytes.
    fn new(dx: i32, dy: i32, alpha: f64) -> Option<Self> {
        let coverage = if alpha >= 1.0 - 1.0 / 256.0 {
            256
        } else {
            (alpha * 256.0).floor() as u16
        };
        (alpha > 0.0 && coverage > 0).then_some(Self { dx, dy, coverage })
    }
}

/// Texts drawn in this figure and the one before it.
#[derive(Default)]
struct TextCache {
    drawn: HashMap<Key, Rc<[Ink]>>,
    before: HashMap<Key, Rc<[Ink]>>,
    sizes: HashMap<Shape, (u32, u32)>,
    ink: usize,
}

thread_local! {
    static CACHE: RefCell<TextCache> = RefCell::new(TextCache::default());
}

/// A new figure begins: what the figure before last drew and this one did
/// not is dropped.
pub(crate) fn new_figure() {
    CACHE.with_borrow_mut(|cache| {
        cache.before = std::mem::take(&mut cache.drawn);
        cache.ink = cache.before.values().map(|ink| ink.len()).sum();
        if cache.sizes.len() > 4096 {
            cache.sizes.clear();
        }
    });
}

/// Draws `text` as plotters' default `draw_text` would, replaying it when
/// it was drawn before.
pub(crate) fn draw_text<B: DrawingBackend, S: BackendTextStyle>(
    backend: &mut B,
    text: &str,
    style: &S,
    pos: BackendCoord,
) -> Result<(), DrawingErrorKind<B::ErrorType>> {
    let color = style.color();
    if color.alpha == 0.0 {
        return Ok(());
    }
    let key = Key {
        shape: Shape::of(text, style),
        anchor: anchor(style),
        alpha: color.alpha.to_bits(),
    };
    let ink = match CACHE.with_borrow_mut(|cache| cache.take(&key)) {
        Some(ink) => ink,
        None => {
            let ink: Rc<[Ink]> = rasterise(text, style)?.into();
            CACHE.with_borrow_mut(|cache| cache.keep(key, ink.clone()));
            ink
        }
    };
    let (w, h) = backend.get_size();
    for px in ink.iter() {
        let (x, y) = (pos.0 + px.dx, pos.1 + px.dy);
        if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
            let alpha = f64::from(px.coverage) / 256.0;
            backend.draw_pixel(
                (x, y),
                BackendColor {
                    alpha,
                    rgb: color.rgb,
                },
            )?;
        }
    }
    Ok(())
}

/// The size of `text`, as plotters' default `estimate_text_size`.
pub(crate) fn text_size<E: std::error::Error + Send + Sync, S: BackendTextStyle>(
    text: &str,
    style: &S,
) -> Result<(u32, u32), DrawingErrorKind<E>> {
    let shape = Shape::of(text, style);
    if let Some(size) = CACHE.with_borrow(|cache| cache.sizes.get(&shape).copied()) {
        return Ok(size);
    }
    let ((x0, y0), (x1, y1)) = layout_box(text, style)?;
    let size = ((x1 - x0) as u32, (y1 - y0) as u32);
    CACHE.with_borrow_mut(|cache| cache.sizes.insert(shape, size));
    Ok(size)
}

impl TextCache {
    fn take(&mut self, key: &Key) -> Option<Rc<[Ink]>> {
        if let Some(ink) = self.drawn.get(key) {
            return Some(ink.clone());
        }
        let ink = self.before.remove(key)?;
        self.drawn.insert(key.clone(), ink.clone());
        Some(ink)
    }

    fn keep(&mut self, key: Key, ink: Rc<[Ink]>) {
        self.ink += ink.len();
        if self.ink > MAX_INK {
            self.before.clear();
            self.drawn.clear();
            self.ink = ink.len();
        }
        self.drawn.insert(key, ink);
    }
}

fn anchor<S: BackendTextStyle>(style: &S) -> (u8, u8) {
    let pos = style.anchor();
    let h = match pos.h_pos {
        HPos::Left => 0,
        HPos::Center => 1,
        HPos::Right => 2,
    };
    let v = match pos.v_pos {
        VPos::Top => 0,
        VPos::Center => 1,
        VPos::Bottom => 2,
    };
    (h, v)
}

/// The embedded font is drawn from glyphs kept between frames; any other
/// as plotters draws it.
fn is_ours<S: BackendTextStyle>(style: &S) -> bool {
    style.family().as_str() == FAMILY
}

/// A text's box: top-left and bottom-right corners, as plotters gives it.
type LayoutBox = ((i32, i32), (i32, i32));

/// Plotters' layout box of `text`, from the kept glyphs when they serve.
fn layout_box<E: std::error::Error + Send + Sync, S: BackendTextStyle>(
    text: &str,
    style: &S,
) -> Result<LayoutBox, DrawingErrorKind<E>> {
    match is_ours(style)
        .then(|| glyphs::layout_box(text, style.size()))
        .flatten()
    {
        Some(layout) => Ok(layout),
        None => style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e))),
    }
}

/// The pixels plotters' default `draw_text` draws for `text` at (0, 0).
fn rasterise<E: std::error::Error + Send + Sync, S: BackendTextStyle>(
    text: &str,
    style: &S,
) -> Result<Vec<Ink>, DrawingErrorKind<E>> {
    let font_error = |e| DrawingErrorKind::FontError(Box::new(e));
    let ours = is_ours(style);
    let ((min_x, min_y), (max_x, max_y)) = layout_box(text, style)?;
    let (width, height) = (max_x - min_x, max_y - min_y);
    let dx = match style.anchor().h_pos {
        HPos::Left => 0,
        HPos::Right => -width,
        HPos::Center => -width / 2,
    };
    let dy = match style.anchor().v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    let transform = style.transform();
    let mut ink = Vec::new();
    let alpha = style.color().alpha;
    let mut emit = |x: i32, y: i32, a: f64| {
        let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
        ink.extend(Ink::new(x, y, a));
    };
    if ours
        && glyphs::draw(text, style.size(), |x, y, c| {
            emit(x, y, alpha * f64::from(c))
        })
    {
        return Ok(ink);
    }
    let drawn = style.draw(text, (0, 0), |x, y, color| {
        emit(x, y, color.alpha);
        Ok::<(), std::convert::Infallible>(())
    });
    match drawn {
        Ok(Ok(())) => Ok(ink),
        Ok(Err(never)) => match never {},
        Err(e) => Err(font_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use plotters::backend::BGRXPixel;
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::FontTransform;

    use super::super::canvas::{word_of, Pixels};
    use super::super::font::{ensure_registered, text};

    /// Texts in several sizes, anchors, rotations and colours (one half
    /// transparent), some running off the canvas.
    fn draw_all(root: &DrawingArea<impl DrawingBackend, plotters::coord::Shift>) {
        let styles = [
            text(14.0, RGBColor(20, 20, 20)),
            text(22.0, RGBColor(200, 30, 40)).pos(Pos::new(HPos::Center, VPos::Center)),
            text(15.0, RGBColor(0, 90, 0))
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Bottom)),
            (super::super::font::FAMILY, 17.0)
                .into_font()
                .color(&RGBColor(0, 0, 255).mix(0.5)),
        ];
        for (k, style) in styles.iter().enumerate() {
            for (t, at) in [
                ("0.5", (10, 10)),
                ("energy (J)", (70, 40)),
                ("1e-3", (-4, 95)),
            ] {
                let at = (at.0 + 9 * k as i32, at.1 + 7 * k as i32);
                root.draw_text(t, style, at).expect("text drawn");
            }
        }
    }

    #[test]
    fn replayed_text_is_what_plotters_draws() {
        assert!(ensure_registered(), "the embedded font loads");
        let (w, h) = (120u32, 100u32);
        let white = word_of([255, 255, 255]);
        let mut want = vec![white; (w * h) as usize];
        {
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut want);
            let root = BitMapBackend::<BGRXPixel>::with_buffer_and_format(bytes, (w, h))
                .expect("buffer fits")
                .into_drawing_area();
            draw_all(&root);
        }
        super::new_figure();
        for round in ["first (rasterised)", "second (replayed)", "third"] {
            let mut got = vec![white; (w * h) as usize];
            #[allow(clippy::redundant_closure)] // the area's lifetime is the closure's
            Pixels::Words(&mut got)
                .with_area((w, h), |root| draw_all(root))
                .expect("canvas fits");
            let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
            assert_eq!(
                differ, 0,
                "{round} drawing: {differ} pixels differ from plotters'"
            );
            super::new_figure();
        }
        // The same on RGB8, against plotters' own RGB bitmap.
        let mut want_rgb = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut want_rgb, (w, h)).into_drawing_area();
            draw_all(&root);
        }
        let mut got_rgb = vec![255u8; (w * h * 3) as usize];
        #[allow(clippy::redundant_closure)] // the area's lifetime is the closure's
        Pixels::Rgb(&mut got_rgb)
            .with_area((w, h), |root| draw_all(root))
            .expect("canvas fits");
        assert!(got_rgb == want_rgb, "RGB drawing differs from plotters'");
        let sizes = Pixels::Words(&mut want).with_area((w, h), |root| {
            let style = text(14.0, RGBColor(0, 0, 0));
            (0..2)
                .map(|_| root.estimate_text_size("energy (J)", &style).expect("size"))
                .collect::<Vec<_>>()
        });
        let plain = text(14.0, RGBColor(0, 0, 0))
            .font
            .box_size("energy (J)")
            .expect("size");
        assert_eq!(sizes, Some(vec![plain, plain]));
    }
}
