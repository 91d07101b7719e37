//! Getting rendered pixels out: RGB8 to PNG, and [`words_to_rgb`] for a
//! window's `0RGB` words (what `s` saves).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Errors of [`save_png`].
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The buffer does not hold `width × height` RGB pixels.
    #[error("RGB buffer of {actual} bytes does not match {width}x{height}")]
    BufferSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bytes given.
        actual: usize,
    },
    /// Creating or writing the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// PNG encoding failed.
    #[error("cannot encode PNG {path}: {source}")]
    Png {
        /// The file.
        path: String,
        /// Why.
        source: png::EncodingError,
    },
}

/// Converts `0RGB` words to RGB8 pixels, replacing what `out` held.
pub fn words_to_rgb(words: &[u32], out: &mut Vec<u8>) {
    out.clear();
    out.extend(words.iter().flat_map(|&w| super::canvas::rgb_of(w)));
}

/// Writes RGB8 pixels as a PNG file.
///
/// # Errors
/// [`RenderError::BufferSize`] when `rgb` is not `width * height * 3`
/// bytes, [`RenderError::Io`] or [`RenderError::Png`] when writing fails.
pub fn save_png(
    path: impl AsRef<Path>,
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<(), RenderError> {
    let path = path.as_ref();
    let name = || path.display().to_string();
    check_size(width, height, rgb)?;
    let file = File::create(path).map_err(|source| RenderError::Io {
        path: name(),
        source,
    })?;
    write_png(BufWriter::new(file), width, height, rgb).map_err(|source| RenderError::Png {
        path: name(),
        source,
    })
}

/// RGB8 pixels encoded as a PNG in memory (a notebook shows these).
///
/// # Errors
/// [`RenderError::BufferSize`] when `rgb` is not `width * height * 3`
/// bytes, [`RenderError::Png`] when encoding fails.
pub fn png_bytes(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, RenderError> {
    check_size(width, height, rgb)?;
    let mut out = Vec::new();
    write_png(&mut out, width, height, rgb).map_err(|source| RenderError::Png {
        path: "(in memory)".into(),
        source,
    })?;
    Ok(out)
}

fn check_size(width: u32, height: u32, rgb: &[u8]) -> Result<(), RenderError> {
    if rgb.len() != width as usize * height as usize * 3 || width == 0 || height == 0 {
        return Err(RenderError::BufferSize {
            width,
            height,
            actual: rgb.len(),
        });
    }
    Ok(())
}

fn write_png(
    out: impl std::io::Write,
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<(), png::EncodingError> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_rgb() {
        let mut out = vec![9; 7];
        words_to_rgb(&[0x0001_0203, 0xffff_8000], &mut out);
        assert_eq!(out, [1, 2, 3, 255, 128, 0]);
    }

    #[test]
    fn words_become_rgb_at_every_length() {
        for n in 0..14u32 {
            let words: Vec<u32> = (0..n).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
            let mut out = Vec::new();
            words_to_rgb(&words, &mut out);
            assert_eq!(out.len(), n as usize * 3);
            for (i, w) in words.iter().enumerate() {
                let want = [(w >> 16) as u8, (w >> 8) as u8, *w as u8];
                assert_eq!(out[3 * i..3 * i + 3], want, "pixel {i} of {n}");
            }
        }
    }

    #[test]
    fn png_size_is_checked() {
        let err = save_png("/tmp/never-written.png", 2, 2, &[0; 5]);
        assert!(matches!(err, Err(RenderError::BufferSize { .. })));
    }
}
