//! The values the relay stores, made from the hub's frames: message bodies
//! (the wire frame after its length prefix), compressed with LZ4 over
//! shuffled bytes when that is smaller (codec 1), and for a frame that
//! would not fit in one NATS message, an overview reduced with the level of
//! detail code the direct path uses (`lod.rs`, `reduce.rs`):
//!
//! ```text
//! heatmap   ≤ 512 × 512 cells as u16 codes     (then 256², 128², 64² if still too long)
//! line      8192 pixel columns                  (then 4096 … 512)
//! scatter   one point per pixel of 512 × 512    (then 256² …)
//! others    not reducible: not relayed, counted as failed
//! ```
//!
//! Pure functions, run on a blocking thread of the network runtime.

use bytes::{Bytes, BytesMut};
use plotcast_protocol::relay::MAX_MESSAGE_BYTES;
use plotcast_protocol::{ChannelKind, ProtocolError, View, CODEC_LZ4_SHUFFLE, LENGTH_PREFIX_BYTES};

use crate::hub::Channel;
use crate::lod::{compress, prepare_snapshot};
use crate::series::SeriesSnapshot;

/// Cells per side of a heatmap's overview (and pixels per side of a
/// scatter's).
pub(crate) const OVERVIEW_CELLS: u32 = 512;

/// Pixel columns of a line's overview.
pub(crate) const OVERVIEW_COLUMNS: u32 = 8192;

/// Smaller overviews tried, each half the last, when one is still too long
/// (many traces, incompressible data).
const OVERVIEW_HALVINGS: u32 = 4;

/// A frame's body: the bytes after its length prefix.
pub(crate) fn body(frame: &Bytes) -> Bytes {
    frame.slice(LENGTH_PREFIX_BYTES.min(frame.len())..)
}

/// What a snapshot channel's frame becomes in the bucket.
#[derive(Debug)]
pub(crate) enum SnapshotValue {
    /// The frame, compressed when that pays.
    Whole(Bytes),
    /// The frame reduced to an overview (its `lod` says so).
    Overview(Bytes),
    /// Longer than a message even reduced (or not reducible): this many
    /// bytes compressed.
    TooLarge(usize),
}

/// The bucket value of `frame`, a wire frame of `channel`.
///
/// # Errors
/// [`ProtocolError`] when the frame cannot be compressed or reduced.
pub(crate) fn snapshot_value(
    channel: &Channel,
    frame: &Bytes,
) -> Result<SnapshotValue, ProtocolError> {
    let whole = body(&compress(frame.clone(), CODEC_LZ4_SHUFFLE)?);
    if whole.len() <= MAX_MESSAGE_BYTES {
        return Ok(SnapshotValue::Whole(whole));
    }
    for view in overview_views(channel.kind, channel.id) {
        let reduced = body(&prepare_snapshot(
            channel,
            frame,
            Some(&view),
            CODEC_LZ4_SHUFFLE,
        )?);
        if reduced.len() <= MAX_MESSAGE_BYTES {
            return Ok(SnapshotValue::Overview(reduced));
        }
    }
    Ok(SnapshotValue::TooLarge(whole.len()))
}

/// The views an overview of a `kind` channel is reduced for, largest
/// first.
fn overview_views(kind: ChannelKind, channel: u32) -> Vec<View> {
    let view = |width_px, height_px| View {
        width_px,
        height_px,
        ..View::full(channel)
    };
    let halvings = 0..=OVERVIEW_HALVINGS;
    match kind {
        ChannelKind::Heatmap | ChannelKind::Scatter => halvings
            .map(|k| view(OVERVIEW_CELLS >> k, OVERVIEW_CELLS >> k))
            .collect(),
        ChannelKind::Line => halvings
            .map(|k| view(OVERVIEW_COLUMNS >> k, OVERVIEW_CELLS))
            .collect(),
        ChannelKind::Bars | ChannelKind::Series | ChannelKind::Custom => Vec::new(),
    }
}

/// A chunk of an append series: the points of `snapshot` as one Data
/// body, compressed when that pays.
///
/// # Errors
/// [`ProtocolError`] when it cannot be encoded.
pub(crate) fn series_chunk(
    snapshot: &SeriesSnapshot,
    channel: u32,
    seq: u64,
    timestamp_us: u64,
) -> Result<Bytes, ProtocolError> {
    let mut out = BytesMut::new();
    snapshot.encode(channel, seq, timestamp_us, &mut out)?;
    Ok(body(&compress(out.freeze(), CODEC_LZ4_SHUFFLE)?))
}
