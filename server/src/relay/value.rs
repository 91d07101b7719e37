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
use crate::precision::Precision;
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
            Precision::Auto,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::relay::value::*;

    use crate::hub::Hub;
    use crate::reduce::HeatmapReduce;
    use plotcast_protocol::{
        decode, encode_data, ArrayRef, ChannelSpec, FrameRef, Message, PartRef,
    };

    /// A channel of `kind` and a frame of it holding `y` (as one trace).
    fn frame_of(kind: ChannelKind, y: &[f64]) -> (std::sync::Arc<Channel>, Bytes) {
        let hub = Hub::new("t".into(), 0, 1, 10, None);
        let channel = hub
            .channel(ChannelSpec::new(0, "c", kind), HeatmapReduce::default())
            .unwrap();
        let parts = [PartRef {
            name: "",
            first_index: 0,
            x: None,
            y: ArrayRef::F64(y),
        }];
        let mut out = BytesMut::new();
        encode_data(&FrameRef::new(0, 1, 0, kind, &parts), &mut out).unwrap();
        (channel, out.freeze())
    }

    fn noise(n: usize) -> Vec<f64> {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as f64
            })
            .collect()
    }

    #[test]
    fn short_frames_are_put_whole_and_smooth_ones_compressed() {
        let (channel, frame) = frame_of(ChannelKind::Line, &[1.0, 2.0, 3.0]);
        let SnapshotValue::Whole(value) = snapshot_value(&channel, &frame).unwrap() else {
            panic!("a short frame is put whole")
        };
        assert_eq!(value, body(&frame), "not worth compressing: as it is");
        let smooth: Vec<f64> = (0..200_000).map(|i| f64::from(i / 1000)).collect();
        let (channel, frame) = frame_of(ChannelKind::Line, &smooth);
        let SnapshotValue::Whole(value) = snapshot_value(&channel, &frame).unwrap() else {
            panic!("1.6 MB that compress well fit in a message")
        };
        assert!(value.len() < MAX_MESSAGE_BYTES && frame.len() > MAX_MESSAGE_BYTES);
        let Message::Data(decoded) = decode(value).unwrap() else {
            panic!("data")
        };
        assert_eq!(decoded.parts[0].y.len(), 200_000);
    }

    #[test]
    fn a_long_line_becomes_an_overview_and_long_bars_are_too_large() {
        let (channel, frame) = frame_of(ChannelKind::Line, &noise(1_000_000));
        let SnapshotValue::Overview(value) = snapshot_value(&channel, &frame).unwrap() else {
            panic!("8 MB of noise is reduced")
        };
        assert!(value.len() <= MAX_MESSAGE_BYTES);
        let Message::Data(decoded) = decode(value).unwrap() else {
            panic!("data")
        };
        assert!(decoded.lod.is_some(), "an overview says so");
        let kept = decoded.parts[0].y.len();
        assert!(kept <= 4 * (OVERVIEW_COLUMNS as usize + 2), "{kept} points");
        let (channel, frame) = frame_of(ChannelKind::Bars, &noise(200_000));
        assert!(matches!(
            snapshot_value(&channel, &frame).unwrap(),
            SnapshotValue::TooLarge(n) if n > MAX_MESSAGE_BYTES
        ));
    }
}
