//! Compression of data frames on slow links: LZ4 (the block format, pure
//! safe Rust) over the arrays' bytes shuffled by byte position.
//!
//! ```text
//! f64 array  a0 a1 a2 … (8 bytes each, little-endian)
//! shuffled   a0[0] a1[0] a2[0] … a0[1] a1[1] … a0[7] a1[7] …
//! ```
//!
//! Neighbouring values of a smooth field share their high bytes (sign,
//! exponent, leading mantissa bits); shuffled, those bytes stand in long
//! runs LZ4 can take. The codec is negotiated in the handshake: the viewer
//! lists the codecs it reads in `Hello.codecs`, the server names the one it
//! uses in `Welcome.codec`. Only Data frames are compressed, each on its
//! own, and only when that makes it smaller.

/// No compression.
pub const CODEC_NONE: u8 = 0;

/// LZ4 block over byte-shuffled arrays.
pub const CODEC_LZ4_SHUFFLE: u8 = 1;

/// `Hello.codecs` bit of [`CODEC_LZ4_SHUFFLE`].
pub const CODECS_LZ4_SHUFFLE: u8 = 1 << 0;

/// `Hello.codecs` bit: the viewer reads heatmap values as 8-bit codes
/// ([`crate::DType::U8`]); a server sends them to no other viewer.
pub const CODECS_U8_CODES: u8 = 1 << 1;

/// Largest payload a compressed frame may claim once decompressed: the
/// largest frame a viewer accepts by default. A few kilobytes of LZ4 can
/// claim hundreds of megabytes; the claim is checked against the frame's
/// own array lengths and this limit before anything is allocated.
pub const MAX_DECOMPRESSED_BYTES: u64 = crate::DEFAULT_MAX_FRAME_BYTES as u64;

/// Appends `bytes` (elements of `size` bytes) shuffled by byte position.
pub(crate) fn shuffle_into(bytes: &[u8], size: usize, out: &mut Vec<u8>) {
    if size <= 1 {
        out.extend_from_slice(bytes);
        return;
    }
    let n = bytes.len() / size;
    let start = out.len();
    out.resize(start + n * size, 0);
    let dst = &mut out[start..];
    for (i, element) in bytes.chunks_exact(size).enumerate() {
        for (k, &b) in element.iter().enumerate() {
            dst[k * n + i] = b;
        }
    }
}

/// Undoes [`shuffle_into`] for one array: `shuffled` holds `n` elements of
/// `size` bytes; writes them in order into `out` (same length).
pub(crate) fn unshuffle(shuffled: &[u8], size: usize, out: &mut [u8]) {
    if size <= 1 {
        out.copy_from_slice(shuffled);
        return;
    }
    let n = shuffled.len() / size;
    for (k, plane) in shuffled.chunks_exact(n.max(1)).enumerate().take(size) {
        for (i, &b) in plane.iter().enumerate() {
            out[i * size + k] = b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_round_trips() {
        for size in [1usize, 4, 8] {
            for n in [0usize, 1, 7, 100] {
                let bytes: Vec<u8> = (0..n * size).map(|i| (i * 31 % 251) as u8).collect();
                let mut shuffled = Vec::new();
                shuffle_into(&bytes, size, &mut shuffled);
                assert_eq!(shuffled.len(), bytes.len());
                let mut back = vec![0u8; bytes.len()];
                unshuffle(&shuffled, size, &mut back);
                assert_eq!(back, bytes, "size {size}, {n} elements");
            }
        }
        let mut s = Vec::new();
        shuffle_into(&[1, 2, 3, 4, 5, 6, 7, 8], 4, &mut s);
        assert_eq!(s, [1, 5, 2, 6, 3, 7, 4, 8]);
    }
}
