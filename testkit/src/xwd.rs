//! X Window Dumps, the format `xwd` writes a screenshot in: a big-endian
//! header, a colour map, then the pixels of a true-colour ZPixmap, decoded
//! here into an [`Rgb`] image.
//!
//! ```text
//! header (header_size bytes, 4-byte big-endian fields):
//!   0 header_size  2 format (2 = ZPixmap)  4 width  5 height
//!   7 byte_order   11 bits_per_pixel  12 bytes_per_line
//!   14..16 red, green, blue masks      19 colour map entries
//! colour map (12 bytes an entry), then height rows of bytes_per_line
//! ```

use crate::rgb::Rgb;

/// Decodes an X Window Dump (the format `xwd` writes) of a 24- or 32-bit
/// true-colour ZPixmap.
///
/// # Errors
/// A message saying which part is unexpected.
pub fn parse_xwd(data: &[u8]) -> Result<Rgb, String> {
    let field = |i: usize| -> Result<u32, String> {
        data.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "header too short".to_string())
    };
    let header_size = field(0)? as usize;
    let (format, width, height) = (field(2)?, field(4)?, field(5)?);
    let (byte_order, bpp, stride) = (field(7)?, field(11)?, field(12)? as usize);
    // Field 13 is the visual class; the masks follow it.
    let (red_mask, green_mask, blue_mask) = (field(14)?, field(15)?, field(16)?);
    let ncolors = field(19)? as usize;
    if format != 2 || bpp != 32 {
        return Err(format!(
            "format {format}, {bpp} bits per pixel; want ZPixmap, 32"
        ));
    }
    let start = header_size + ncolors * 12;
    let need = start + stride * height as usize;
    if data.len() < need {
        return Err(format!("{} bytes, need {need}", data.len()));
    }
    let channel = |px: u32, mask: u32| -> u8 { ((px & mask) >> mask.trailing_zeros()) as u8 };
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as usize {
        let row = &data[start + y * stride..];
        for x in 0..width as usize {
            let b = [row[x * 4], row[x * 4 + 1], row[x * 4 + 2], row[x * 4 + 3]];
            let px = if byte_order == 0 {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            rgb.extend_from_slice(&[
                channel(px, red_mask),
                channel(px, green_mask),
                channel(px, blue_mask),
            ]);
        }
    }
    Ok(Rgb {
        width,
        height,
        data: rgb,
    })
}
