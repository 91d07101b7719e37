//! The data frame's header written field by field, in bincode 2's
//! standard encoding (the table in `header_decoder`), for the publish
//! path: through serde, the header of a 1 000-point publish cost about a
//! fifth of the publish (a generic serializer per field, and a zeroed
//! stack buffer copied into the frame). The bytes are exactly those of
//! `frame::FrameWire` as bincode encodes it; the tests compare the two on
//! every field's boundaries.

use bytes::{BufMut, BytesMut};

use crate::frame::{ArrayRef, PartRef};
use crate::lod::Lod;

/// The header fields of one data frame (`frame::FrameWire`, borrowed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataHeader<'a> {
    pub(crate) channel: u32,
    pub(crate) seq: u64,
    pub(crate) timestamp_us: u64,
    pub(crate) kind: u8,
    pub(crate) nx: u32,
    pub(crate) ny: u32,
    pub(crate) range: Option<(f64, f64)>,
    pub(crate) parts: &'a [PartRef<'a>],
    /// Already encoded (bincode), when the frame is reduced: it is rare
    /// and its fields many, so it keeps bincode's encoder.
    pub(crate) lod: Option<&'a Lod>,
    pub(crate) codec: u8,
    pub(crate) raw_len: u64,
}

impl DataHeader<'_> {
    /// Appends the header to `out`; `lod` is encoded by `put_lod`.
    pub(crate) fn put<E>(
        &self,
        out: &mut BytesMut,
        put_lod: impl FnOnce(&mut BytesMut, &Lod) -> Result<(), E>,
    ) -> Result<(), E> {
        out.reserve(self.bound());
        // Gathered on the stack and appended a few dozen bytes at a time:
        // appending byte by byte cost more than the fields' encoding.
        let mut s = Scratch::default();
        s.varint(u64::from(self.channel));
        s.varint(self.seq);
        s.varint(self.timestamp_us);
        s.u8(self.kind);
        s.varint(u64::from(self.nx));
        s.varint(u64::from(self.ny));
        match self.range {
            None => s.u8(0),
            Some((lo, hi)) => {
                s.u8(1);
                s.bytes(&lo.to_le_bytes());
                s.bytes(&hi.to_le_bytes());
            }
        }
        s.flush(out); // at most 5 × 9 + 1 + 17 = 63 bytes
        s.varint(self.parts.len() as u64);
        for part in self.parts {
            s.varint(part.name.len() as u64);
            s.flush(out); // at most 9 + 9, then 30 + 9
            out.put_slice(part.name.as_bytes());
            s.varint(part.first_index);
            match &part.x {
                None => s.u8(0),
                Some(x) => {
                    s.u8(1);
                    s.array(x);
                }
            }
            s.array(&part.y); // at most 9 + 11 + 10 = 30 since the flush
        }
        match self.lod {
            None => s.u8(0),
            Some(lod) => {
                s.u8(1);
                s.flush(out);
                put_lod(out, lod)?;
            }
        }
        s.u8(self.codec);
        s.varint(self.raw_len);
        s.flush(out); // at most 30 + 1 + 1 + 9 = 41
        Ok(())
    }

    /// At most the bytes [`Self::put`] writes, but for the `lod`.
    pub(crate) fn bound(&self) -> usize {
        const VARINT: usize = 9;
        let parts: usize = self
            .parts
            .iter()
            .map(|p| VARINT + p.name.len() + VARINT + 2 * (2 + VARINT))
            .sum();
        5 * VARINT + 1 + 17 + VARINT + parts + 1 + 1 + VARINT
    }
}

/// A few header fields on the stack; [`DataHeader::put`] flushes it
/// before it could hold more than [`Scratch::ROOM`] bytes (the comments
/// at each flush count them).
struct Scratch {
    buf: [u8; Scratch::ROOM],
    len: usize,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            buf: [0; Scratch::ROOM],
            len: 0,
        }
    }
}

impl Scratch {
    const ROOM: usize = 64;

    fn bytes(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn u8(&mut self, v: u8) {
        self.buf[self.len] = v;
        self.len += 1;
    }

    /// bincode's varint: 0..=250 in one byte, else a marker and the value
    /// as u16, u32 or u64, little-endian.
    fn varint(&mut self, v: u64) {
        if v <= 250 {
            self.u8(v as u8);
        } else if let Ok(v) = u16::try_from(v) {
            self.u8(251);
            self.bytes(&v.to_le_bytes());
        } else if let Ok(v) = u32::try_from(v) {
            self.u8(252);
            self.bytes(&v.to_le_bytes());
        } else {
            self.u8(253);
            self.bytes(&v.to_le_bytes());
        }
    }

    /// An array descriptor: dtype byte, then its length.
    fn array(&mut self, array: &ArrayRef<'_>) {
        self.u8(array.dtype() as u8);
        self.varint(array.len() as u64);
    }

    fn flush(&mut self, out: &mut BytesMut) {
        out.put_slice(&self.buf[..self.len]);
        self.len = 0;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use bincode::config;
    use proptest::prelude::*;

    use super::*;
    use crate::frame::{ArrayWire, DType, FrameWire, PartWire};
    use crate::lod::GridWindow;

    /// Every varint width and its edges.
    const EDGES: [u64; 12] = [
        0,
        1,
        250,
        251,
        252,
        65_535,
        65_536,
        u32::MAX as u64,
        u32::MAX as u64 + 1,
        1 << 53,
        u64::MAX - 1,
        u64::MAX,
    ];

    fn reference(h: &DataHeader<'_>) -> Vec<u8> {
        let desc = |a: &ArrayRef<'_>| ArrayWire {
            dtype: a.dtype() as u8,
            len: a.len() as u64,
        };
        let wire = FrameWire {
            channel: h.channel,
            seq: h.seq,
            timestamp_us: h.timestamp_us,
            kind: h.kind,
            nx: h.nx,
            ny: h.ny,
            range: h.range,
            parts: h
                .parts
                .iter()
                .map(|p| PartWire {
                    name: p.name.to_owned(),
                    first_index: p.first_index,
                    x: p.x.as_ref().map(desc),
                    y: desc(&p.y),
                })
                .collect(),
            lod: h.lod.cloned(),
            codec: h.codec,
            raw_len: h.raw_len,
        };
        bincode::serde::encode_to_vec(&wire, config::standard()).unwrap()
    }

    fn ours(h: &DataHeader<'_>) -> Vec<u8> {
        let mut out = BytesMut::new();
        h.put(&mut out, |o, lod| {
            o.put_slice(&bincode::serde::encode_to_vec(lod, config::standard()).unwrap());
            Ok::<(), ()>(())
        })
        .unwrap();
        out.to_vec()
    }

    fn edge() -> impl Strategy<Value = u64> {
        prop_oneof![prop::sample::select(EDGES.to_vec()), any::<u64>()]
    }

    fn edge32() -> impl Strategy<Value = u32> {
        edge().prop_map(|v| v as u32)
    }

    /// A part: name, first index, and the x and y lengths and dtypes (the
    /// arrays are slices of one zeroed buffer).
    type PartSpec = (String, u64, Option<(u8, usize)>, (u8, usize));

    fn part() -> impl Strategy<Value = PartSpec> {
        let array = (0u8..4, prop_oneof![0usize..300, Just(65_535), Just(65_536)]);
        (
            "[a-zµ ]{0,12}|[a-z]{250,260}",
            edge(),
            prop::option::of(array.clone()),
            array,
        )
    }

    fn array<'a>(zeros: &'a [u8], (dtype, len): (u8, usize)) -> ArrayRef<'a> {
        let dtype = match dtype {
            0 => DType::F64,
            1 => DType::F32,
            2 => DType::U16,
            _ => DType::U8,
        };
        ArrayRef::Le(dtype, &zeros[..len * dtype.size()])
    }

    proptest! {
        /// The hand-written header is bincode's `FrameWire`, byte for byte.
        #[test]
        fn is_bincodes_frame_wire(
            ids in (edge32(), edge(), edge(), any::<u8>(), edge32(), edge32()),
            range in prop::option::of((any::<f64>(), any::<f64>())),
            parts in prop::collection::vec(part(), 0..4),
            lod in prop::option::of((edge(), any::<bool>(), prop::collection::vec(edge(), 0..3))),
            tail in (any::<u8>(), edge()),
        ) {
            let zeros = vec![0u8; 65_536 * 8];
            let refs: Vec<PartRef<'_>> = parts
                .iter()
                .map(|(name, first_index, x, y)| PartRef {
                    name,
                    first_index: *first_index,
                    x: x.map(|x| array(&zeros, x)),
                    y: array(&zeros, *y),
                })
                .collect();
            let lod = lod.map(|(source_values, replace, ends)| Lod {
                source_values,
                grid: replace.then_some(GridWindow {
                    full_nx: 5,
                    full_ny: 300,
                    x0: 1,
                    x1: 4,
                    y0: 251,
                    y1: 300,
                }),
                replace,
                ends,
            });
            let (channel, seq, timestamp_us, kind, nx, ny) = ids;
            let header = DataHeader {
                channel,
                seq,
                timestamp_us,
                kind,
                nx,
                ny,
                range,
                parts: &refs,
                lod: lod.as_ref(),
                codec: tail.0,
                raw_len: tail.1,
            };
            prop_assert_eq!(ours(&header), reference(&header));
        }
    }

    #[test]
    fn the_reserved_room_holds_the_longest_fields() {
        let zeros = vec![0u8; 8];
        let refs = [PartRef {
            name: "x",
            first_index: u64::MAX,
            x: Some(ArrayRef::Le(DType::F64, &zeros)),
            y: ArrayRef::Le(DType::F64, &zeros),
        }];
        let header = DataHeader {
            channel: u32::MAX,
            seq: u64::MAX,
            timestamp_us: u64::MAX,
            kind: 0,
            nx: u32::MAX,
            ny: u32::MAX,
            range: Some((1.0, 2.0)),
            parts: &refs,
            lod: None,
            codec: 0,
            raw_len: u64::MAX,
        };
        assert!(ours(&header).len() <= header.bound());
        assert_eq!(ours(&header), reference(&header));
    }
}
