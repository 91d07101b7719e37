//! The embedded font's glyphs, rasterised once per size: text laid out and
//! drawn from them exactly as plotters' `ab_glyph` font lays out and draws
//! it (same advances, kerning, truncations and coverage), so a text seen
//! for the first time (a status line's new numbers every frame) costs
//! lookups, not outlines.
//!
//! ```text
//!  "0.5" at 14 px: '0' '.' '5'  → each (char, size) rasterised once
//!  x += kern(prev, c); pixels at (x as i32 + gx, y_shift + gy); x += advance
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, ScaleFont};

use super::font::FONT_BYTES;

/// Most glyphs kept; past it the cache starts over.
const MAX_GLYPHS: usize = 4096;

/// One character at one size.
struct Glyph {
    id: GlyphId,
    advance: f32,
    /// Its pixels: column and row from where plotters puts the glyph, and
    /// coverage; empty for a glyph without an outline (a space).
    ink: Vec<(i32, i32, f32)>,
}

thread_local! {
    static GLYPHS: RefCell<HashMap<(char, u32), Rc<Glyph>>> = RefCell::new(HashMap::new());
}

/// The embedded font, parsed once; `None` if it does not parse (plotters
/// then draws no text either).
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

fn glyph(font: &FontRef<'static>, c: char, size: f32) -> Rc<Glyph> {
    let key = (c, size.to_bits());
    if let Some(g) = GLYPHS.with_borrow(|glyphs| glyphs.get(&key).cloned()) {
        return g;
    }
    let scaled = font.as_scaled(size);
    let id = scaled.glyph_id(c);
    let mut ink = Vec::new();
    if let Some(outline) = scaled.outline_glyph(scaled.scaled_glyph(c)) {
        // plotters: y_shift = (size / 2 + bounds.min.y) as i32.
        let y_shift = (size / 2.0 + outline.px_bounds().min.y) as i32;
        outline.draw(|x, y, c| ink.push((x as i32, y as i32 + y_shift, c)));
    }
    let g = Rc::new(Glyph {
        id,
        advance: scaled.h_advance(id),
        ink,
    });
    GLYPHS.with_borrow_mut(|glyphs| {
        if glyphs.len() >= MAX_GLYPHS {
            glyphs.clear();
        }
        glyphs.insert(key, g.clone());
    });
    g
}

/// The layout box plotters' font gives `text` at `size` pixels:
/// `((0, 0), (width, size / 1.24))`.
pub(crate) fn layout_box(text: &str, size: f64) -> Option<((i32, i32), (i32, i32))> {
    let font = font()?;
    let scaled = font.as_scaled(size as f32);
    let mut x = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let g = glyph(font, c, size as f32);
        x += g.advance;
        if let Some(p) = prev {
            x += scaled.kern(p, g.id);
        }
        prev = Some(g.id);
    }
    Some(((0, 0), (x as i32, (size / 1.24) as i32)))
}

/// Calls `emit(x, y, coverage)` for every pixel plotters' font draws for
/// `text` at `size` pixels placed at (0, 0); false without the font.
pub(crate) fn draw(text: &str, size: f64, mut emit: impl FnMut(i32, i32, f32)) -> bool {
    let Some(font) = font() else {
        return false;
    };
    let scaled = font.as_scaled(size as f32);
    let mut x = 0f32;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let g = glyph(font, c, size as f32);
        if let Some(p) = prev {
            x += scaled.kern(p, g.id);
        }
        prev = Some(g.id);
        let dx = x as i32;
        for &(gx, gy, coverage) in &g.ink {
            emit(gx + dx, gy, coverage);
        }
        x += g.advance;
    }
    true
}
