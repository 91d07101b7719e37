//! The suite's descriptions: a message as JSON and back (the format is
//! documented in `protocol/conformance/README.md`), and the JSON writer
//! that keeps arrays of numbers on one line.
//!
//! Floats are JSON numbers, written in the shortest form that reads back
//! to the same value (so `-0.0` keeps its sign), or the strings `"NaN"`,
//! `"Infinity"` and `"-Infinity"`. Integers are JSON integers of any size
//! up to 2^64 − 1.

use bytes::{Bytes, BytesMut};
use plotcast_protocol::relay::ProcessInfo;
use plotcast_protocol::{
    Ack, Array, BatchEnd, ChannelKind, ChannelOptions, ChannelSpec, DType, Frame, FrameCodec,
    Goodbye, GoodbyeCode, GridCell, GridWindow, Hello, Layout, Lod, Message, Overview, Part, Ping,
    Pong, ProtocolError, Ready, Reject, RejectCode, Scale, View, Welcome,
};
use serde_json::{json, Map, Value};
use tokio_util::codec::Decoder;

/// The body of the one frame `bytes` hold, split off its length prefix as a
/// receiver with the frame limit `max` splits it (a file that ends early
/// is truncated).
pub fn split_frame(bytes: &[u8], max: usize) -> Result<Bytes, ProtocolError> {
    let mut codec = FrameCodec::new(max);
    let mut buf = BytesMut::from(bytes);
    match codec.decode(&mut buf)? {
        Some(body) => Ok(body),
        None => codec.decode_eof(&mut buf)?.ok_or(ProtocolError::Truncated {
            what: "frame",
            needed: 4,
            available: 0,
        }),
    }
}

/// What one golden file holds: a framed message, or a relay record.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One complete frame (length prefix included).
    Message(Message),
    /// The relay's `ProcessInfo`: bincode, no frame around it.
    ProcessInfo(ProcessInfo),
}

/// The error kind the descriptions name for each [`ProtocolError`]
/// (`"other"` for a variant this suite does not know yet).
pub fn error_kind(err: &ProtocolError) -> &'static str {
    match err {
        ProtocolError::BadMagic { .. } => "bad_magic",
        ProtocolError::UnsupportedVersion { .. } => "unsupported_version",
        ProtocolError::FrameTooLarge { .. } => "frame_too_large",
        ProtocolError::Truncated { .. } => "truncated",
        ProtocolError::LengthMismatch { .. } => "length_mismatch",
        ProtocolError::UnknownChannelKind(_) => "unknown_channel_kind",
        ProtocolError::UnknownMessage(_) => "unknown_message",
        ProtocolError::UnknownDType(_) => "unknown_dtype",
        ProtocolError::UnknownValue { .. } => "unknown_value",
        ProtocolError::BadHeader { .. } => "bad_header",
        ProtocolError::HeaderTooLarge { .. } => "header_too_large",
        ProtocolError::Invalid { .. } => "invalid",
        ProtocolError::Encode { .. } => "encode",
        ProtocolError::Io(_) => "io",
        _ => "other",
    }
}

/// Reading a description failed: where, and why.
type Read<T> = Result<T, String>;

pub fn float(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("NaN")
    } else if v > 0.0 {
        json!("Infinity")
    } else {
        json!("-Infinity")
    }
}

fn read_float(v: &Value) -> Read<f64> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a float")),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        other => Err(format!("{other} is not a float")),
    }
}

fn pair(r: Option<(f64, f64)>) -> Value {
    r.map_or(Value::Null, |(lo, hi)| json!([float(lo), float(hi)]))
}

fn floats<const N: usize>(v: &Value) -> Read<[f64; N]> {
    let items = v.as_array().ok_or_else(|| format!("{v} is not an array"))?;
    let values: Vec<f64> = items.iter().map(read_float).collect::<Read<_>>()?;
    values
        .try_into()
        .map_err(|_| format!("{v} does not hold {N} numbers"))
}

fn read_pair(v: &Value) -> Read<Option<(f64, f64)>> {
    if v.is_null() {
        return Ok(None);
    }
    let [lo, hi] = floats::<2>(v)?;
    Ok(Some((lo, hi)))
}

/// The field `key` of object `v`.
fn field<'v>(v: &'v Value, key: &str) -> Read<&'v Value> {
    v.get(key).ok_or_else(|| format!("no {key:?} in {v}"))
}

fn uint(v: &Value, key: &str) -> Read<u64> {
    let f = field(v, key)?;
    f.as_u64()
        .ok_or_else(|| format!("{key:?} is not an unsigned integer: {f}"))
}

fn small<T: TryFrom<u64>>(v: &Value, key: &str) -> Read<T> {
    T::try_from(uint(v, key)?).map_err(|_| format!("{key:?} is out of range"))
}

fn text(v: &Value, key: &str) -> Read<String> {
    let f = field(v, key)?;
    f.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{key:?} is not a string: {f}"))
}

fn flag(v: &Value, key: &str) -> Read<bool> {
    let f = field(v, key)?;
    f.as_bool()
        .ok_or_else(|| format!("{key:?} is not a boolean: {f}"))
}

fn list<'v>(v: &'v Value, key: &str) -> Read<&'v Vec<Value>> {
    let f = field(v, key)?;
    f.as_array()
        .ok_or_else(|| format!("{key:?} is not an array: {f}"))
}

pub fn kind_name(kind: ChannelKind) -> &'static str {
    kind.name()
}

fn read_kind(v: &Value, key: &str) -> Read<ChannelKind> {
    let name = text(v, key)?;
    ChannelKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| format!("unknown channel kind {name:?}"))
}

fn scale(s: Scale) -> Value {
    json!(match s {
        Scale::Linear => "linear",
        Scale::Log => "log",
    })
}

fn read_scale(v: &Value, key: &str) -> Read<Scale> {
    match text(v, key)?.as_str() {
        "linear" => Ok(Scale::Linear),
        "log" => Ok(Scale::Log),
        other => Err(format!("unknown scale {other:?}")),
    }
}

/// An array as the description shows it. `codes` are the codes of a u16
/// or u8 array (the decoded form is f32); `None` for f64 and f32 arrays.
pub fn array(a: &Array) -> Value {
    let values: Vec<Value> = a.iter().map(float).collect();
    match a.dtype() {
        DType::F64 => json!({"dtype": "f64", "values": values}),
        DType::F32 => json!({"dtype": "f32", "values": values}),
        DType::U16 => {
            let codes: Vec<Value> = a.iter().map(|c| json!(c as u64)).collect();
            json!({"dtype": "u16", "codes": codes})
        }
        DType::U8 => {
            let codes: Vec<Value> = a.iter().map(|c| json!(c as u64)).collect();
            json!({"dtype": "u8", "codes": codes})
        }
    }
}

fn read_array(v: &Value) -> Read<Array> {
    let bytes: Vec<u8> = match text(v, "dtype")?.as_str() {
        "f64" => list(v, "values")?
            .iter()
            .map(read_float)
            .collect::<Read<Vec<f64>>>()?
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
        "f32" => list(v, "values")?
            .iter()
            .map(read_float)
            .collect::<Read<Vec<f64>>>()?
            .iter()
            .flat_map(|&x| (x as f32).to_le_bytes())
            .collect(),
        "u16" => list(v, "codes")?
            .iter()
            .map(|c| {
                c.as_u64()
                    .and_then(|c| u16::try_from(c).ok())
                    .ok_or_else(|| format!("{c} is not a u16 code"))
            })
            .collect::<Read<Vec<u16>>>()?
            .iter()
            .flat_map(|c| c.to_le_bytes())
            .collect(),
        "u8" => list(v, "codes")?
            .iter()
            .map(|c| {
                c.as_u64()
                    .and_then(|c| u8::try_from(c).ok())
                    .ok_or_else(|| format!("{c} is not a u8 code"))
            })
            .collect::<Read<Vec<u8>>>()?,
        other => return Err(format!("unknown dtype {other:?}")),
    };
    let dtype = match text(v, "dtype")?.as_str() {
        "f64" => DType::F64,
        "f32" => DType::F32,
        "u8" => DType::U8,
        _ => DType::U16,
    };
    Array::from_le_bytes(dtype, Bytes::from(bytes)).map_err(|e| e.to_string())
}

fn options(o: &ChannelOptions) -> Value {
    json!({
        "title": o.title,
        "x_label": o.x_label,
        "y_label": o.y_label,
        "x_scale": scale(o.x_scale),
        "y_scale": scale(o.y_scale),
        "x_range": pair(o.x_range),
        "y_range": pair(o.y_range),
        "cell": o.cell.map_or(Value::Null, |c| json!({
            "row": c.row, "col": c.col, "rows": c.rows, "cols": c.cols,
        })),
        "colormap": o.colormap,
        "history_points": o.history_points,
        "link_x": o.link_x,
        "value_label": o.value_label,
        "extent": o.extent.map_or(Value::Null, |e| json!(e.map(float))),
        "tile": o.tile.map_or(Value::Null, |t| json!(t)),
    })
}

fn read_options(v: &Value) -> Read<ChannelOptions> {
    let cell = field(v, "cell")?;
    let extent = field(v, "extent")?;
    let tile = field(v, "tile")?;
    Ok(ChannelOptions {
        title: text(v, "title")?,
        x_label: text(v, "x_label")?,
        y_label: text(v, "y_label")?,
        x_scale: read_scale(v, "x_scale")?,
        y_scale: read_scale(v, "y_scale")?,
        x_range: read_pair(field(v, "x_range")?)?,
        y_range: read_pair(field(v, "y_range")?)?,
        cell: if cell.is_null() {
            None
        } else {
            Some(GridCell {
                row: small(cell, "row")?,
                col: small(cell, "col")?,
                rows: small(cell, "rows")?,
                cols: small(cell, "cols")?,
            })
        },
        colormap: text(v, "colormap")?,
        history_points: small(v, "history_points")?,
        link_x: text(v, "link_x")?,
        value_label: text(v, "value_label")?,
        extent: if extent.is_null() {
            None
        } else {
            Some(floats::<4>(extent)?)
        },
        tile: if tile.is_null() {
            None
        } else {
            let t = tile
                .as_array()
                .ok_or_else(|| format!("tile {tile} is not an array"))?
                .iter()
                .map(|n| n.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect::<Option<Vec<u32>>>()
                .and_then(|t| <[u32; 4]>::try_from(t).ok());
            Some(t.ok_or_else(|| format!("tile {tile} is not four u32"))?)
        },
    })
}

fn lod(l: &Lod) -> Value {
    json!({
        "source_values": l.source_values,
        "grid": l.grid.map_or(Value::Null, |g| json!({
            "full_nx": g.full_nx, "full_ny": g.full_ny,
            "x0": g.x0, "x1": g.x1, "y0": g.y0, "y1": g.y1,
        })),
        "replace": l.replace,
        "ends": l.ends,
    })
}

fn read_lod(v: &Value) -> Read<Lod> {
    let grid = field(v, "grid")?;
    Ok(Lod {
        source_values: uint(v, "source_values")?,
        grid: if grid.is_null() {
            None
        } else {
            Some(GridWindow {
                full_nx: small(grid, "full_nx")?,
                full_ny: small(grid, "full_ny")?,
                x0: small(grid, "x0")?,
                x1: small(grid, "x1")?,
                y0: small(grid, "y0")?,
                y1: small(grid, "y1")?,
            })
        },
        replace: flag(v, "replace")?,
        ends: list(v, "ends")?
            .iter()
            .map(|e| e.as_u64().ok_or_else(|| format!("end {e} is not a u64")))
            .collect::<Read<_>>()?,
    })
}

/// A Data frame's description, with the codec its payload travels in
/// (the decoded [`Frame`] does not say).
pub fn frame(f: &Frame, codec: u8) -> Value {
    let parts: Vec<Value> = f
        .parts
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "first_index": p.first_index,
                "x": p.x.as_ref().map_or(Value::Null, array),
                "y": array(&p.y),
            })
        })
        .collect();
    json!({"data": {
        "channel": f.channel,
        "seq": f.seq,
        "timestamp_us": f.timestamp_us,
        "kind": kind_name(f.kind),
        "nx": f.nx,
        "ny": f.ny,
        "range": pair(f.range),
        "parts": parts,
        "lod": f.lod.as_ref().map_or(Value::Null, lod),
        "codec": codec,
    }})
}

fn read_frame(v: &Value) -> Read<(Frame, u8)> {
    let parts = list(v, "parts")?
        .iter()
        .map(|p| {
            let x = field(p, "x")?;
            Ok(Part {
                name: text(p, "name")?,
                first_index: uint(p, "first_index")?,
                x: if x.is_null() {
                    None
                } else {
                    Some(read_array(x)?)
                },
                y: read_array(field(p, "y")?)?,
            })
        })
        .collect::<Read<Vec<Part>>>()?;
    let lod_v = field(v, "lod")?;
    let frame = Frame {
        channel: small(v, "channel")?,
        seq: uint(v, "seq")?,
        timestamp_us: uint(v, "timestamp_us")?,
        kind: read_kind(v, "kind")?,
        nx: small(v, "nx")?,
        ny: small(v, "ny")?,
        range: read_pair(field(v, "range")?)?,
        parts,
        lod: if lod_v.is_null() {
            None
        } else {
            Some(read_lod(lod_v)?)
        },
    };
    Ok((frame, small(v, "codec")?))
}

/// The description of a message; Data frames are described with codec 0
/// (use [`frame`] for another).
pub fn message(m: &Message) -> Value {
    match m {
        Message::Hello(h) => json!({"hello": {
            "version": h.version,
            "token": h.token,
            "peer_name": h.peer_name,
            "codecs": h.codecs,
            "overview": h.overview.map(|o| json!({"width_px": o.width_px, "height_px": o.height_px})),
        }}),
        Message::Welcome(w) => json!({"welcome": {
            "version": w.version,
            "server_name": w.server_name,
            "session_id": w.session_id,
            "heartbeat_interval_ms": w.heartbeat_interval_ms,
            "heartbeat_timeout_ms": w.heartbeat_timeout_ms,
            "codec": w.codec,
        }}),
        Message::Reject(r) => json!({"reject": {
            "code": r.code as u8,
            "reason": r.reason,
            "server_version": r.server_version,
        }}),
        Message::Layout(l) => {
            let channels: Vec<Value> = l
                .channels
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id,
                        "name": c.name,
                        "kind": kind_name(c.kind),
                        "plot_type": c.plot_type,
                        "options": options(&c.options),
                    })
                })
                .collect();
            json!({"layout": {"title": l.title, "columns": l.columns, "channels": channels}})
        }
        Message::Data(f) => frame(f, 0),
        Message::BatchEnd(b) => json!({"batch_end": {
            "batch": b.batch,
            "server_time_us": b.server_time_us,
            "frames": b.frames,
            "skipped": b.skipped,
        }}),
        Message::Ready(r) => json!({"ready": {"batch": r.batch, "interval_us": r.interval_us}}),
        Message::Ack(a) => json!({"ack": {"received_bytes": a.received_bytes}}),
        Message::View(v) => json!({"view": {
            "channel": v.channel,
            "x_px": v.x_px,
            "width_px": v.width_px,
            "height_px": v.height_px,
            "x_range": pair(v.x_range),
            "y_range": pair(v.y_range),
            "x_log": v.x_log,
            "y_log": v.y_log,
        }}),
        Message::Ping(p) => json!({"ping": {"nonce": p.nonce, "sent_us": p.sent_us}}),
        Message::Pong(p) => json!({"pong": {
            "nonce": p.nonce,
            "ping_sent_us": p.ping_sent_us,
            "received_us": p.received_us,
            "sent_us": p.sent_us,
        }}),
        Message::Goodbye(g) => json!({"goodbye": {"code": g.code as u8, "reason": g.reason}}),
    }
}

pub fn process_info(p: &ProcessInfo) -> Value {
    json!({"process_info": {
        "relay_version": p.relay_version,
        "protocol_version": p.protocol_version,
        "title": p.title,
        "process": p.process,
        "host": p.host,
        "pid": p.pid,
        "session_id": p.session_id,
        "started_us": p.started_us,
    }})
}

fn reject_code(code: u8) -> RejectCode {
    [
        RejectCode::BadToken,
        RejectCode::Version,
        RejectCode::Full,
        RejectCode::BadHandshake,
    ]
    .into_iter()
    .find(|c| *c as u8 == code)
    .unwrap_or(RejectCode::Other)
}

fn goodbye_code(code: u8) -> GoodbyeCode {
    [
        GoodbyeCode::Normal,
        GoodbyeCode::ComputationEnded,
        GoodbyeCode::ProtocolError,
        GoodbyeCode::Timeout,
        GoodbyeCode::Interrupted,
    ]
    .into_iter()
    .find(|c| *c as u8 == code)
    .unwrap_or(GoodbyeCode::Other)
}

/// An item read back from its description (`{"<kind>": {fields}}`), with
/// the codec of a Data frame's payload (0 for everything else).
pub fn read_item(v: &Value) -> Read<(Item, u8)> {
    let obj = v.as_object().filter(|o| o.len() == 1);
    let Some((kind, f)) = obj.and_then(|o| o.iter().next()) else {
        return Err(format!("{v} is not an object with one key"));
    };
    let message = match kind.as_str() {
        "hello" => Message::Hello(Hello {
            version: small(f, "version")?,
            token: match field(f, "token")? {
                Value::Null => None,
                _ => Some(text(f, "token")?),
            },
            peer_name: text(f, "peer_name")?,
            codecs: small(f, "codecs")?,
            overview: match field(f, "overview")? {
                Value::Null => None,
                o => Some(Overview {
                    width_px: small(o, "width_px")?,
                    height_px: small(o, "height_px")?,
                }),
            },
        }),
        "welcome" => Message::Welcome(Welcome {
            version: small(f, "version")?,
            server_name: text(f, "server_name")?,
            session_id: uint(f, "session_id")?,
            heartbeat_interval_ms: small(f, "heartbeat_interval_ms")?,
            heartbeat_timeout_ms: small(f, "heartbeat_timeout_ms")?,
            codec: small(f, "codec")?,
        }),
        "reject" => Message::Reject(Reject {
            code: reject_code(small(f, "code")?),
            reason: text(f, "reason")?,
            server_version: small(f, "server_version")?,
        }),
        "layout" => Message::Layout(Layout {
            title: text(f, "title")?,
            columns: small(f, "columns")?,
            channels: list(f, "channels")?
                .iter()
                .map(|c| {
                    Ok(ChannelSpec {
                        id: small(c, "id")?,
                        name: text(c, "name")?,
                        kind: read_kind(c, "kind")?,
                        plot_type: text(c, "plot_type")?,
                        options: read_options(field(c, "options")?)?,
                    })
                })
                .collect::<Read<_>>()?,
        }),
        "data" => {
            let (frame, codec) = read_frame(f)?;
            return Ok((Item::Message(Message::Data(frame)), codec));
        }
        "batch_end" => Message::BatchEnd(BatchEnd {
            batch: uint(f, "batch")?,
            server_time_us: uint(f, "server_time_us")?,
            frames: small(f, "frames")?,
            skipped: uint(f, "skipped")?,
        }),
        "ready" => Message::Ready(Ready {
            batch: uint(f, "batch")?,
            interval_us: small(f, "interval_us")?,
        }),
        "ack" => Message::Ack(Ack {
            received_bytes: uint(f, "received_bytes")?,
        }),
        "view" => Message::View(View {
            channel: small(f, "channel")?,
            x_px: field(f, "x_px")?
                .as_i64()
                .and_then(|x| i32::try_from(x).ok())
                .ok_or("x_px is not an i32")?,
            width_px: small(f, "width_px")?,
            height_px: small(f, "height_px")?,
            x_range: read_pair(field(f, "x_range")?)?,
            y_range: read_pair(field(f, "y_range")?)?,
            x_log: flag(f, "x_log")?,
            y_log: flag(f, "y_log")?,
        }),
        "ping" => Message::Ping(Ping {
            nonce: uint(f, "nonce")?,
            sent_us: uint(f, "sent_us")?,
        }),
        "pong" => Message::Pong(Pong {
            nonce: uint(f, "nonce")?,
            ping_sent_us: uint(f, "ping_sent_us")?,
            received_us: uint(f, "received_us")?,
            sent_us: uint(f, "sent_us")?,
        }),
        "goodbye" => Message::Goodbye(Goodbye {
            code: goodbye_code(small(f, "code")?),
            reason: text(f, "reason")?,
        }),
        "process_info" => {
            return Ok((
                Item::ProcessInfo(ProcessInfo {
                    relay_version: small(f, "relay_version")?,
                    protocol_version: small(f, "protocol_version")?,
                    title: text(f, "title")?,
                    process: text(f, "process")?,
                    host: text(f, "host")?,
                    pid: small(f, "pid")?,
                    session_id: uint(f, "session_id")?,
                    started_us: uint(f, "started_us")?,
                }),
                0,
            ))
        }
        other => return Err(format!("unknown message {other:?}")),
    };
    Ok((Item::Message(message), 0))
}

/// What a decoder gives for a description: u16 and u8 arrays become the f32
/// values they stand for (`decoded`), and a Data frame's codec, which
/// decoding does not return, is left out.
pub fn as_decoded(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
        data.remove("codec");
        for part in data
            .get_mut("parts")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for axis in ["x", "y"] {
                let Some(a) = part.get_mut(axis) else {
                    continue;
                };
                if a.get("dtype") == Some(&json!("u16")) || a.get("dtype") == Some(&json!("u8")) {
                    let decoded = a.get("decoded").cloned().unwrap_or(Value::Null);
                    *a = json!({"dtype": "f32", "values": decoded});
                }
            }
        }
    }
    v
}

/// A decoded item's description, in the form [`as_decoded`] gives.
pub fn decoded(item: &Item) -> Value {
    match item {
        Item::Message(m) => as_decoded(&message(m)),
        Item::ProcessInfo(p) => process_info(p),
    }
}

/// JSON text: objects one key a line, arrays of plain values on one line
/// (numbers read more easily in rows), two spaces of indentation.
pub fn to_text(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out.push('\n');
    out
}

fn write(v: &Value, depth: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            let last = map.len() - 1;
            for (i, (k, item)) in map.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write(item, depth + 1, out);
                out.push_str(if i == last { "\n" } else { ",\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            out.push_str("[\n");
            let last = items.len() - 1;
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write(item, depth + 1, out);
                out.push_str(if i == last { "\n" } else { ",\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push('[');
            out.push_str(&texts.join(", "));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// An object from pairs, for the descriptions' outer fields.
pub fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Map<String, Value>>(),
    )
}
