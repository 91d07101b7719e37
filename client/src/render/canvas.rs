//! The canvas a figure is drawn on, in one of two pixel formats:
//! softbuffer's `0RGB` words, so a window shows what was drawn with no
//! conversion, or RGB8 bytes, for PNG files and the headless and Python
//! renders. Plotters draws on either through [`CanvasBackend`] (its bitmap
//! backend as `BGRXPixel` or `RGBPixel`, with text from a cache); the
//! renderer's own painting (heatmaps, colorbars, custom plots) is generic
//! over [`Pixel`].
//!
//! ```text
//!  word  0x00RRGGBB   bytes in memory (little-endian): B G R X
//!  plotters' BGRXPixel writes B G R 0xff: the same pixel, X ignored
//!  RGB8  [R, G, B]    plotters' RGBPixel
//! ```

use plotters::backend::{BGRXPixel, RGBPixel};
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

/// One pixel of a canvas: a `0RGB` word or three RGB bytes.
pub(crate) trait Pixel: Copy {
    /// The pixel of a colour.
    fn of(rgb: [u8; 3]) -> Self;
}

impl Pixel for u32 {
    #[inline]
    fn of(rgb: [u8; 3]) -> Self {
        word_of(rgb)
    }
}

impl Pixel for [u8; 3] {
    #[inline]
    fn of(rgb: [u8; 3]) -> Self {
        rgb
    }
}

/// Painting done by the renderer itself, over either pixel format.
pub(crate) trait Paint {
    /// Paints on `out`, `width × height` pixels.
    fn paint<P: Pixel>(&self, out: &mut [P], width: u32, height: u32);
}

/// The pixels of a canvas, `width × height` of them, row-major.
pub(crate) enum Pixels<'a> {
    /// softbuffer's `0RGB` words.
    Words(&'a mut [u32]),
    /// RGB8 bytes.
    Rgb(&'a mut [u8]),
}

impl Pixels<'_> {
    /// Sets every pixel to `rgb`.
    pub(crate) fn fill(&mut self, rgb: [u8; 3]) {
        match self {
            Pixels::Words(words) => words.fill(word_of(rgb)),
            Pixels::Rgb(bytes) if rgb[0] == rgb[1] && rgb[1] == rgb[2] => bytes.fill(rgb[0]),
            Pixels::Rgb(bytes) => bytes
                .chunks_exact_mut(3)
                .for_each(|px| px.copy_from_slice(&rgb)),
        }
    }

    /// Runs `paint` over the pixels.
    pub(crate) fn paint(&mut self, paint: &impl Paint, width: u32, height: u32) {
        match self {
            Pixels::Words(words) => paint.paint(words, width, height),
            Pixels::Rgb(bytes) => {
                if let Ok(rgb) = bytemuck::try_cast_slice_mut::<u8, [u8; 3]>(bytes) {
                    paint.paint(rgb, width, height);
                }
            }
        }
    }

    /// RGB8 bytes of the `w × h` pixels at (`x`, `y`) of a canvas `width`
    /// pixels wide (the block must lie inside it).
    pub(crate) fn read_rgb(
        &self,
        width: u32,
        (x, y, w, h): (usize, usize, usize, usize),
    ) -> Vec<u8> {
        let stride = width as usize;
        let mut rgb = Vec::with_capacity(w * h * 3);
        for row in y..y + h {
            let (from, to) = (row * stride + x, row * stride + x + w);
            match self {
                Pixels::Words(words) => rgb.extend(words[from..to].iter().flat_map(|&p| rgb_of(p))),
                Pixels::Rgb(bytes) => rgb.extend_from_slice(&bytes[from * 3..to * 3]),
            }
        }
        rgb
    }

    /// Writes RGB8 bytes (as [`Pixels::read_rgb`] read them) back.
    pub(crate) fn write_rgb(
        &mut self,
        width: u32,
        (x, y, w, h): (usize, usize, usize, usize),
        rgb: &[u8],
    ) {
        let stride = width as usize;
        for (k, row) in (y..y + h).enumerate() {
            let (from, to) = (row * stride + x, row * stride + x + w);
            let src = &rgb[k * w * 3..(k + 1) * w * 3];
            match self {
                Pixels::Words(words) => {
                    for (word, px) in words[from..to].iter_mut().zip(src.chunks_exact(3)) {
                        *word = word_of([px[0], px[1], px[2]]);
                    }
                }
                Pixels::Rgb(bytes) => bytes[from * 3..to * 3].copy_from_slice(src),
            }
        }
    }

    /// Runs `draw` with a plotters drawing area over the first `width ×
    /// height` pixels; `None` when there are fewer than that.
    pub(crate) fn with_area<R>(
        &mut self,
        (width, height): (u32, u32),
        draw: impl FnOnce(&Area<'_>) -> R,
    ) -> Option<R> {
        let n = width as usize * height as usize;
        match self {
            Pixels::Words(words) => {
                let words = words.get_mut(..n)?;
                // BGRX bytes are a 0RGB word only on a little-endian
                // machine; on a big-endian one the words are swapped for
                // plotters and back after.
                swap_on_big_endian(words);
                let drawn = BitMapBackend::<BGRXPixel>::with_buffer_and_format(
                    bytemuck::cast_slice_mut(words),
                    (width, height),
                )
                .ok()
                .map(|b| draw(&CanvasBackend(Inner::Words(b)).into_drawing_area()));
                swap_on_big_endian(words);
                drawn
            }
            Pixels::Rgb(bytes) => {
                let bytes = bytes.get_mut(..n * 3)?;
                BitMapBackend::<RGBPixel>::with_buffer_and_format(bytes, (width, height))
                    .ok()
                    .map(|b| draw(&CanvasBackend(Inner::Rgb(b)).into_drawing_area()))
            }
        }
    }
}

/// Plotters' bitmap backend over the canvas in its format, drawing text
/// through [`text_cache`]; everything else is the bitmap backend's own.
pub(crate) struct CanvasBackend<'a>(Inner<'a>);

enum Inner<'a> {
    Words(BitMapBackend<'a, BGRXPixel>),
    Rgb(BitMapBackend<'a, RGBPixel>),
}

/// The bitmap backend's error (the same for every pixel format).
type BitMapError = <BitMapBackend<'static, BGRXPixel> as DrawingBackend>::ErrorType;

type Drawn = Result<(), DrawingErrorKind<BitMapError>>;

/// `$body` with `$b` bound to the bitmap backend, whichever its format.
macro_rules! inner {
    ($self:expr, $b:ident => $body:expr) => {
        match $self {
            Inner::Words($b) => $body,
            Inner::Rgb($b) => $body,
        }
    };
}

impl DrawingBackend for CanvasBackend<'_> {
    type ErrorType = BitMapError;

    fn get_size(&self) -> (u32, u32) {
        inner!(&self.0, b => b.get_size())
    }

    fn ensure_prepared(&mut self) -> Drawn {
        inner!(&mut self.0, b => b.ensure_prepared())
    }

    fn present(&mut self) -> Drawn {
        inner!(&mut self.0, b => b.present())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        inner!(&mut self.0, b => b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        inner!(&mut self.0, b => b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        inner!(&mut self.0, b => b.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        inner!(&mut self.0, b => b.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        inner!(&mut self.0, b => b.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        inner!(&mut self.0, b => b.fill_polygon(vert, style))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn {
        inner!(&mut self.0, b => text_cache::draw_text(b, text, style, pos))
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<BitMapError>> {
        text_cache::text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn {
        inner!(&mut self.0, b => b.blit_bitmap(pos, size, src))
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
        let drawn = Pixels::Words(&mut words).with_area((4, 3), |root| {
            root.draw_pixel((1, 2), &RGBColor(10, 200, 30))
        });
        assert!(matches!(drawn, Some(Ok(()))), "drawing failed: {drawn:?}");
        assert_eq!(rgb_of(words[2 * 4 + 1]), [10, 200, 30]);
        assert_eq!(rgb_of(words[0]), [255, 255, 255]);
        let mut rgb = vec![255u8; 4 * 3 * 3];
        let drawn = Pixels::Rgb(&mut rgb).with_area((4, 3), |root| {
            root.draw_pixel((1, 2), &RGBColor(10, 200, 30))
        });
        assert!(matches!(drawn, Some(Ok(()))), "drawing failed: {drawn:?}");
        assert_eq!(rgb[(2 * 4 + 1) * 3..(2 * 4 + 2) * 3], [10, 200, 30]);
    }

    #[test]
    fn too_few_words_draw_nothing() {
        let mut words = vec![0u32; 5];
        assert!(Pixels::Words(&mut words)
            .with_area((4, 3), |_| ())
            .is_none());
        let mut rgb = vec![0u8; 35];
        assert!(Pixels::Rgb(&mut rgb).with_area((4, 3), |_| ()).is_none());
    }

    #[test]
    fn words_and_colours_round_trip() {
        for c in [[0, 0, 0], [1, 2, 3], [255, 128, 0], [255, 255, 255]] {
            assert_eq!(rgb_of(word_of(c)), c);
        }
        assert_eq!(word_of([1, 2, 3]), 0x0001_0203);
    }
}
