//! Data frames as tests write them: one call for the frame a test means,
//! the fields it does not care about at fixed values.
//!
//! ```
//! use plotcast_protocol::{ChannelKind, Frame};
//! use plotcast_testkit::frames::{frame, part};
//!
//! let ys = [1.0, 2.0, 3.0];
//! let f = Frame { seq: 7, ..frame(0, ChannelKind::Line, vec![part("a", None, &ys)]) };
//! assert_eq!((f.channel, f.seq, f.parts.len()), (0, 7, 1));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use plotcast_protocol::{ChannelKind, Frame, Part};

/// A frame's publish time unless a test says: one second after the epoch
/// (renders that show an age pin "now" to two seconds).
pub const PUBLISHED_US: u64 = 1_000_000;

/// Microseconds since the Unix epoch now.
pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// A trace: its name, its x values (`None`: the index) and its y values.
pub fn part(name: &str, x: Option<&[f64]>, y: &[f64]) -> Part {
    Part::from_f64(name, x, y)
}

/// The named arrays of a custom channel, a part each.
pub fn named_parts(arrays: &[(&str, &[f64])]) -> Vec<Part> {
    arrays
        .iter()
        .map(|(name, values)| part(name, None, values))
        .collect()
}

/// A frame of `channel`: sequence 1, published at [`PUBLISHED_US`], no
/// grid, no range, no level of detail. Struct update syntax sets the rest:
/// `Frame { nx, ny, ..frame(0, ChannelKind::Heatmap, parts) }`.
pub fn frame(channel: u32, kind: ChannelKind, parts: Vec<Part>) -> Frame {
    Frame::new(channel, 1, PUBLISHED_US, kind, parts)
}

/// A line frame of named traces against the index, with sequence `seq`.
pub fn lines_frame(channel: u32, seq: u64, traces: &[(&str, &[f64])]) -> Frame {
    Frame {
        seq,
        ..frame(channel, ChannelKind::Line, named_parts(traces))
    }
}

/// A heatmap frame of the given row-major values: sequence 1, no range.
pub fn grid_frame(channel: u32, nx: u32, ny: u32, values: &[f64]) -> Frame {
    Frame {
        nx,
        ny,
        ..frame(channel, ChannelKind::Heatmap, vec![part("", None, values)])
    }
}

/// A line frame: one unnamed trace of `ys` against the index.
pub fn line_frame(channel: u32, ys: &[f64]) -> Frame {
    frame(channel, ChannelKind::Line, vec![part("", None, ys)])
}

/// A custom channel's frame: an `nx × ny` grid (0 × 0: none) and named
/// arrays.
pub fn custom_frame(channel: u32, nx: u32, ny: u32, arrays: &[(&str, &[f64])]) -> Frame {
    Frame {
        nx,
        ny,
        ..frame(channel, ChannelKind::Custom, named_parts(arrays))
    }
}

/// A heatmap frame published now, range 0..1, with the values `f(col, row)`.
pub fn heatmap_frame(
    channel: u32,
    seq: u64,
    nx: u32,
    ny: u32,
    f: impl Fn(u32, u32) -> f64,
) -> Frame {
    let values: Vec<f64> = (0..ny)
        .flat_map(|row| (0..nx).map(move |col| (col, row)))
        .map(|(col, row)| f(col, row))
        .collect();
    Frame {
        seq,
        timestamp_us: unix_us(),
        nx,
        ny,
        range: Some((0.0, 1.0)),
        ..frame(channel, ChannelKind::Heatmap, vec![part("", None, &values)])
    }
}

/// A series frame published now: points `first..first + t.len()` at times
/// `t`, values `y`; its sequence number counts the points.
pub fn series_frame(channel: u32, first: u64, t: &[f64], y: &[f64]) -> Frame {
    let mut points = part("", Some(t), y);
    points.first_index = first;
    Frame {
        seq: first + t.len() as u64,
        timestamp_us: unix_us(),
        ..frame(channel, ChannelKind::Series, vec![points])
    }
}

/// The first value of a frame's first part.
///
/// # Panics
/// When the frame has no value.
pub fn first_value(frame: &Frame) -> f64 {
    frame
        .parts
        .first()
        .and_then(|p| p.y.iter().next())
        .expect("a non-empty frame")
}
