//! Frames written by hand from PROTOCOL.md's byte rules, not with the
//! crate's encoder: the invalid files break rules the encoder refuses to
//! break, and the non-canonical valid files use forms it never writes
//! (long varints, non-zero reserved and pad bytes).

/// A bincode header (standard configuration) being written.
#[derive(Debug, Default, Clone)]
pub struct Bincode(pub Vec<u8>);

impl Bincode {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }

    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// An unsigned integer as a varint, in its shortest form.
    pub fn var(self, v: u64) -> Self {
        if v < 251 {
            self.u8(v as u8)
        } else if v < 1 << 16 {
            self.u8(0xFB).raw(&(v as u16).to_le_bytes())
        } else if v < 1 << 32 {
            self.u8(0xFC).raw(&(v as u32).to_le_bytes())
        } else {
            self.u8(0xFD).raw(&v.to_le_bytes())
        }
    }

    /// A signed 32-bit integer: zigzag, then a varint.
    pub fn i32(self, v: i32) -> Self {
        self.var(u64::from(((v << 1) ^ (v >> 31)) as u32))
    }

    pub fn f64(self, v: f64) -> Self {
        self.raw(&v.to_le_bytes())
    }

    pub fn bool(self, v: bool) -> Self {
        self.u8(u8::from(v))
    }

    pub fn string(self, s: &str) -> Self {
        self.var(s.len() as u64).raw(s.as_bytes())
    }

    pub fn none(self) -> Self {
        self.u8(0)
    }

    pub fn some(self) -> Self {
        self.u8(1)
    }

    pub fn range(self, range: Option<(f64, f64)>) -> Self {
        match range {
            None => self.none(),
            Some((lo, hi)) => self.some().f64(lo).f64(hi),
        }
    }

    /// The magic and the fixed-width version that open Hello and Welcome.
    pub fn magic(self, magic: &[u8], version: u16) -> Self {
        self.raw(magic).raw(&version.to_le_bytes())
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// One complete frame: length prefix, tag, reserved bytes, header length,
/// header, padding to a multiple of 8 from the frame start, payload.
pub fn frame(tag: u8, header: &[u8], payload: &[u8]) -> Vec<u8> {
    frame_with(tag, [0; 3], header, 0, payload)
}

/// [`frame`] with the given reserved bytes and pad byte value.
pub fn frame_with(tag: u8, reserved: [u8; 3], header: &[u8], pad: u8, payload: &[u8]) -> Vec<u8> {
    let payload_at = (12 + header.len()).div_ceil(8) * 8;
    let mut body = vec![tag];
    body.extend_from_slice(&reserved);
    body.extend_from_slice(&(header.len() as u32).to_le_bytes());
    body.extend_from_slice(header);
    body.resize(payload_at - 4, pad);
    body.extend_from_slice(payload);
    prefixed(&body)
}

/// A body with its big-endian length prefix.
pub fn prefixed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// An array descriptor: dtype (0 f64, 1 f32, 2 u16) and element count.
pub type ArrayDesc = (u8, u64);

/// One part descriptor of a Data header.
#[derive(Debug, Clone)]
pub struct PartDesc {
    pub name: String,
    pub first_index: u64,
    pub x: Option<ArrayDesc>,
    pub y: ArrayDesc,
}

impl PartDesc {
    pub fn y(name: &str, y: ArrayDesc) -> Self {
        Self {
            name: name.into(),
            first_index: 0,
            x: None,
            y,
        }
    }

    pub fn xy(name: &str, x: ArrayDesc, y: ArrayDesc) -> Self {
        Self {
            x: Some(x),
            ..Self::y(name, y)
        }
    }
}

/// A reduced frame's `Lod`, with the grid window as
/// `[full_nx, full_ny, x0, x1, y0, y1]`.
#[derive(Debug, Clone, Default)]
pub struct LodDesc {
    pub source_values: u64,
    pub grid: Option<[u32; 6]>,
    pub replace: bool,
    pub ends: Vec<u64>,
}

/// Every field of a Data header; `raw_len: None` is the arrays' size.
#[derive(Debug, Clone)]
pub struct DataHeader {
    pub channel: u32,
    pub seq: u64,
    pub timestamp_us: u64,
    pub kind: u8,
    pub nx: u32,
    pub ny: u32,
    pub range: Option<(f64, f64)>,
    pub parts: Vec<PartDesc>,
    pub lod: Option<LodDesc>,
    pub codec: u8,
    pub raw_len: Option<u64>,
}

impl DataHeader {
    /// A frame of `kind` (0 line … 5 custom) with these parts and nothing else.
    pub fn new(kind: u8, parts: Vec<PartDesc>) -> Self {
        Self {
            channel: 0,
            seq: 1,
            timestamp_us: super::cases::T0,
            kind,
            nx: 0,
            ny: 0,
            range: None,
            parts,
            lod: None,
            codec: 0,
            raw_len: None,
        }
    }

    /// Bytes the arrays declare.
    pub fn declared(&self) -> u64 {
        let size = |(dtype, len): ArrayDesc| len * [8, 4, 2].get(usize::from(dtype)).unwrap_or(&0);
        self.parts
            .iter()
            .map(|p| p.x.map_or(0, size) + size(p.y))
            .sum()
    }

    pub fn header(&self) -> Vec<u8> {
        let array = |b: Bincode, (dtype, len): ArrayDesc| b.u8(dtype).var(len);
        let mut b = Bincode::new()
            .var(u64::from(self.channel))
            .var(self.seq)
            .var(self.timestamp_us)
            .u8(self.kind)
            .var(u64::from(self.nx))
            .var(u64::from(self.ny))
            .range(self.range)
            .var(self.parts.len() as u64);
        for p in &self.parts {
            b = b.string(&p.name).var(p.first_index);
            b = match p.x {
                None => b.none(),
                Some(x) => array(b.some(), x),
            };
            b = array(b, p.y);
        }
        b = match &self.lod {
            None => b.none(),
            Some(lod) => {
                let mut b = b.some().var(lod.source_values);
                b = match lod.grid {
                    None => b.none(),
                    Some(g) => g.iter().fold(b.some(), |b, &v| b.var(u64::from(v))),
                };
                b = b.bool(lod.replace).var(lod.ends.len() as u64);
                lod.ends.iter().fold(b, |b, &e| b.var(e))
            }
        };
        b.u8(self.codec)
            .var(self.raw_len.unwrap_or_else(|| self.declared()))
            .0
    }

    /// The whole frame, with `payload` after the header.
    pub fn frame(&self, payload: &[u8]) -> Vec<u8> {
        frame(0x11, &self.header(), payload)
    }
}

/// Little-endian bytes of f64 values.
pub fn f64s(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian bytes of u16 values.
pub fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
