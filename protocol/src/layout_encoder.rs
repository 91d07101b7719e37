//! A layout encoded one channel at a time, for a server whose computation
//! adds channels as it goes.
//!
//! ```text
//! layout header := title | columns | count | spec × count     (bincode)
//!                  └ head, encoded once ┘        └ each encoded once, appended
//! ```
//!
//! Encoding the whole [`Layout`] for every channel added costs time
//! quadratic in the channels (minutes for 20 000); here each channel is
//! encoded once, and the frame is assembled from those bytes when it is
//! asked for. The bytes are exactly those of `encode(&Message::Layout(..))`.
//! A channel that would make the header longer than [`MAX_HEADER_BYTES`]
//! is refused, so a server never announces a layout its viewers must
//! refuse.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{header_bytes, no_payload, write_frame};
use crate::custom::check_spec_plot_type;
use crate::layout::ChannelSpecWire;
use crate::message::tag;
use crate::{ChannelSpec, ProtocolError, MAX_HEADER_BYTES};

/// A layout's header, one channel at a time.
#[derive(Debug, Clone)]
pub struct LayoutEncoder {
    /// Title and columns.
    head: Vec<u8>,
    /// The channels' specs, each encoded, in order.
    specs: Vec<u8>,
    channels: u64,
}

impl LayoutEncoder {
    /// A layout without channels.
    pub fn new(title: &str, columns: u16) -> Self {
        Self {
            head: header_bytes("layout", &(title, columns))
                .expect("a string and a u16 always encode into memory"),
            specs: Vec::new(),
            channels: 0,
        }
    }

    /// Adds a channel at the end, unless the layout would then be too
    /// large to send; on error nothing changes.
    ///
    /// # Errors
    /// [`ProtocolError::HeaderTooLarge`] when the header would be longer
    /// than [`MAX_HEADER_BYTES`] (`len` says how long); the plot-type rule
    /// of [`crate::custom`] as [`ProtocolError::Invalid`].
    pub fn push(&mut self, spec: &ChannelSpec) -> Result<(), ProtocolError> {
        check_spec_plot_type(spec.kind, &spec.plot_type)?;
        let bytes = header_bytes("layout", &ChannelSpecWire::from(spec))?;
        let len = self.head.len() + count_bytes(self.channels + 1) + self.specs.len() + bytes.len();
        if len > MAX_HEADER_BYTES {
            return Err(ProtocolError::HeaderTooLarge {
                what: "layout",
                len: len as u64,
                max: MAX_HEADER_BYTES as u64,
            });
        }
        self.specs.extend_from_slice(&bytes);
        self.channels += 1;
        Ok(())
    }

    /// Channels added.
    pub fn channels(&self) -> u64 {
        self.channels
    }

    /// Bytes of the header as it stands.
    pub fn header_len(&self) -> usize {
        self.head.len() + count_bytes(self.channels) + self.specs.len()
    }

    /// The complete `Layout` frame (length prefix included).
    ///
    /// # Errors
    /// [`ProtocolError::HeaderTooLarge`] when the title alone makes the
    /// header too long.
    pub fn frame(&self) -> Result<Bytes, ProtocolError> {
        let count = header_bytes("layout", &self.channels)?;
        let mut out = BytesMut::new();
        write_frame(
            &mut out,
            tag::LAYOUT,
            |o| {
                o.put_slice(&self.head);
                o.put_slice(&count);
                o.put_slice(&self.specs);
                Ok(())
            },
            0,
            no_payload,
        )?;
        Ok(out.freeze())
    }
}

/// Bytes of a count as a bincode varint.
fn count_bytes(count: u64) -> usize {
    match count {
        0..=250 => 1,
        251..=0xFFFF => 3,
        0x1_0000..=0xFFFF_FFFF => 5,
        _ => 9,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{encode, ChannelKind, Layout, Message};

    fn spec(id: u32) -> ChannelSpec {
        let mut spec = ChannelSpec::new(id, format!("channel {id}"), ChannelKind::Line);
        spec.options.y_label = "µ".repeat(id as usize % 7);
        spec
    }

    #[test]
    fn the_frame_is_the_encoded_layout_at_every_count_width() {
        let mut layout = Layout {
            title: "many".into(),
            columns: 3,
            channels: Vec::new(),
        };
        let mut encoder = LayoutEncoder::new("many", 3);
        let whole = |layout: &Layout| encode(&Message::Layout(layout.clone())).unwrap();
        assert_eq!(encoder.frame().unwrap(), whole(&layout));
        // Across the varint widths of the count (250 → 251; the next, at
        // 65 536 channels, is beyond the header limit).
        for id in 0..20_000u32 {
            layout.channels.push(spec(id));
            encoder.push(&spec(id)).unwrap();
            if matches!(id, 0 | 249 | 250 | 251 | 19_999) {
                let frame = encoder.frame().unwrap();
                assert_eq!(frame, whole(&layout), "{} channels", id + 1);
                assert_eq!(encoder.header_len(), header_len_of(&frame));
            }
        }
        assert_eq!(encoder.channels(), 20_000);
    }

    fn header_len_of(frame: &[u8]) -> usize {
        u32::from_le_bytes([frame[8], frame[9], frame[10], frame[11]]) as usize
    }

    #[test]
    fn a_channel_that_would_pass_the_limit_is_refused_and_changes_nothing() {
        let mut encoder = LayoutEncoder::new("t", 0);
        let mut n = 0;
        let err = loop {
            match encoder.push(&spec(n)) {
                Ok(()) => n += 1,
                Err(err) => break err,
            }
        };
        assert!(
            matches!(err, ProtocolError::HeaderTooLarge { what: "layout", len, max }
                if len > max && max == MAX_HEADER_BYTES as u64),
            "{err}"
        );
        assert_eq!(encoder.channels(), u64::from(n));
        let frame = encoder.frame().unwrap();
        assert!(encoder.header_len() <= MAX_HEADER_BYTES);
        // What it refused, a viewer could not have read.
        let mut layout = Layout {
            title: "t".into(),
            columns: 0,
            channels: (0..n).map(spec).collect(),
        };
        assert_eq!(frame, encode(&Message::Layout(layout.clone())).unwrap());
        layout.channels.push(spec(n));
        assert!(matches!(
            encode(&Message::Layout(layout)),
            Err(ProtocolError::HeaderTooLarge { .. })
        ));
        // A custom channel needs a valid plot type.
        let bad = ChannelSpec::custom(1, "c", "no spaces");
        assert!(matches!(
            LayoutEncoder::new("t", 0).push(&bad),
            Err(ProtocolError::Invalid { .. })
        ));
    }
}
