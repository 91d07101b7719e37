//! Data frames: one channel's new value, numeric arrays carried as raw
//! little-endian bytes after the header.
//!
//! Every frame is a list of [`Part`]s. What a part means depends on the
//! channel kind:
//!
//! | kind    | parts                    | `x`                     | `y`                    |
//! |---------|--------------------------|-------------------------|------------------------|
//! | line    | one per named series     | optional x values       | y values, same length  |
//! | scatter | one per named series     | x values (required)     | y values, same length  |
//! | heatmap | exactly one              | none                    | `nx * ny` values, row-major (row 0 first) |
//! | bars    | one per named series     | optional edges (n + 1) or centres (n) | n heights |
//! | series  | one per series appended  | time values             | y values, same length  |
//! | custom  | named arrays, names distinct | none                | any length; `nx`, `ny` free (see [`crate::custom`]) |
//!
//! For append series, `first_index` is the index (counted from 0 since the
//! series was created) of the part's first point, so a viewer can tell a gap
//! from a duplicate.

use std::borrow::Cow;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{ChannelKind, Lod, ProtocolError};

/// Element type of an array on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DType {
    /// IEEE 754 binary64, little-endian.
    F64 = 0,
    /// IEEE 754 binary32, little-endian.
    F32 = 1,
    /// A heatmap value quantised to 16 bits over the frame's `range`
    /// (`lo + q / 65534 × (hi − lo)`; 65535 is "no value"), little-endian.
    /// Decoders turn it into f32 (see [`U16_NAN`]).
    U16 = 2,
    /// A heatmap value quantised to 8 bits over the frame's `range`
    /// (`lo + q / 254 × (hi − lo)`; 255 is "no value"): for a link that
    /// cannot carry 16-bit codes at the drawing rate, and only to a viewer
    /// whose `Hello.codecs` has [`crate::compress::CODECS_U8_CODES`].
    /// Decoders turn it into f32 (see [`U8_NAN`]).
    U8 = 3,
}

/// The 16-bit code of a missing value (NaN) in [`DType::U16`] arrays.
pub const U16_NAN: u16 = u16::MAX;

/// The largest 16-bit code of a value in [`DType::U16`] arrays.
pub const U16_TOP: u16 = u16::MAX - 1;

/// The 8-bit code of a missing value (NaN) in [`DType::U8`] arrays.
pub const U8_NAN: u8 = u8::MAX;

/// The largest 8-bit code of a value in [`DType::U8`] arrays.
pub const U8_TOP: u8 = u8::MAX - 1;

impl DType {
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            DType::F64 => 8,
            DType::F32 => 4,
            DType::U16 => 2,
            DType::U8 => 1,
        }
    }
}

impl TryFrom<u8> for DType {
    type Error = ProtocolError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(DType::F64),
            1 => Ok(DType::F32),
            2 => Ok(DType::U16),
            3 => Ok(DType::U8),
            _ => Err(ProtocolError::UnknownDType(value)),
        }
    }
}

/// A borrowed numeric array to encode.
#[derive(Debug, Clone, Copy)]
pub enum ArrayRef<'a> {
    /// f64 values.
    F64(&'a [f64]),
    /// f32 values.
    F32(&'a [f32]),
    /// 16-bit codes over a heatmap frame's range (see [`DType::U16`]).
    U16(&'a [u16]),
    /// 8-bit codes over a heatmap frame's range (see [`DType::U8`]).
    U8(&'a [u8]),
    /// Elements of the given type, already as little-endian bytes.
    Le(DType, &'a [u8]),
}

impl ArrayRef<'_> {
    /// Where the elements lie in memory.
    pub(crate) fn address(&self) -> usize {
        match self {
            ArrayRef::F64(v) => v.as_ptr() as usize,
            ArrayRef::F32(v) => v.as_ptr() as usize,
            ArrayRef::U16(v) => v.as_ptr() as usize,
            ArrayRef::U8(v) | ArrayRef::Le(_, v) => v.as_ptr() as usize,
        }
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        match self {
            ArrayRef::F64(_) => DType::F64,
            ArrayRef::F32(_) => DType::F32,
            ArrayRef::U16(_) => DType::U16,
            ArrayRef::U8(_) => DType::U8,
            ArrayRef::Le(dtype, _) => *dtype,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ArrayRef::F64(v) => v.len(),
            ArrayRef::F32(v) => v.len(),
            ArrayRef::U16(v) => v.len(),
            ArrayRef::U8(v) => v.len(),
            ArrayRef::Le(dtype, bytes) => bytes.len() / dtype.size(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes on the wire.
    pub fn byte_len(&self) -> usize {
        self.len() * self.dtype().size()
    }
}

/// A borrowed part of a frame to encode (see the module doc for meanings).
#[derive(Debug, Clone, Copy)]
pub struct PartRef<'a> {
    /// Series name (may be empty for single-part channels).
    pub name: &'a str,
    /// Index of the first point, for append series; 0 otherwise.
    pub first_index: u64,
    /// x values, edges or times.
    pub x: Option<ArrayRef<'a>>,
    /// y values, grid values or heights.
    pub y: ArrayRef<'a>,
}

/// A borrowed data frame to encode.
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    /// Channel id (from the layout).
    pub channel: u32,
    /// Sequence number, increasing per channel.
    pub seq: u64,
    /// When the value was published, in microseconds since the Unix epoch.
    pub timestamp_us: u64,
    /// The channel kind; must match the layout.
    pub kind: ChannelKind,
    /// Heatmap (or custom grid) columns (0 for other kinds).
    pub nx: u32,
    /// Heatmap (or custom grid) rows (0 for other kinds).
    pub ny: u32,
    /// Heatmap value range; `None` means autoscale.
    pub range: Option<(f64, f64)>,
    /// The parts, in payload order.
    pub parts: &'a [PartRef<'a>],
    /// Set on data reduced for a viewer's view: what it stands for.
    pub lod: Option<&'a Lod>,
}

impl<'a> FrameRef<'a> {
    /// A frame of `parts` with no grid size, value range or level of
    /// detail; set those with struct update syntax
    /// (`FrameRef { nx, ny, ..FrameRef::new(..) }`).
    pub fn new(
        channel: u32,
        seq: u64,
        timestamp_us: u64,
        kind: ChannelKind,
        parts: &'a [PartRef<'a>],
    ) -> Self {
        Self {
            channel,
            seq,
            timestamp_us,
            kind,
            nx: 0,
            ny: 0,
            range: None,
            parts,
            lod: None,
        }
    }
}

/// A decoded numeric array. It shares the received frame's buffer: decoding
/// never copies array data.
#[derive(Debug, Clone)]
pub struct Array {
    dtype: DType,
    bytes: Bytes,
    /// Bits of the codes the values came as (16: decoded from
    /// [`DType::U16`] codes over the frame's range, 8: [`DType::U8`]
    /// codes); 0: as sent.
    coded_bits: u8,
}

/// Arrays are equal when their values are: how they travelled is not
/// compared.
impl PartialEq for Array {
    fn eq(&self, other: &Self) -> bool {
        self.dtype == other.dtype && self.bytes == other.bytes
    }
}

impl Array {
    /// An array over little-endian bytes; `bytes.len()` must be a multiple of
    /// the element size.
    ///
    /// # Errors
    /// [`ProtocolError::LengthMismatch`] when it is not.
    pub fn from_le_bytes(dtype: DType, bytes: Bytes) -> Result<Self, ProtocolError> {
        if !bytes.len().is_multiple_of(dtype.size()) {
            return Err(ProtocolError::LengthMismatch {
                declared: (bytes.len() / dtype.size() * dtype.size()) as u64,
                actual: bytes.len() as u64,
            });
        }
        Ok(Self {
            dtype,
            bytes,
            coded_bits: 0,
        })
    }

    /// The array, marked as decoded from `bits`-bit codes (its values are
    /// approximate: steps of the frame's range over 2^bits − 2).
    pub(crate) fn coded(self, bits: u8) -> Self {
        Self {
            coded_bits: bits,
            ..self
        }
    }

    /// Bits of the codes the values travelled as (16 for heatmap values
    /// sent as [`DType::U16`] codes, 8 for [`DType::U8`]: approximate); 0
    /// when they are the
    /// values as sent.
    pub fn coded_bits(&self) -> u8 {
        self.coded_bits
    }

    /// An array holding a copy of `values`.
    pub fn from_f64(values: &[f64]) -> Self {
        Self {
            dtype: DType::F64,
            bytes: Bytes::from(le_bytes(ArrayRef::F64(values)).into_owned()),
            coded_bits: 0,
        }
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.dtype.size()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw little-endian bytes.
    pub fn le_bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The values as `&[f64]` without copying, when the array is f64, the
    /// buffer happens to be 8-byte aligned and this machine is little-endian.
    pub fn as_f64_slice(&self) -> Option<&[f64]> {
        if self.dtype != DType::F64 || cfg!(target_endian = "big") {
            return None;
        }
        bytemuck::try_cast_slice(&self.bytes).ok()
    }

    /// The values as f64: borrowed when possible, otherwise converted.
    pub fn to_f64(&self) -> Cow<'_, [f64]> {
        match self.as_f64_slice() {
            Some(values) => Cow::Borrowed(values),
            None => Cow::Owned(self.iter().collect()),
        }
    }

    /// Iterates over the values as f64, whatever the element type.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let size = self.dtype.size();
        let dtype = self.dtype;
        self.bytes.chunks_exact(size).map(move |chunk| match dtype {
            DType::F64 => f64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])),
            DType::F32 => f64::from(f32::from_le_bytes(chunk.try_into().unwrap_or([0; 4]))),
            // Decoding turns U16 arrays into f32 (they need the frame's
            // range); a raw one reads as its code.
            DType::U16 => f64::from(u16::from_le_bytes(chunk.try_into().unwrap_or([0; 2]))),
            DType::U8 => f64::from(chunk[0]),
        })
    }

    /// Borrowed form, for re-encoding.
    pub fn as_ref(&self) -> ArrayRef<'_> {
        ArrayRef::Le(self.dtype, &self.bytes)
    }
}

/// A decoded part of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Series name.
    pub name: String,
    /// Index of the first point, for append series.
    pub first_index: u64,
    /// x values, edges or times.
    pub x: Option<Array>,
    /// y values, grid values or heights.
    pub y: Array,
}

impl Part {
    /// A part named `name` (empty for a channel's only part) of f64 values,
    /// starting at index 0.
    pub fn from_f64(name: &str, x: Option<&[f64]>, y: &[f64]) -> Self {
        Self {
            name: name.into(),
            first_index: 0,
            x: x.map(Array::from_f64),
            y: Array::from_f64(y),
        }
    }
}

/// A decoded data frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Channel id.
    pub channel: u32,
    /// Sequence number.
    pub seq: u64,
    /// Publish time, microseconds since the Unix epoch.
    pub timestamp_us: u64,
    /// Channel kind.
    pub kind: ChannelKind,
    /// Heatmap columns.
    pub nx: u32,
    /// Heatmap rows.
    pub ny: u32,
    /// Heatmap value range.
    pub range: Option<(f64, f64)>,
    /// The parts.
    pub parts: Vec<Part>,
    /// Set on data reduced for this viewer's view: what it stands for.
    pub lod: Option<Lod>,
}

impl Frame {
    /// A frame of `parts` with no grid size, value range or level of
    /// detail, as [`FrameRef::new`]; set those with struct update syntax
    /// (`Frame { nx, ny, ..Frame::new(..) }`).
    pub fn new(
        channel: u32,
        seq: u64,
        timestamp_us: u64,
        kind: ChannelKind,
        parts: Vec<Part>,
    ) -> Self {
        Self {
            channel,
            seq,
            timestamp_us,
            kind,
            nx: 0,
            ny: 0,
            range: None,
            parts,
            lod: None,
        }
    }

    /// Calls `f` with the borrowed form of this frame, for re-encoding.
    pub fn with_ref<R>(&self, f: impl FnOnce(&FrameRef<'_>) -> R) -> R {
        let parts: Vec<PartRef<'_>> = self
            .parts
            .iter()
            .map(|p| PartRef {
                name: &p.name,
                first_index: p.first_index,
                x: p.x.as_ref().map(Array::as_ref),
                y: p.y.as_ref(),
            })
            .collect();
        f(&FrameRef {
            channel: self.channel,
            seq: self.seq,
            timestamp_us: self.timestamp_us,
            kind: self.kind,
            nx: self.nx,
            ny: self.ny,
            range: self.range,
            parts: &parts,
            lod: self.lod.as_ref(),
        })
    }
}

/// The little-endian bytes of an array: borrowed on little-endian machines
/// (this is what makes encoding run at memcpy speed), converted otherwise.
pub(crate) fn le_bytes(array: ArrayRef<'_>) -> Cow<'_, [u8]> {
    #[cfg(target_endian = "little")]
    {
        match array {
            ArrayRef::F64(v) => Cow::Borrowed(bytemuck::cast_slice(v)),
            ArrayRef::F32(v) => Cow::Borrowed(bytemuck::cast_slice(v)),
            ArrayRef::U16(v) => Cow::Borrowed(bytemuck::cast_slice(v)),
            ArrayRef::U8(v) => Cow::Borrowed(v),
            ArrayRef::Le(_, b) => Cow::Borrowed(b),
        }
    }
    #[cfg(target_endian = "big")]
    {
        match array {
            ArrayRef::F64(v) => Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ArrayRef::F32(v) => Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ArrayRef::U16(v) => Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ArrayRef::U8(v) => Cow::Borrowed(v),
            ArrayRef::Le(_, b) => Cow::Borrowed(b),
        }
    }
}

/// Wire form of an array descriptor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ArrayWire {
    pub(crate) dtype: u8,
    pub(crate) len: u64,
}

/// Wire form of a part descriptor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PartWire {
    pub(crate) name: String,
    pub(crate) first_index: u64,
    pub(crate) x: Option<ArrayWire>,
    pub(crate) y: ArrayWire,
}

/// Wire form of the data header.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FrameWire {
    pub(crate) channel: u32,
    pub(crate) seq: u64,
    pub(crate) timestamp_us: u64,
    pub(crate) kind: u8,
    pub(crate) nx: u32,
    pub(crate) ny: u32,
    pub(crate) range: Option<(f64, f64)>,
    pub(crate) parts: Vec<PartWire>,
    pub(crate) lod: Option<Lod>,
    /// How the payload is compressed (`compress::CODEC_*`).
    pub(crate) codec: u8,
    /// Payload bytes once decompressed (the payload's own length when not
    /// compressed).
    pub(crate) raw_len: u64,
}

/// Checks the shape rules of the module doc for one frame, given each part's
/// `(x length, y length)`.
pub(crate) fn check_shape(
    kind: ChannelKind,
    nx: u32,
    ny: u32,
    lens: impl ExactSizeIterator<Item = (Option<u64>, u64)>,
) -> Result<(), ProtocolError> {
    let parts = lens.len();
    if kind == ChannelKind::Heatmap && parts != 1 {
        return Err(ProtocolError::invalid(
            "heatmap frame",
            format!("needs exactly one part, has {parts}"),
        ));
    }
    let grid_kind = matches!(kind, ChannelKind::Heatmap | ChannelKind::Custom);
    if !grid_kind && (nx != 0 || ny != 0) {
        return Err(ProtocolError::invalid(
            "frame",
            format!(
                "nx/ny are only for heatmaps and custom channels, found {nx}x{ny} on a {}",
                kind.name()
            ),
        ));
    }
    for (x, y) in lens {
        match kind {
            ChannelKind::Heatmap => {
                let cells = u64::from(nx) * u64::from(ny);
                if x.is_some() || y != cells {
                    return Err(ProtocolError::invalid(
                        "heatmap frame",
                        format!("{nx}x{ny} grid needs {cells} values and no x, has {y}"),
                    ));
                }
            }
            ChannelKind::Line => {
                if x.is_some_and(|x| x != y) {
                    return Err(ProtocolError::invalid(
                        "line frame",
                        "x and y lengths differ",
                    ));
                }
            }
            ChannelKind::Scatter | ChannelKind::Series => {
                if x != Some(y) {
                    return Err(ProtocolError::invalid(
                        "frame",
                        format!("{} parts need x and y of equal length", kind.name()),
                    ));
                }
            }
            ChannelKind::Bars => {
                if x.is_some_and(|x| x != y && x != y + 1) {
                    return Err(ProtocolError::invalid(
                        "bars frame",
                        "x must hold n centres or n + 1 edges for n heights",
                    ));
                }
            }
            // Names are checked by `custom::check_custom_parts`.
            ChannelKind::Custom => {
                if x.is_some() {
                    return Err(ProtocolError::invalid(
                        "custom frame",
                        "custom parts are named arrays without x",
                    ));
                }
            }
        }
    }
    Ok(())
}
