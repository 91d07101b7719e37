//! Copying a frame's values into its buffer without the one slow case of
//! `memcpy` on the machines we run on.
//!
//! glibc copies a few KiB and more with `rep movsb`; on AMD EPYC (ERMS
//! and FSRM) that runs 15–40 times slower when the destination is 8 to
//! 63 bytes past the source modulo 4 KiB (page aliasing), which depends
//! only on where the user's array and the frame's buffer happen to lie:
//! 8 000 bytes took 3.5–5.2 µs instead of 0.1–0.14, 80 kB 575 ns/KB
//! instead of 25–33. Copied 2 KiB at a time, every piece is below the
//! `rep movsb` threshold and takes the vector loop, as fast at any
//! distance; outside the window a single copy stays (it streams large
//! arrays past the cache, which the pieces would not).

use bytes::{BufMut, BytesMut};

/// Pieces small enough for glibc's vector loop.
const PIECE: usize = 2048;

/// Destinations this far past their source (modulo a page) or closer
/// are copied in pieces.
const ALIASED: usize = 64;

/// Appends `values` to `out`.
pub(crate) fn put_values(out: &mut BytesMut, values: &[u8]) {
    out.reserve(values.len());
    let dst = out.as_ptr() as usize + out.len();
    let distance = dst.wrapping_sub(values.as_ptr() as usize) % 4096;
    if values.len() > PIECE && distance < ALIASED {
        for piece in values.chunks(PIECE) {
            out.put_slice(piece);
        }
    } else {
        out.put_slice(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_distance_and_length_copies_the_values() {
        let src: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for len in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 17, 20_000] {
            for pad in [0usize, 1, 8, 16, 63, 64, 100] {
                let mut out = BytesMut::with_capacity(pad + len);
                out.put_bytes(0xEE, pad);
                put_values(&mut out, &src[..len]);
                assert_eq!(out.len(), pad + len);
                assert!(out[..pad].iter().all(|&b| b == 0xEE));
                assert_eq!(&out[pad..], &src[..len], "len {len} pad {pad}");
            }
        }
    }
}
