//! The decoder of message headers: bincode 2's standard encoding, read
//! with the protocol's own bound on what a header may make us allocate.
//!
//! ```text
//! u8, i8          1 byte
//! u16 u32 u64     varint: 0..=250 in one byte, else 251 | u16 LE,
//!                 252 | u32 LE, 253 | u64 LE (only as wide as the type)
//! i16 i32 i64     the varint of the zigzag value (0, -1, 1, -2 → 0, 1, 2, 3)
//! f32 f64         4 or 8 bytes LE
//! bool, Option    1 byte, 0 or 1 (Some is followed by the value)
//! String, Vec     count: varint u64, then the bytes or the elements
//! struct, tuple   the fields in order, nothing between them
//! enum            variant index: varint u32, then the variant's fields
//! ```
//!
//! bincode's own decoder bounds allocation with its size limit, which
//! charges every value at its width in memory (a one-byte varint costs 8),
//! so a limit of `MAX_HEADER_BYTES` refused real headers a third that
//! size; and without a limit it allocates a string's claimed length before
//! reading it. Here the only bound is the bytes themselves: every element
//! of a container takes at least one byte, so a container whose count is
//! larger than the bytes left in the header is refused before anything is
//! allocated, and whatever is allocated is bounded by the header's size.
//! The encoder stays bincode's (`codec::put_bincode`); the round-trip tests
//! keep the two in agreement.

use std::fmt::Display;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use thiserror::Error;

/// What is wrong with a header's bytes (becomes
/// [`ProtocolError::BadHeader`](crate::ProtocolError::BadHeader)).
#[derive(Debug, Error)]
pub(crate) enum HeaderError {
    /// The header ended inside a value.
    #[error("the header ends {needed} bytes short of {what}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes missing.
        needed: usize,
    },
    /// A container claims more elements than there are bytes left.
    #[error("a {what} claims {count} elements, but only {left} bytes of the header are left")]
    CountTooLarge {
        /// String, sequence or map.
        what: &'static str,
        /// The count it declared.
        count: u64,
        /// The bytes left after the count.
        left: usize,
    },
    /// A varint whose first byte announces a width its type does not have.
    #[error("varint marker {marker} is not valid for a {bits}-bit integer")]
    VarintMarker {
        /// The first byte.
        marker: u8,
        /// The type's width.
        bits: u32,
    },
    /// A bool or an option tag other than 0 and 1.
    #[error("{what} byte {value}: expected 0 or 1")]
    NotZeroOrOne {
        /// `bool` or `option`.
        what: &'static str,
        /// The byte found.
        value: u8,
    },
    /// A string that is not UTF-8.
    #[error("a string is not valid UTF-8: {0}")]
    Utf8(#[from] std::str::Utf8Error),
    /// A length that does not fit this machine's `usize`.
    #[error("a count of {0} does not fit this machine")]
    CountRange(u64),
    /// What serde's derived code refused (an unknown variant, a missing
    /// field) or a form headers never use.
    #[error("{0}")]
    Other(String),
}

impl de::Error for HeaderError {
    fn custom<T: Display>(msg: T) -> Self {
        Self::Other(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, HeaderError>;

/// Reads one header from its bytes (a serde `Deserializer`).
pub(crate) struct HeaderDecoder<'de> {
    bytes: &'de [u8],
    at: usize,
}

impl<'de> HeaderDecoder<'de> {
    /// A decoder at the start of `bytes`.
    pub(crate) fn new(bytes: &'de [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> usize {
        self.at
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'de [u8]> {
        let left = self.left();
        if n > left {
            return Err(HeaderError::Truncated {
                what,
                needed: n - left,
            });
        }
        let taken = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// An unsigned varint of a `bits`-wide type.
    fn varint(&mut self, bits: u32) -> Result<u64> {
        let what = "an integer";
        let marker = self.byte(what)?;
        let value = match marker {
            0..=250 => u64::from(marker),
            251 if bits >= 16 => u64::from(u16::from_le_bytes(self.array(what)?)),
            252 if bits >= 32 => u64::from(u32::from_le_bytes(self.array(what)?)),
            253 if bits >= 64 => u64::from_le_bytes(self.array(what)?),
            _ => return Err(HeaderError::VarintMarker { marker, bits }),
        };
        Ok(value)
    }

    /// A signed varint (zigzag) of a `bits`-wide type.
    fn zigzag(&mut self, bits: u32) -> Result<i64> {
        let n = self.varint(bits)?;
        // 0, 1, 2, 3 → 0, -1, 1, -2; `n / 2` fits i64 for every u64.
        let half = (n / 2) as i64;
        Ok(if n % 2 == 0 { half } else { !half })
    }

    /// A container's count, refused when its elements could not fit in
    /// the bytes left (each takes at least one).
    fn count(&mut self, what: &'static str) -> Result<usize> {
        let count = self.varint(64)?;
        let left = self.left();
        if count > left as u64 {
            return Err(HeaderError::CountTooLarge { what, count, left });
        }
        usize::try_from(count).map_err(|_| HeaderError::CountRange(count))
    }

    fn flag(&mut self, what: &'static str) -> Result<bool> {
        match self.byte(what)? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(HeaderError::NotZeroOrOne { what, value }),
        }
    }

    fn str(&mut self) -> Result<&'de str> {
        let len = self.count("string")?;
        Ok(std::str::from_utf8(self.take(len, "a string")?)?)
    }
}

/// A decoded integer as its type. The varint marker already limits the
/// width, so this refuses nothing a bincode encoder writes.
fn fits<T, U: TryInto<T> + Copy + Display>(value: U, bits: u32) -> Result<T> {
    value
        .try_into()
        .map_err(|_| HeaderError::Other(format!("{value} does not fit a {bits}-bit integer")))
}

macro_rules! unsigned {
    ($method:ident, $visit:ident, $t:ty, $bits:expr) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let value = self.varint($bits)?;
            visitor.$visit(fits::<$t, _>(value, $bits)?)
        }
    };
}

macro_rules! signed {
    ($method:ident, $visit:ident, $t:ty, $bits:expr) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let value = self.zigzag($bits)?;
            visitor.$visit(fits::<$t, _>(value, $bits)?)
        }
    };
}

impl<'de> de::Deserializer<'de> for &mut HeaderDecoder<'de> {
    type Error = HeaderError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(HeaderError::Other(
            "headers are not self-describing: every field needs its type".into(),
        ))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_bool(self.flag("bool")?)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u8(self.byte("a u8")?)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i8(i8::from_le_bytes(self.array("an i8")?))
    }

    unsigned!(deserialize_u16, visit_u16, u16, 16);
    unsigned!(deserialize_u32, visit_u32, u32, 32);
    unsigned!(deserialize_u64, visit_u64, u64, 64);
    signed!(deserialize_i16, visit_i16, i16, 16);
    signed!(deserialize_i32, visit_i32, i32, 32);
    signed!(deserialize_i64, visit_i64, i64, 64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f32(f32::from_le_bytes(self.array("an f32")?))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(f64::from_le_bytes(self.array("an f64")?))
    }

    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(HeaderError::Other("no header field is a char".into()))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_borrowed_str(self.str()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.count("byte string")?;
        visitor.visit_borrowed_bytes(self.take(len, "a byte string")?)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.flag("option")? {
            visitor.visit_some(self)
        } else {
            visitor.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let left = self.count("sequence")?;
        visitor.visit_seq(Elements { de: self, left })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(Elements {
            de: self,
            left: len,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let left = self.count("map")?;
        visitor.visit_map(Elements { de: self, left })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(fields.len(), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_enum(self)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(HeaderError::Other(
            "headers carry no field names (fields are in order)".into(),
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(HeaderError::Other(
            "headers have no fields to skip (fields are in order)".into(),
        ))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// The elements of a sequence, tuple, struct or map: `left` more to read.
struct Elements<'a, 'de> {
    de: &'a mut HeaderDecoder<'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = HeaderError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> MapAccess<'de> for Elements<'_, 'de> {
    type Error = HeaderError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        self.next_element_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> EnumAccess<'de> for &mut HeaderDecoder<'de> {
    type Error = HeaderError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let index = fits::<u32, _>(self.varint(32)?, 32)?;
        let index: de::value::U32Deserializer<HeaderError> = index.into_deserializer();
        let value = seed.deserialize(index)?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for &mut HeaderDecoder<'de> {
    type Error = HeaderError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use bincode::config;
    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Serialize};

    use super::*;

    fn bincode_bytes<T: Serialize>(value: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(value, config::standard()).unwrap()
    }

    fn ours<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
        let mut de = HeaderDecoder::new(bytes);
        let value = T::deserialize(&mut de)?;
        assert_eq!(de.position(), bytes.len(), "every byte read");
        Ok(value)
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Empty,
        Circle(f64),
        Rect { w: u32, h: i64 },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Everything {
        a: u8,
        b: i8,
        c: u16,
        d: u32,
        e: u64,
        f: i16,
        g: i32,
        h: i64,
        i: f32,
        j: f64,
        k: bool,
        l: Option<String>,
        m: Vec<u64>,
        n: (f64, f64),
        o: [u32; 4],
        p: Vec<Shape>,
        q: std::collections::BTreeMap<u16, String>,
        r: String,
    }

    #[test]
    fn reads_what_bincode_writes_at_every_varint_width() {
        for (small, wide) in [
            (0u64, -1i64),
            (250, 250),
            (251, -251),
            (65_535, 65_535),
            (65_536, -65_536),
            (u64::from(u32::MAX), i64::from(i32::MIN)),
            (u64::MAX, i64::MIN),
        ] {
            let value = Everything {
                a: small as u8,
                b: wide as i8,
                c: small as u16,
                d: small as u32,
                e: small,
                f: wide as i16,
                g: wide as i32,
                h: wide,
                i: -1.5,
                j: f64::MAX,
                k: small % 2 == 0,
                l: (small > 300).then(|| "ünïcode".to_owned()),
                m: vec![small, 0, u64::MAX],
                n: (f64::NEG_INFINITY, 0.25),
                o: [0, 1, small as u32, u32::MAX],
                p: vec![
                    Shape::Empty,
                    Shape::Circle(2.0),
                    Shape::Rect { w: 251, h: wide },
                ],
                q: [(3, "x".to_owned()), (small as u16, String::new())].into(),
                r: "z".repeat(small as usize % 300),
            };
            let bytes = bincode_bytes(&value);
            assert_eq!(ours::<Everything>(&bytes).unwrap(), value, "{small} {wide}");
        }
    }

    #[test]
    fn a_count_beyond_the_bytes_left_is_refused_before_allocating() {
        // A string and a sequence claiming 2^60 elements with 3 bytes left.
        for what in ["string", "sequence"] {
            let mut bytes = vec![253];
            bytes.extend_from_slice(&(1u64 << 60).to_le_bytes());
            bytes.extend_from_slice(b"abc");
            let err = match what {
                "string" => ours::<String>(&bytes).unwrap_err(),
                _ => ours::<Vec<u8>>(&bytes).unwrap_err(),
            };
            assert!(
                matches!(err, HeaderError::CountTooLarge { count, left: 3, .. } if count == 1 << 60),
                "{what}: {err}"
            );
        }
        // Exactly as many as there are bytes: read.
        assert_eq!(ours::<Vec<u8>>(&[3, 7, 8, 9]).unwrap(), vec![7, 8, 9]);
        // One more: refused, although its elements are single bytes.
        let err = ours::<Vec<u8>>(&[4, 7, 8, 9]).unwrap_err();
        assert!(matches!(err, HeaderError::CountTooLarge { .. }), "{err}");
    }

    #[test]
    fn malformed_bytes_are_typed_errors() {
        // A u16 cannot use the u32 marker; no integer uses 254 or 255.
        let err = ours::<u16>(&[252, 0, 0, 0, 0]).unwrap_err();
        assert!(
            matches!(
                err,
                HeaderError::VarintMarker {
                    marker: 252,
                    bits: 16
                }
            ),
            "{err}"
        );
        for marker in [254, 255] {
            let err = ours::<u64>(&[marker; 17]).unwrap_err();
            assert!(matches!(err, HeaderError::VarintMarker { .. }), "{err}");
        }
        let err = ours::<bool>(&[2]).unwrap_err();
        assert!(
            matches!(err, HeaderError::NotZeroOrOne { value: 2, .. }),
            "{err}"
        );
        let err = ours::<Option<u8>>(&[7, 1]).unwrap_err();
        assert!(
            matches!(err, HeaderError::NotZeroOrOne { value: 7, .. }),
            "{err}"
        );
        let err = ours::<String>(&[2, 0xC3, 0x28]).unwrap_err();
        assert!(matches!(err, HeaderError::Utf8(_)), "{err}");
        let err = ours::<f64>(&[0, 0, 0]).unwrap_err();
        assert!(
            matches!(err, HeaderError::Truncated { needed: 5, .. }),
            "{err}"
        );
        let err = ours::<Shape>(&[3]).unwrap_err();
        assert!(err.to_string().contains("variant"), "{err}");
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Mixed {
        a: u16,
        b: Option<i32>,
        c: String,
        d: Vec<(u64, bool)>,
        e: f64,
        f: Vec<Shape>,
    }

    fn mixed() -> impl Strategy<Value = Mixed> {
        let shape = prop_oneof![
            Just(Shape::Empty),
            any::<f64>().prop_map(Shape::Circle),
            (any::<u32>(), any::<i64>()).prop_map(|(w, h)| Shape::Rect { w, h }),
        ];
        (
            any::<u16>(),
            any::<Option<i32>>(),
            text(),
            prop::collection::vec((any::<u64>(), any::<bool>()), 0..6),
            any::<f64>(),
            prop::collection::vec(shape, 0..4),
        )
            .prop_map(|(a, b, c, d, e, f)| Mixed { a, b, c, d, e, f })
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-zµ0-9 ]{0,20}"
    }

    proptest! {
        /// On bytes bincode wrote and then damaged, this decoder and
        /// bincode's agree: the same value, or both refuse.
        #[test]
        fn agrees_with_bincode_on_damaged_bytes(
            value in mixed(),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
            cut in any::<prop::sample::Index>(),
            shorten in any::<bool>(),
        ) {
            let mut bytes = bincode_bytes(&value);
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if shorten {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            // bincode with a generous limit, so a damaged count fails
            // instead of allocating without bound.
            let theirs = bincode::serde::decode_from_slice::<Mixed, _>(
                &bytes,
                config::standard().with_limit::<{ 64 * 1024 * 1024 }>(),
            )
            .ok()
            .filter(|(_, used)| *used == bytes.len())
            .map(|(v, _)| v);
            let mut de = HeaderDecoder::new(&bytes);
            let mine = Mixed::deserialize(&mut de)
                .ok()
                .filter(|_| de.position() == bytes.len());
            // NaN is never equal to itself: compare the bytes they encode to.
            prop_assert_eq!(
                mine.map(|v| bincode_bytes(&v)),
                theirs.map(|v| bincode_bytes(&v))
            );
        }
    }
}
