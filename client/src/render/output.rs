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
    for (px, word) in rgb.chunks_exact(3).zip(out.iter_mut()) {
        *word = (u32::from(px[0]) << 16) | (u32::from(px[1]) << 8) | u32::from(px[2]);
    }
}

/// Writes an RGB8 buffer as a PNG file.
///
/// # Errors
/// [`RenderError::BufferSize`] when `rgb` is not `width * height * 3`
/// bytes, [`RenderError::Io`] / [`RenderError::Png`] when writing fails.
pub fn save_png(
    path: impl AsRef<Path>,
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<(), RenderError> {
    let path = path.as_ref();
    let name = || path.display().to_string();
    if rgb.len() != width as usize * height as usize * 3 || width == 0 || height == 0 {
        return Err(RenderError::BufferSize {
            width,
            height,
            actual: rgb.len(),
        });
    }
    let file = File::create(path).map_err(|source| RenderError::Io {
        path: name(),
        source,
    })?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let png_err = |source| RenderError::Png {
        path: name(),
        source,
    };
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
