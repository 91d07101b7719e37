//! Frames as one viewer needs them: reduced to its view (see [`reduce`])
//! and compressed with its codec, prepared on a blocking thread of the
//! network runtime and shared through a small cache per channel
//! (`lod_cache.rs`), so viewers with the same view and codec get the same
//! bytes: encode once still holds for reduced and compressed frames.
//!
//! [`reduce`]: crate::reduce

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use plotcast_protocol::{
    compress_data, decode, encode_data, ArrayRef, ChannelKind, Frame, FrameRef, Lod, Message,
    PartRef, ProtocolError, View, CODEC_NONE, LENGTH_PREFIX_BYTES,
};

use crate::heatmap_blocks::finite_extent;
use crate::hub::Channel;
use crate::precision::Precision;
use crate::reduce::{quantise, reduce_heatmap, reduce_lines, reduce_scatter, Xy};
use crate::series::GatheredPart;

/// One more reduction of `channel`'s, begun at `started`, in its
/// statistics.
fn counted(channel: &Channel, started: Instant) {
    channel.reductions.fetch_add(1, Ordering::Relaxed);
    let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    channel.reducing_ns.fetch_add(ns, Ordering::Relaxed);
}

/// A snapshot channel's newest frame (`frame`, as published) prepared for
/// a viewer's `view` (reduced when that pays) and `codec`. Runs on a
/// blocking thread; counts its reductions in the channel's statistics.
pub(crate) fn prepare_snapshot(
    channel: &Channel,
    frame: &Bytes,
    view: Option<&View>,
    codec: u8,
    precision: Precision,
) -> Result<Bytes, ProtocolError> {
    // Over a compressed (slow) link a reduced heatmap travels as 16-bit
    // codes: half the bytes of f32, and still 256 times finer than the
    // colormap; over a link that cannot carry the values at the drawing
    // rate, an unreduced one too (a quarter of f64).
    let code_bits = match precision {
        Precision::Auto => (codec != CODEC_NONE).then_some(16),
        Precision::Coded => Some(16),
        Precision::Coarse => Some(8),
        Precision::Exact => None,
    };
    let started = Instant::now();
    let reduced = match view.filter(|v| !v.is_full()) {
        Some(view) => reduce_snapshot(channel, frame, view, code_bits)?,
        None => None,
    };
    if reduced.is_some() {
        counted(channel, started);
    }
    let coded = match reduced {
        None => {
            match code_bits.filter(|_| matches!(precision, Precision::Coded | Precision::Coarse)) {
                Some(bits) => code_heatmap(channel, frame, bits)?,
                None => None,
            }
        }
        Some(_) => None,
    };
    let bytes = reduced.or(coded).unwrap_or_else(|| frame.clone());
    compress(bytes, codec)
}

/// A heatmap frame with its values as `bits`-bit codes over its colour range
/// (the fixed one, or the data's), its size unchanged; `None` for another
/// kind or a grid with no finite value.
fn code_heatmap(
    channel: &Channel,
    frame: &Bytes,
    bits: u8,
) -> Result<Option<Bytes>, ProtocolError> {
    let f = decoded(frame)?;
    let Some(part) = f.parts.first().filter(|_| f.kind == ChannelKind::Heatmap) else {
        return Ok(None);
    };
    let values = part.y.to_f64();
    // A flat grid gets a range around its value, as the viewer draws it.
    let own = || {
        finite_extent(&values).map(|(lo, hi)| {
            if lo < hi {
                (lo, hi)
            } else {
                (lo - 0.5, lo + 0.5)
            }
        })
    };
    let Some(range) = f.range.or(channel.fixed_range).or_else(own) else {
        return Ok(None);
    };
    let codes = quantise(&values, range, bits);
    let parts = [PartRef {
        name: "",
        first_index: 0,
        x: None,
        y: codes.array(),
    }];
    let mut out = BytesMut::new();
    encode_data(
        &FrameRef {
            nx: f.nx,
            ny: f.ny,
            range: Some(range),
            lod: f.lod.as_ref(),
            ..FrameRef::new(f.channel, f.seq, f.timestamp_us, f.kind, &parts)
        },
        &mut out,
    )?;
    Ok(Some(out.freeze()))
}

/// Compresses a data frame when the viewer reads `codec` and it pays.
pub(crate) fn compress(frame: Bytes, codec: u8) -> Result<Bytes, ProtocolError> {
    if codec == CODEC_NONE {
        return Ok(frame);
    }
    Ok(compress_data(&frame)?.unwrap_or(frame))
}

fn decoded(frame: &Bytes) -> Result<Frame, ProtocolError> {
    match decode(frame.slice(LENGTH_PREFIX_BYTES.min(frame.len())..))? {
        Message::Data(f) => Ok(f),
        other => Err(ProtocolError::Invalid {
            what: "stored frame",
            reason: format!("a {} message where data was expected", other.name()),
        }),
    }
}

/// A part's values, borrowed from the frame where they can be.
type Values<'a> = Cow<'a, [f64]>;

/// The reduced frame, or `None` when the data is small enough already.
fn reduce_snapshot(
    channel: &Channel,
    frame: &Bytes,
    view: &View,
    code_bits: Option<u8>,
) -> Result<Option<Bytes>, ProtocolError> {
    let f = decoded(frame)?;
    // Borrowed from the published frame where its f64 arrays are aligned
    // (they are: the payload starts on a multiple of 8): a copy of tens of
    // megabytes per view cost more than the reduction itself.
    let arrays: Vec<(Option<Values<'_>>, Values<'_>)> = f
        .parts
        .iter()
        .map(|p| (p.x.as_ref().map(|x| x.to_f64()), p.y.to_f64()))
        .collect();
    let source_values: u64 = arrays
        .iter()
        .map(|(x, y)| (x.as_ref().map_or(0, |x| x.len()) + y.len()) as u64)
        .sum();
    let names: Vec<&str> = f.parts.iter().map(|p| p.name.as_str()).collect();
    let lod = |grid| Lod {
        source_values,
        grid,
        replace: false,
        ends: Vec::new(),
    };
    match f.kind {
        ChannelKind::Line => {
            let parts: Vec<(Option<&[f64]>, &[f64])> =
                arrays.iter().map(|(x, y)| (x.as_deref(), &y[..])).collect();
            let Some(reduced) = reduce_lines(&parts, view, 0.0, 0) else {
                return Ok(None);
            };
            encode_xy(&f, &names, &reduced, &lod(None)).map(Some)
        }
        ChannelKind::Scatter => {
            let parts: Vec<(&[f64], &[f64])> = arrays
                .iter()
                .filter_map(|(x, y)| Some((x.as_deref()?, &y[..])))
                .collect();
            let Some(reduced) = reduce_scatter(&parts, view) else {
                return Ok(None);
            };
            encode_xy(&f, &names, &reduced, &lod(None)).map(Some)
        }
        ChannelKind::Heatmap => {
            let Some((_, values)) = arrays.first() else {
                return Ok(None);
            };
            let range = f.range.or(channel.fixed_range);
            let Some(grid) = reduce_heatmap(values, f.nx, f.ny, view, channel.reduce, range) else {
                return Ok(None);
            };
            let lod = lod(Some(grid.window));
            // The colour range travels along only when the viewer would
            // otherwise take the data's own (a fixed range stays the
            // channel's) or when the values are codes over it.
            let codes = grid
                .range
                .zip(code_bits)
                .map(|(r, bits)| (r, quantise(&grid.values, r, bits)));
            let range = match &codes {
                Some((r, _)) => Some(*r),
                None if f.range.is_none() && channel.fixed_range.is_some() => None,
                None => grid.range,
            };
            let parts = [PartRef {
                name: "",
                first_index: 0,
                x: None,
                y: match &codes {
                    Some((_, codes)) => codes.array(),
                    None => ArrayRef::F32(&grid.values),
                },
            }];
            let mut out = BytesMut::new();
            encode_data(
                &FrameRef {
                    nx: grid.nx,
                    ny: grid.ny,
                    range,
                    lod: Some(&lod),
                    ..FrameRef::new(f.channel, f.seq, f.timestamp_us, f.kind, &parts)
                },
                &mut out,
            )?;
            Ok(Some(out.freeze()))
        }
        // Custom channels are drawn by code the server cannot know: never
        // reduced (see PROTOCOL.md).
        ChannelKind::Bars | ChannelKind::Series | ChannelKind::Custom => Ok(None),
    }
}

/// Encodes reduced x/y parts in the place of `f`'s.
fn encode_xy(f: &Frame, names: &[&str], reduced: &[Xy], lod: &Lod) -> Result<Bytes, ProtocolError> {
    let parts: Vec<PartRef<'_>> = names
        .iter()
        .zip(reduced)
        .map(|(name, (x, y))| PartRef {
            name,
            first_index: 0,
            x: Some(ArrayRef::F64(x)),
            y: ArrayRef::F64(y),
        })
        .collect();
    let mut out = BytesMut::new();
    encode_data(
        &FrameRef {
            lod: Some(lod),
            ..FrameRef::new(f.channel, f.seq, f.timestamp_us, f.kind, &parts)
        },
        &mut out,
    )?;
    Ok(out.freeze())
}

/// An append channel's whole window, reduced for `view`, as a frame that
/// replaces the viewer's history; compressed for `codec`.
pub(crate) fn prepare_series_replace(
    channel: &Channel,
    seq: u64,
    timestamp_us: u64,
    gathered: &[GatheredPart],
    view: &View,
    codec: u8,
) -> Result<Bytes, ProtocolError> {
    let parts: Vec<(Option<&[f64]>, &[f64])> = gathered
        .iter()
        .map(|p| (Some(p.t.as_slice()), p.y.as_slice()))
        .collect();
    // A zoomed series may be following its newest data: one more plot
    // width to the right in detail (see `reduce_lines`).
    let started = Instant::now();
    let reduced = reduce_lines(&parts, view, 0.0, view.width_px);
    if reduced.is_some() {
        counted(channel, started);
    }
    let source_values = gathered.iter().map(|p| 2 * p.y.len() as u64).sum();
    let lod = Lod {
        source_values,
        grid: None,
        replace: true,
        ends: gathered
            .iter()
            .map(|p| p.first_index + p.y.len() as u64)
            .collect(),
    };
    let refs: Vec<PartRef<'_>> = gathered
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (t, y) = match &reduced {
                Some(r) => (r[k].0.as_slice(), r[k].1.as_slice()),
                None => (p.t.as_slice(), p.y.as_slice()),
            };
            PartRef {
                name: &p.name,
                first_index: p.first_index,
                x: Some(ArrayRef::F64(t)),
                y: ArrayRef::F64(y),
            }
        })
        .collect();
    let mut out = BytesMut::new();
    encode_data(
        &FrameRef {
            lod: Some(&lod),
            ..FrameRef::new(channel.id, seq, timestamp_us, ChannelKind::Series, &refs)
        },
        &mut out,
    )?;
    compress(out.freeze(), codec)
}
