//! The canvas a figure is drawn on: `width × height` words of softbuffer's
//! `0RGB` pixel, so a window shows what was drawn with no conversion, and
//! plotters drawing into the same memory as `BGRXPixel` bytes, through
//! [`CanvasBackend`]: plotters' bitmap backend with text from a cache.
//!
//! ```text
//!  word  0x00RRGGBB   bytes in memory (little-endian): B G R X
//!  plotters' BGRXPixel writes B G R 0xff: the same pixel, X ignored
//! ```

use plotters::backend::BGRXPixel;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::text_cache;

/// The drawing area type of the renderer: plotters over the canvas.
pub(crate) type Area<'b> = DrawingArea<CanvasBackend<'b>, Shift>;

/// The `0RGB` word of a colour: red in bits 16..24, green 8..16, blue 0..8.
#[inline]
pub(crate) fn word_of([r, g, b]: [u8; 3]) -> u32 {
    (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}

/// The colour of a `0RGB` word (the top byte is ignored).
#[inline]
pub(crate) fn rgb_of(word: u32) -> [u8; 3] {
    [(word >> 16) as u8, (word >> 8) as u8, word as u8]
}

/// Runs `draw` with a plotters drawing area over the first `width ×
/// height` words of `words`; `None` when there are fewer words than that.
pub(crate) fn with_area<R>(
    words: &mut [u32],
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> R,
) -> Option<R> {
    let n = width as usize * height as usize;
    let words = words.get_mut(..n)?;
    // BGRX bytes are a 0RGB word only on a little-endian machine; on a
    // big-endian one the words are swapped for plotters and back after.
    swap_on_big_endian(words);
    let drawn = BitMapBackend::<BGRXPixel>::with_buffer_and_format(
        bytemuck::cast_slice_mut(words),
        (width, height),
    )
    .ok()
    .map(|inner| draw(&CanvasBackend { inner }.into_drawing_area()));
    swap_on_big_endian(words);
    drawn
}

/// Plotters' bitmap backend over the canvas, drawing text through
/// [`text_cache`]; everything else is the bitmap backend's own.
pub(crate) struct CanvasBackend<'a> {
    inner: BitMapBackend<'a, BGRXPixel>,
}

/// The bitmap backend's error.
type BitMapError = <BitMapBackend<'static, BGRXPixel> as DrawingBackend>::ErrorType;

type Drawn = Result<(), DrawingErrorKind<BitMapError>>;

impl DrawingBackend for CanvasBackend<'_> {
    type ErrorType = BitMapError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Drawn {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn {
        text_cache::draw_text(&mut self.inner, text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<BitMapError>> {
        text_cache::text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn {
        self.inner.blit_bitmap(pos, size, src)
    }
}

fn swap_on_big_endian(words: &mut [u32]) {
    if cfg!(target_endian = "big") {
        words.iter_mut().for_each(|w| *w = w.swap_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plotters_draws_the_colour_of_the_word() {
        let mut words = vec![word_of([255, 255, 255]); 4 * 3];
        let drawn = with_area(&mut words, (4, 3), |root| {
            root.draw_pixel((1, 2), &RGBColor(10, 200, 30))
        });
        assert!(matches!(drawn, Some(Ok(()))), "drawing failed: {drawn:?}");
        assert_eq!(rgb_of(words[2 * 4 + 1]), [10, 200, 30]);
        assert_eq!(rgb_of(words[0]), [255, 255, 255]);
    }

    #[test]
    fn too_few_words_draw_nothing() {
        let mut words = vec![0u32; 5];
        assert!(with_area(&mut words, (4, 3), |_| ()).is_none());
    }

    #[test]
    fn words_and_colours_round_trip() {
        for c in [[0, 0, 0], [1, 2, 3], [255, 128, 0], [255, 255, 255]] {
            assert_eq!(rgb_of(word_of(c)), c);
        }
        assert_eq!(word_of([1, 2, 3]), 0x0001_0203);
    }
}
