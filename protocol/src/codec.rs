//! Encoding and decoding of frames.
//!
//! ```text
//! frame := length:u32 BE | body                 (length = bytes of body)
//! body  := tag:u8 | 0u8 × 3 | header_len:u32 LE | header | 0u8 × pad | payload
//!          pad makes the payload start at a multiple of 8 from the frame start
//! header:= bincode 2, standard config (varint integers, little-endian)
//!          for Hello and Welcome: MAGIC (8 bytes) | version:u16 LE | bincode
//! ```
//!
//! A header is at most [`MAX_HEADER_BYTES`] bytes, counted as they are on
//! the wire (`header_len`): the encoder refuses to write a longer one and
//! the decoder refuses to read one. Every header is decoded by
//! [`HeaderDecoder`], which refuses a container whose count could not fit
//! in the bytes left before anything is allocated.

use bincode::config::{self, Config};
use bytes::{BufMut, Bytes, BytesMut};
use serde::{de::DeserializeOwned, Serialize};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

use crate::compress::{
    shuffle_into, unshuffle, CODEC_LZ4_SHUFFLE, CODEC_NONE, MAX_DECOMPRESSED_BYTES,
};
use crate::custom::{check_custom_parts, check_spec_plot_type};
use crate::data_header::DataHeader;
use crate::frame::{check_shape, le_bytes, ArrayWire, FrameWire, U16_NAN, U16_TOP, U8_NAN, U8_TOP};
use crate::header_decoder::HeaderDecoder;
use crate::layout::LayoutWire;
use crate::message::{tag, tag_name, GoodbyeWire, HelloRest, RejectWire, WelcomeRest};
use crate::put_values::put_values;
use crate::{
    Array, ChannelKind, DType, Frame, FrameRef, Goodbye, GoodbyeCode, Hello, Layout, Lod, Message,
    Part, ProtocolError, Reject, RejectCode, Welcome, BODY_PREFIX_BYTES, LENGTH_PREFIX_BYTES,
    MAGIC, MAX_HEADER_BYTES, MAX_NAME_BYTES, MAX_TOKEN_BYTES, VERSION,
};

fn encode_config() -> impl Config {
    config::standard()
}

/// Rounds up to the payload alignment.
fn padded(len: usize) -> usize {
    len.div_ceil(8) * 8
}

/// Offset of the payload from the start of the body: the payload starts at
/// a multiple of 8 counted from the start of the frame (its length prefix),
/// so a frame read into an aligned buffer decodes to aligned arrays.
fn payload_offset(header_len: usize) -> usize {
    padded(LENGTH_PREFIX_BYTES + BODY_PREFIX_BYTES + header_len) - LENGTH_PREFIX_BYTES
}

pub(crate) fn no_payload(_: &mut BytesMut) {}

/// Appends one complete frame (length prefix included) to `out`.
///
/// `header` writes the header bytes; `payload_len` bytes are then written by
/// `payload`. On error `out` is left as it was.
pub(crate) fn write_frame(
    out: &mut BytesMut,
    msg_tag: u8,
    header: impl FnOnce(&mut BytesMut) -> Result<(), ProtocolError>,
    payload_len: usize,
    payload: impl FnOnce(&mut BytesMut),
) -> Result<(), ProtocolError> {
    write_frame_as(out, msg_tag, header, payload_len, payload, Values::Copied).map(drop)
}

/// What [`write_frame_as`] writes after a frame's header.
#[derive(Debug, Clone, Copy)]
enum Values {
    /// Nothing: the frame's prefix, its length counting the payload that
    /// will follow.
    Omitted,
    /// The payload.
    Copied,
    /// The payload, at an address equal to this one modulo [`ALIGN`]: the
    /// frame may begin up to `ALIGN - 1` bytes after where it was asked to.
    AlignedTo(usize),
}

/// `memcpy` (glibc's `rep movsb` on x86) copies 1.3–1.5 times faster
/// when source and destination are equally aligned to 32 bytes (8 000
/// bytes on this project's AMD EPYC: 92–103 ns aligned, 128–158 not).
const ALIGN: usize = 64;

/// [`write_frame`], with its values as `values` says; returns where the
/// frame begins, counted from what `out` held (0 unless aligned).
fn write_frame_as(
    out: &mut BytesMut,
    msg_tag: u8,
    header: impl FnOnce(&mut BytesMut) -> Result<(), ProtocolError>,
    payload_len: usize,
    payload: impl FnOnce(&mut BytesMut),
    values: Values,
) -> Result<usize, ProtocolError> {
    let mut start = out.len();
    let first = start;
    // One reservation for everything but an unusually large header, so the
    // payload is copied exactly once.
    out.reserve(LENGTH_PREFIX_BYTES + BODY_PREFIX_BYTES + 256 + ALIGN + payload_len);
    out.put_u32(0);
    out.put_u8(msg_tag);
    out.put_bytes(0, 3);
    out.put_u32_le(0);
    let header_start = out.len();
    if let Err(err) = header(out) {
        out.truncate(start);
        return Err(err);
    }
    let header_len = out.len() - header_start;
    // A receiver refuses a longer header: never send one.
    if header_len > MAX_HEADER_BYTES {
        out.truncate(start);
        return Err(ProtocolError::HeaderTooLarge {
            what: tag_name(msg_tag),
            len: header_len as u64,
            max: MAX_HEADER_BYTES as u64,
        });
    }
    let pad = payload_offset(header_len) - BODY_PREFIX_BYTES - header_len;
    let written = match values {
        Values::Omitted => 0,
        Values::Copied | Values::AlignedTo(_) => payload_len,
    };
    out.reserve(pad + ALIGN + written);
    out.put_bytes(0, pad);
    if let Values::AlignedTo(source) = values {
        // The prefix moves forward until the values' place is aligned as
        // their source is (within the reservation: the buffer stays put).
        let lead = source.wrapping_sub(out.as_ptr() as usize + out.len()) % ALIGN;
        let prefix = out.len() - start;
        out.put_bytes(0, lead);
        out.copy_within(start..start + prefix, start + lead);
        start += lead;
    }
    let payload_start = out.len();
    payload(out);
    debug_assert_eq!(out.len() - payload_start, written);
    let body_len = out.len() + (payload_len - written) - start - LENGTH_PREFIX_BYTES;
    let (Ok(body_len), Ok(header_len)) = (u32::try_from(body_len), u32::try_from(header_len))
    else {
        out.truncate(first);
        return Err(ProtocolError::Encode {
            what: tag_name(msg_tag),
            reason: format!("body of {body_len} bytes does not fit a u32 length prefix"),
        });
    };
    out[start..start + 4].copy_from_slice(&body_len.to_be_bytes());
    out[start + 8..start + 12].copy_from_slice(&header_len.to_le_bytes());
    Ok(start - first)
}

fn put_bincode<T: Serialize>(
    out: &mut BytesMut,
    what: &'static str,
    value: &T,
) -> Result<(), ProtocolError> {
    bincode::serde::encode_into_std_write(value, &mut out.writer(), encode_config())
        .map(drop)
        .map_err(|err| ProtocolError::Encode {
            what,
            reason: err.to_string(),
        })
}

fn check_len(what: &'static str, text: &str, max: usize) -> Result<(), ProtocolError> {
    if text.len() > max {
        return Err(ProtocolError::Encode {
            what,
            reason: format!("{} bytes, more than the limit of {max}", text.len()),
        });
    }
    Ok(())
}

/// Encodes a message as one complete frame (length prefix included), ready
/// to be written to a socket as it is.
///
/// # Errors
/// [`ProtocolError::Encode`] when a field exceeds a protocol limit, and the
/// shape errors of [`encode_data`].
pub fn encode(msg: &Message) -> Result<Bytes, ProtocolError> {
    let mut out = BytesMut::new();
    encode_into(msg, &mut out)?;
    Ok(out.freeze())
}

/// Appends a message as one complete frame to `out` (see [`encode`]).
///
/// # Errors
/// As [`encode`].
pub fn encode_into(msg: &Message, out: &mut BytesMut) -> Result<(), ProtocolError> {
    let t = msg.tag();
    let name = msg.name();
    match msg {
        Message::Hello(h) => {
            check_len(
                "hello token",
                h.token.as_deref().unwrap_or(""),
                MAX_TOKEN_BYTES,
            )?;
            check_len("hello peer name", &h.peer_name, MAX_NAME_BYTES)?;
            let rest = HelloRest {
                token: h.token.clone(),
                peer_name: h.peer_name.clone(),
                codecs: h.codecs,
                overview: h.overview,
            };
            write_frame(
                out,
                t,
                |o| {
                    o.put_slice(&MAGIC);
                    o.put_u16_le(h.version);
                    put_bincode(o, name, &rest)
                },
                0,
                no_payload,
            )
        }
        Message::Welcome(w) => {
            let rest = WelcomeRest {
                server_name: w.server_name.clone(),
                session_id: w.session_id,
                heartbeat_interval_ms: w.heartbeat_interval_ms,
                heartbeat_timeout_ms: w.heartbeat_timeout_ms,
                codec: w.codec,
            };
            write_frame(
                out,
                t,
                |o| {
                    o.put_slice(&MAGIC);
                    o.put_u16_le(w.version);
                    put_bincode(o, name, &rest)
                },
                0,
                no_payload,
            )
        }
        Message::Reject(r) => {
            let wire = RejectWire {
                code: r.code as u8,
                reason: r.reason.clone(),
                server_version: r.server_version,
            };
            write_frame(out, t, |o| put_bincode(o, name, &wire), 0, no_payload)
        }
        Message::Layout(l) => {
            for c in &l.channels {
                check_spec_plot_type(c.kind, &c.plot_type)?;
            }
            let wire = LayoutWire::from(l);
            write_frame(out, t, |o| put_bincode(o, name, &wire), 0, no_payload)
        }
        Message::Data(f) => f.with_ref(|r| encode_data(r, out)),
        Message::BatchEnd(b) => write_frame(out, t, |o| put_bincode(o, name, b), 0, no_payload),
        Message::Ready(r) => write_frame(out, t, |o| put_bincode(o, name, r), 0, no_payload),
        Message::View(v) => write_frame(out, t, |o| put_bincode(o, name, v), 0, no_payload),
        Message::Ack(a) => write_frame(out, t, |o| put_bincode(o, name, a), 0, no_payload),
        Message::Ping(p) => write_frame(out, t, |o| put_bincode(o, name, p), 0, no_payload),
        Message::Pong(p) => write_frame(out, t, |o| put_bincode(o, name, p), 0, no_payload),
        Message::Goodbye(g) => {
            let wire = GoodbyeWire {
                code: g.code as u8,
                reason: g.reason.clone(),
            };
            write_frame(out, t, |o| put_bincode(o, name, &wire), 0, no_payload)
        }
    }
}

/// Appends a data frame (length prefix included) to `out`. The arrays are
/// copied once, as raw little-endian bytes: on little-endian machines this
/// is a `memcpy`.
///
/// # Errors
/// [`ProtocolError::Invalid`] when the parts break the shape rules of the
/// channel kind (see [`crate::frame`]), [`ProtocolError::Encode`] when the
/// frame is too large for the length prefix.
pub fn encode_data(frame: &FrameRef<'_>, out: &mut BytesMut) -> Result<(), ProtocolError> {
    encode_data_with(frame, out, Values::Copied).map(drop)
}

/// As [`encode_data`], with the values placed at the address of the
/// frame's first array modulo 64, where `memcpy` copies fastest, for a
/// buffer that holds one frame: the frame begins the returned number of
/// bytes (under 64) after what `out` held, and the bytes before it are
/// not part of it (`Bytes::advance` past them).
///
/// # Errors
/// As [`encode_data`].
pub fn encode_data_aligned(
    frame: &FrameRef<'_>,
    out: &mut BytesMut,
) -> Result<usize, ProtocolError> {
    let source = frame
        .parts
        .first()
        .map_or(0, |p| p.x.unwrap_or(p.y).address());
    encode_data_with(frame, out, Values::AlignedTo(source))
}

/// The data frame [`encode_data`] writes for `frame`, up to where its
/// values begin: length prefix (counting the values), header and padding,
/// a multiple of 8 bytes long. Followed by the parts' values as
/// little-endian bytes (x before y, part after part), it is that frame:
/// for a publisher whose values already lie in the buffer that goes out.
///
/// # Errors
/// As [`encode_data`].
pub fn encode_data_prefix(frame: &FrameRef<'_>, out: &mut BytesMut) -> Result<(), ProtocolError> {
    encode_data_with(frame, out, Values::Omitted).map(drop)
}

/// Whether [`encode_data`] encodes `frame`: when this is `Ok`, encoding
/// it cannot fail (whatever its sequence number and time), so a caller
/// may clear a buffer that holds something it would otherwise keep.
///
/// # Errors
/// What [`encode_data`] would return.
pub fn check_data(frame: &FrameRef<'_>) -> Result<(), ProtocolError> {
    let payload_len = checked_payload_len(frame)?;
    let lod_len = match frame.lod {
        Some(lod) => header_bytes("data", lod)?.len(),
        None => 0,
    };
    let header = data_header(frame, payload_len).bound() + lod_len;
    if header > MAX_HEADER_BYTES {
        return Err(ProtocolError::HeaderTooLarge {
            what: "data",
            len: header as u64,
            max: MAX_HEADER_BYTES as u64,
        });
    }
    let body_len = payload_offset(header) + payload_len;
    if u32::try_from(body_len).is_err() {
        return Err(ProtocolError::Encode {
            what: "data",
            reason: format!("body of {body_len} bytes does not fit a u32 length prefix"),
        });
    }
    Ok(())
}

/// The shape and name rules of a data frame; its values' bytes.
fn checked_payload_len(frame: &FrameRef<'_>) -> Result<usize, ProtocolError> {
    check_shape(
        frame.kind,
        frame.nx,
        frame.ny,
        frame
            .parts
            .iter()
            .map(|p| (p.x.map(|x| x.len() as u64), p.y.len() as u64)),
    )?;
    if frame.kind == ChannelKind::Custom {
        check_custom_parts(frame.parts.iter().map(|p| (p.name, p.x.is_some())))?;
    }
    for p in frame.parts {
        check_len("series name", p.name, MAX_NAME_BYTES)?;
    }
    Ok(frame
        .parts
        .iter()
        .map(|p| p.x.map_or(0, |x| x.byte_len()) + p.y.byte_len())
        .sum())
}

/// Borrowed and written by hand: the header of a small publish costs no
/// allocation and no serializer (the bytes are those of `FrameWire`,
/// which decoders read).
fn data_header<'a>(frame: &FrameRef<'a>, payload_len: usize) -> DataHeader<'a> {
    DataHeader {
        channel: frame.channel,
        seq: frame.seq,
        timestamp_us: frame.timestamp_us,
        kind: frame.kind as u8,
        nx: frame.nx,
        ny: frame.ny,
        range: frame.range,
        parts: frame.parts,
        lod: frame.lod,
        codec: CODEC_NONE,
        raw_len: payload_len as u64,
    }
}

fn encode_data_with(
    frame: &FrameRef<'_>,
    out: &mut BytesMut,
    values: Values,
) -> Result<usize, ProtocolError> {
    let payload_len = checked_payload_len(frame)?;
    let header = data_header(frame, payload_len);
    write_frame_as(
        out,
        tag::DATA,
        |o| header.put(o, |o, lod| put_bincode(o, "data", lod)),
        payload_len,
        |o| {
            if let Values::Omitted = values {
                return;
            }
            for p in frame.parts {
                if let Some(x) = p.x {
                    put_values(o, &le_bytes(x));
                }
                put_values(o, &le_bytes(p.y));
            }
        },
        values,
    )
}

/// A value encoded as a header is (bincode, standard config), for
/// records that travel outside a message (the relay's process info).
pub(crate) fn header_bytes<T: Serialize>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, ProtocolError> {
    bincode::serde::encode_to_vec(value, encode_config()).map_err(|err| ProtocolError::Encode {
        what,
        reason: err.to_string(),
    })
}

/// Reads back a [`header_bytes`] value, with the header size limit.
pub(crate) fn header_from_bytes<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ProtocolError> {
    decode_header(what, bytes)
}

/// Decodes a header (at most [`MAX_HEADER_BYTES`]), insisting that it uses
/// every byte.
fn decode_header<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ProtocolError> {
    if bytes.len() > MAX_HEADER_BYTES {
        return Err(ProtocolError::HeaderTooLarge {
            what,
            len: bytes.len() as u64,
            max: MAX_HEADER_BYTES as u64,
        });
    }
    let mut decoder = HeaderDecoder::new(bytes);
    let value = T::deserialize(&mut decoder).map_err(|err| ProtocolError::BadHeader {
        what,
        reason: err.to_string(),
    })?;
    let used = decoder.position();
    if used != bytes.len() {
        return Err(ProtocolError::BadHeader {
            what,
            reason: format!("{} trailing bytes after the header", bytes.len() - used),
        });
    }
    Ok(value)
}

/// Checks the magic and version that open `Hello` and `Welcome` headers and
/// returns the version and the rest of the header.
fn split_magic(header: &[u8]) -> Result<(u16, &[u8]), ProtocolError> {
    let magic_len = MAGIC.len().min(header.len());
    if header[..magic_len] != MAGIC[..magic_len] || header.len() < MAGIC.len() {
        return Err(ProtocolError::BadMagic {
            found: header[..magic_len].to_vec(),
        });
    }
    let Some(version) = header.get(8..10) else {
        return Err(ProtocolError::Truncated {
            what: "protocol version",
            needed: 10,
            available: header.len() as u64,
        });
    };
    let version = u16::from_le_bytes([version[0], version[1]]);
    if version != VERSION {
        return Err(ProtocolError::UnsupportedVersion {
            peer: version,
            ours: VERSION,
        });
    }
    Ok((version, &header[10..]))
}

/// Decodes one frame body (as yielded by [`FrameCodec`], without the length
/// prefix). Arrays in data frames share `body`'s buffer: nothing is copied.
/// Data frames compressed with any codec this build knows are read (a
/// recording holds frames of many connections); a viewer reads with
/// [`decode_on`].
///
/// # Errors
/// A typed [`ProtocolError`] for every way the bytes can be wrong; never
/// panics and never allocates more than the body's own size.
pub fn decode(body: Bytes) -> Result<Message, ProtocolError> {
    decode_with(body, None)
}

/// [`decode`] for a connection whose handshake settled on `codec`
/// (`Welcome.codec`): a data frame compressed with another codec (on a
/// connection without compression, any) breaks the protocol.
///
/// # Errors
/// As [`decode`], and [`ProtocolError::CodecNotNegotiated`].
pub fn decode_on(body: Bytes, codec: u8) -> Result<Message, ProtocolError> {
    decode_with(body, Some(codec))
}

fn decode_with(body: Bytes, negotiated: Option<u8>) -> Result<Message, ProtocolError> {
    let len = body.len();
    if len < BODY_PREFIX_BYTES {
        return Err(ProtocolError::Truncated {
            what: "message prefix",
            needed: BODY_PREFIX_BYTES as u64,
            available: len as u64,
        });
    }
    let msg_tag = body[0];
    let header_len = u32::from_le_bytes([body[4], body[5], body[6], body[7]]) as usize;
    let what = tag_name(msg_tag);
    let payload_start = payload_offset(header_len) as u64;
    if payload_start > len as u64 {
        return Err(ProtocolError::Truncated {
            what: "header",
            needed: payload_start,
            available: len as u64,
        });
    }
    // Refused before a byte of it is read.
    if header_len > MAX_HEADER_BYTES {
        return Err(ProtocolError::HeaderTooLarge {
            what,
            len: header_len as u64,
            max: MAX_HEADER_BYTES as u64,
        });
    }
    let header = &body[BODY_PREFIX_BYTES..BODY_PREFIX_BYTES + header_len];
    let payload = body.slice(payload_start as usize..);
    if msg_tag != tag::DATA && !payload.is_empty() {
        return Err(ProtocolError::LengthMismatch {
            declared: 0,
            actual: payload.len() as u64,
        });
    }
    let msg = match msg_tag {
        tag::HELLO => {
            let (version, rest) = split_magic(header)?;
            let rest: HelloRest = decode_header(what, rest)?;
            Message::Hello(Hello {
                version,
                token: rest.token,
                peer_name: rest.peer_name,
                codecs: rest.codecs,
                overview: rest.overview,
            })
        }
        tag::WELCOME => {
            let (version, rest) = split_magic(header)?;
            let rest: WelcomeRest = decode_header(what, rest)?;
            Message::Welcome(Welcome {
                version,
                server_name: rest.server_name,
                session_id: rest.session_id,
                heartbeat_interval_ms: rest.heartbeat_interval_ms,
                heartbeat_timeout_ms: rest.heartbeat_timeout_ms,
                codec: rest.codec,
            })
        }
        tag::REJECT => {
            let wire: RejectWire = decode_header(what, header)?;
            Message::Reject(Reject {
                code: RejectCode::from_u8(wire.code),
                reason: wire.reason,
                server_version: wire.server_version,
            })
        }
        tag::LAYOUT => {
            let wire: LayoutWire = decode_header(what, header)?;
            Message::Layout(Layout::try_from(wire)?)
        }
        tag::DATA => Message::Data(decode_data(header, payload, negotiated)?),
        tag::BATCH_END => Message::BatchEnd(decode_header(what, header)?),
        tag::READY => Message::Ready(decode_header(what, header)?),
        tag::VIEW => Message::View(decode_header(what, header)?),
        tag::ACK => Message::Ack(decode_header(what, header)?),
        tag::PING => Message::Ping(decode_header(what, header)?),
        tag::PONG => Message::Pong(decode_header(what, header)?),
        tag::GOODBYE => {
            let wire: GoodbyeWire = decode_header(what, header)?;
            Message::Goodbye(Goodbye {
                code: GoodbyeCode::from_u8(wire.code),
                reason: wire.reason,
            })
        }
        other => return Err(ProtocolError::UnknownMessage(other)),
    };
    Ok(msg)
}

fn decode_data(
    header: &[u8],
    payload: Bytes,
    negotiated: Option<u8>,
) -> Result<Frame, ProtocolError> {
    let wire: FrameWire = decode_header("data", header)?;
    if let Some(negotiated) = negotiated {
        // Uncompressed is always allowed: a frame is compressed only when
        // that makes it smaller.
        if wire.codec != CODEC_NONE && wire.codec != negotiated {
            return Err(ProtocolError::CodecNotNegotiated {
                found: wire.codec,
                negotiated,
            });
        }
    }
    let kind = ChannelKind::try_from(wire.kind)?;
    // Sum the declared sizes in u128: a header may claim 2^40 elements of
    // 2^40 parts and must still get a clean length mismatch, not an overflow.
    let mut declared: u128 = 0;
    let array_bytes = |a: &ArrayWire| -> Result<u128, ProtocolError> {
        Ok(u128::from(a.len) * DType::try_from(a.dtype)?.size() as u128)
    };
    for p in &wire.parts {
        if let Some(x) = &p.x {
            declared += array_bytes(x)?;
        }
        declared += array_bytes(&p.y)?;
    }
    let payload = match wire.codec {
        CODEC_NONE => payload,
        CODEC_LZ4_SHUFFLE => decompress_payload(&wire, declared, &payload)?,
        other => {
            return Err(ProtocolError::UnknownValue {
                what: "data codec",
                value: other,
            })
        }
    };
    if declared != payload.len() as u128 || u128::from(wire.raw_len) != declared {
        return Err(ProtocolError::LengthMismatch {
            declared: u64::try_from(declared).unwrap_or(u64::MAX),
            actual: payload.len() as u64,
        });
    }
    if let Some(lod) = &wire.lod {
        check_lod(kind, &wire, lod)?;
    }
    check_shape(
        kind,
        wire.nx,
        wire.ny,
        wire.parts
            .iter()
            .map(|p| (p.x.as_ref().map(|x| x.len), p.y.len)),
    )?;
    if kind == ChannelKind::Custom {
        check_custom_parts(wire.parts.iter().map(|p| (p.name.as_str(), p.x.is_some())))?;
    }
    // Every length now fits in the payload, so the casts below are exact.
    let mut offset = 0usize;
    let mut take = |a: &ArrayWire| -> Result<Array, ProtocolError> {
        let dtype = DType::try_from(a.dtype)?;
        let n = a.len as usize * dtype.size();
        let array = Array::from_le_bytes(dtype, payload.slice(offset..offset + n))?;
        offset += n;
        Ok(array)
    };
    let mut parts = Vec::with_capacity(wire.parts.len());
    for p in &wire.parts {
        let x = p.x.as_ref().map(&mut take).transpose()?;
        let y = take(&p.y)?;
        if x.as_ref()
            .is_some_and(|x| matches!(x.dtype(), DType::U16 | DType::U8))
        {
            return Err(ProtocolError::invalid(
                "data",
                "16-bit and 8-bit arrays are heatmap values only",
            ));
        }
        let y = match y.dtype() {
            DType::U16 | DType::U8 => dequantise(kind, wire.range, &y)?,
            _ => y,
        };
        parts.push(Part {
            name: p.name.clone(),
            first_index: p.first_index,
            x,
            y,
        });
    }
    Ok(Frame {
        channel: wire.channel,
        seq: wire.seq,
        timestamp_us: wire.timestamp_us,
        kind,
        nx: wire.nx,
        ny: wire.ny,
        range: wire.range,
        parts,
        lod: wire.lod,
    })
}

/// A [`DType::U16`] or [`DType::U8`] array of heatmap values as f32: the
/// codes spread over the frame's range, [`U16_NAN`] and [`U8_NAN`] as NaN.
fn dequantise(
    kind: ChannelKind,
    range: Option<(f64, f64)>,
    codes: &Array,
) -> Result<Array, ProtocolError> {
    let Some((lo, hi)) = range.filter(|(lo, hi)| {
        kind == ChannelKind::Heatmap && lo.is_finite() && hi.is_finite() && lo <= hi
    }) else {
        return Err(ProtocolError::invalid(
            "data",
            "16-bit and 8-bit values need a heatmap with a finite range",
        ));
    };
    let value = |q: u16, top: u16| (lo + f64::from(q) * ((hi - lo) / f64::from(top))) as f32;
    let mut out = Vec::with_capacity(codes.len() * 4);
    let bits = if codes.dtype() == DType::U8 {
        for &q in codes.le_bytes().iter() {
            let v = if q == U8_NAN {
                f32::NAN
            } else {
                value(u16::from(q), u16::from(U8_TOP))
            };
            out.extend_from_slice(&v.to_le_bytes());
        }
        8
    } else {
        for chunk in codes.le_bytes().chunks_exact(2) {
            let q = u16::from_le_bytes([chunk[0], chunk[1]]);
            let v = if q == U16_NAN {
                f32::NAN
            } else {
                value(q, U16_TOP)
            };
            out.extend_from_slice(&v.to_le_bytes());
        }
        16
    };
    Ok(Array::from_le_bytes(DType::F32, Bytes::from(out))?.coded(bits))
}

/// The rules a reduced frame's [`Lod`] must keep (see PROTOCOL.md).
fn check_lod(kind: ChannelKind, wire: &FrameWire, lod: &Lod) -> Result<(), ProtocolError> {
    if let Some(grid) = &lod.grid {
        if kind != ChannelKind::Heatmap || !grid.is_valid() {
            return Err(ProtocolError::invalid(
                "level-of-detail grid",
                "only on heatmaps, non-empty and inside the full grid",
            ));
        }
        if wire.nx > grid.x1 - grid.x0 || wire.ny > grid.y1 - grid.y0 {
            return Err(ProtocolError::invalid(
                "level-of-detail grid",
                "a reduced grid has at most one cell per covered cell",
            ));
        }
    }
    if lod.replace && kind != ChannelKind::Series {
        return Err(ProtocolError::invalid(
            "level of detail",
            "only series replace a history",
        ));
    }
    if !lod.ends.is_empty() && lod.ends.len() != wire.parts.len() {
        return Err(ProtocolError::invalid(
            "level of detail",
            "one end index per part",
        ));
    }
    Ok(())
}

/// The raw payload of an LZ4-compressed data frame: the claimed size is
/// checked against the frame's own arrays and [`MAX_DECOMPRESSED_BYTES`]
/// before anything is allocated, and the decompressed bytes must fill it
/// exactly.
fn decompress_payload(
    wire: &FrameWire,
    declared: u128,
    payload: &[u8],
) -> Result<Bytes, ProtocolError> {
    if u128::from(wire.raw_len) != declared || wire.raw_len > MAX_DECOMPRESSED_BYTES {
        return Err(ProtocolError::LengthMismatch {
            declared: u64::try_from(declared).unwrap_or(u64::MAX),
            actual: wire.raw_len,
        });
    }
    // The cast is exact: raw_len is at most MAX_DECOMPRESSED_BYTES.
    let raw_len = wire.raw_len as usize;
    let mut shuffled = vec![0u8; raw_len];
    let got = lz4_flex::block::decompress_into(payload, &mut shuffled).map_err(|err| {
        ProtocolError::BadHeader {
            what: "compressed data",
            reason: err.to_string(),
        }
    })?;
    if got != raw_len {
        return Err(ProtocolError::LengthMismatch {
            declared: raw_len as u64,
            actual: got as u64,
        });
    }
    let mut raw = vec![0u8; raw_len];
    let mut at = 0usize;
    for p in &wire.parts {
        for a in p.x.iter().chain(std::iter::once(&p.y)) {
            let size = DType::try_from(a.dtype)?.size();
            let n = a.len as usize * size;
            unshuffle(&shuffled[at..at + n], size, &mut raw[at..at + n]);
            at += n;
        }
    }
    Ok(Bytes::from(raw))
}

/// The LZ4-compressed form of a complete data frame (length prefix
/// included, as [`encode_data`] writes it), with its arrays byte-shuffled;
/// `None` when compression does not make it smaller (or the frame is not
/// a data frame).
///
/// # Errors
/// When `frame` is not a well-formed frame.
pub fn compress_data(frame: &[u8]) -> Result<Option<Bytes>, ProtocolError> {
    let Some(body) = frame.get(LENGTH_PREFIX_BYTES..) else {
        return Ok(None);
    };
    if body.first() != Some(&tag::DATA) || body.len() < BODY_PREFIX_BYTES {
        return Ok(None);
    }
    let header_len = u32::from_le_bytes([body[4], body[5], body[6], body[7]]) as usize;
    let payload_start = payload_offset(header_len);
    let (Some(header), Some(payload)) = (
        body.get(BODY_PREFIX_BYTES..BODY_PREFIX_BYTES + header_len),
        body.get(payload_start..),
    ) else {
        return Err(ProtocolError::Truncated {
            what: "data frame",
            needed: payload_start as u64,
            available: body.len() as u64,
        });
    };
    let wire: FrameWire = decode_header("data", header)?;
    if wire.codec != CODEC_NONE || payload.is_empty() {
        return Ok(None);
    }
    let mut shuffled = Vec::with_capacity(payload.len());
    let mut at = 0usize;
    for p in &wire.parts {
        for a in p.x.iter().chain(std::iter::once(&p.y)) {
            let size = DType::try_from(a.dtype)?.size();
            let n = usize::try_from(a.len)
                .ok()
                .and_then(|len| len.checked_mul(size))
                .filter(|&n| at + n <= payload.len())
                .ok_or(ProtocolError::LengthMismatch {
                    declared: a.len,
                    actual: payload.len() as u64,
                })?;
            shuffle_into(&payload[at..at + n], size, &mut shuffled);
            at += n;
        }
    }
    let packed = lz4_flex::block::compress(&shuffled);
    // Worth it only if the frame gets noticeably smaller.
    if packed.len() + 64 >= payload.len() {
        return Ok(None);
    }
    let wire = FrameWire {
        codec: CODEC_LZ4_SHUFFLE,
        raw_len: payload.len() as u64,
        ..wire
    };
    let mut out = BytesMut::new();
    write_frame(
        &mut out,
        tag::DATA,
        |o| put_bincode(o, "data", &wire),
        packed.len(),
        |o| o.put_slice(&packed),
    )?;
    Ok(Some(out.freeze()))
}

/// Splits a byte stream into frame bodies, refusing any frame longer than
/// its limit before reserving memory for it.
///
/// It wraps [`LengthDelimitedCodec`] (u32 big-endian length prefix) and
/// checks the prefix itself first, so an oversized frame is a typed
/// [`ProtocolError::FrameTooLarge`]. After any error the stream must be
/// closed. Frames are written as [`encode`] produced them (they already carry
/// their prefix), never through an encoder that would copy them.
#[derive(Debug)]
pub struct FrameCodec {
    inner: LengthDelimitedCodec,
    max_frame_bytes: usize,
    /// Body length of the frame whose prefix the inner codec has consumed
    /// and whose body it is still waiting for.
    pending: Option<usize>,
}

impl FrameCodec {
    /// A codec accepting frame bodies of at most `max_frame_bytes`.
    pub fn new(max_frame_bytes: usize) -> Self {
        Self {
            inner: LengthDelimitedCodec::builder()
                .length_field_length(LENGTH_PREFIX_BYTES)
                .big_endian()
                .max_frame_length(max_frame_bytes)
                .new_codec(),
            max_frame_bytes,
            pending: None,
        }
    }

    /// The limit in force.
    pub fn max_frame_bytes(&self) -> usize {
        self.max_frame_bytes
    }

    /// Changes the limit, for example to raise it once a handshake succeeded.
    pub fn set_max_frame_bytes(&mut self, max_frame_bytes: usize) {
        self.inner.set_max_frame_length(max_frame_bytes);
        self.max_frame_bytes = max_frame_bytes;
    }
}

impl Decoder for FrameCodec {
    type Item = Bytes;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, ProtocolError> {
        if self.pending.is_none() {
            // Check the prefix ourselves before the inner codec reserves
            // memory for it, so the error says what happened.
            let Some(prefix) = src.get(..LENGTH_PREFIX_BYTES) else {
                return Ok(None);
            };
            let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
            if len > self.max_frame_bytes {
                return Err(ProtocolError::FrameTooLarge {
                    len: len as u64,
                    max: self.max_frame_bytes as u64,
                });
            }
            self.pending = Some(len);
        }
        let frame = self.inner.decode(src)?;
        if frame.is_some() {
            self.pending = None;
        }
        Ok(frame.map(BytesMut::freeze))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, ProtocolError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() && self.pending.is_none() => Ok(None),
            None => Err(ProtocolError::Truncated {
                what: "frame",
                needed: self.pending.map_or(LENGTH_PREFIX_BYTES, |n| n) as u64,
                available: src.len() as u64,
            }),
        }
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
