//! Getting a rendered RGB buffer out: to softbuffer's 0RGB words and to PNG.

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

/// Converts RGB8 pixels to softbuffer's `0RGB` words; converts
/// `min(rgb.len() / 3, out.len())` pixels.
pub fn rgb_to_0rgb(rgb: &[u8], out: &mut [u32]) {
    // Four pixels (12 bytes) at a time, read as three little-endian words:
    // a byte-by-byte loop with stride 3 does not vectorise and took a fifth
    // of a window viewer's CPU at 60 frames a second.
    let quads = (rgb.len() / 12).min(out.len() / 4);
    let (rgb_quads, rgb_rest) = rgb.split_at(quads * 12);
    let (out_quads, out_rest) = out.split_at_mut(quads * 4);
    for (px, words) in rgb_quads
        .chunks_exact(12)
        .zip(out_quads.chunks_exact_mut(4))
    {
        let word = |i: usize| u32::from_le_bytes([px[i], px[i + 1], px[i + 2], px[i + 3]]);
        let (a, b, c) = (word(0), word(4), word(8));
        // a = g1 r1 b0 g0 r0 (bytes r0 g0 b0 r1), b = g2 b1 ..., c = ...
        let r0 = a & 0xff;
        let g0 = (a >> 8) & 0xff;
        let b0 = (a >> 16) & 0xff;
        let r1 = a >> 24;
        let g1 = b & 0xff;
        let b1 = (b >> 8) & 0xff;
        let r2 = (b >> 16) & 0xff;
        let g2 = b >> 24;
        let b2 = c & 0xff;
        let r3 = (c >> 8) & 0xff;
        let g3 = (c >> 16) & 0xff;
        let b3 = c >> 24;
        words[0] = (r0 << 16) | (g0 << 8) | b0;
        words[1] = (r1 << 16) | (g1 << 8) | b1;
        words[2] = (r2 << 16) | (g2 << 8) | b2;
        words[3] = (r3 << 16) | (g3 << 8) | b3;
    }
    for (px, word) in rgb_rest.chunks_exact(3).zip(out_rest.iter_mut()) {
        *word = (u32::from(px[0]) << 16) | (u32::from(px[1]) << 8) | u32::from(px[2]);
    }
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
    fn converts_rgb_to_0rgb_at_every_length() {
        for n in 0..14usize {
            let rgb: Vec<u8> = (0..n * 3).map(|i| (i * 37 % 256) as u8).collect();
            let mut out = vec![0xdead_beef_u32; n];
            rgb_to_0rgb(&rgb, &mut out);
            for (i, w) in out.iter().enumerate() {
                let want = (u32::from(rgb[3 * i]) << 16)
                    | (u32::from(rgb[3 * i + 1]) << 8)
                    | u32::from(rgb[3 * i + 2]);
                assert_eq!(*w, want, "pixel {i} of {n}");
            }
        }
    }

    #[test]
    fn zero_rgb_words() {
        let mut out = [0u32; 2];
        rgb_to_0rgb(&[1, 2, 3, 255, 128, 0], &mut out);
        assert_eq!(out, [0x010203, 0xff8000]);
    }

    #[test]
    fn png_size_is_checked() {
        let err = save_png("/tmp/never-written.png", 2, 2, &[0; 5]);
        assert!(matches!(err, Err(RenderError::BufferSize { .. })));
    }
}
