//! Frames a channel lends: the computation writes its values straight into
//! the buffer that goes to viewers, and publishing copies nothing.
//!
//! A lent buffer holds room for the frame's prefix (length, header,
//! padding) and then the values, as `f64`s so they are aligned for the
//! computation and for the level-of-detail reduction that reads them in
//! place. Publishing writes the prefix just before the values and hands
//! the whole buffer to the channel as its newest frame; the computation
//! may keep reading the values it published ([`Published`]). When neither
//! viewers nor the computation hold it any more, the buffer goes back to
//! the channel's pool for the next [`FrameBuffer`], so a frame of
//! megabytes does not fault in fresh pages every time.
//!
//! Adds [`Heatmap::frame`] and [`Line::frame`] to the handles of
//! `channel.rs`, whose claim of a sequence number and store it uses; the
//! buffers are `frame_pool.rs`'s.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use bytes::BytesMut;
use plotcast_protocol::{encode_data_prefix, ArrayRef, FrameRef};

use crate::channel::{part, Handle, Heatmap, Line};
use crate::frame_pool::{FramePool, Lent, Published, PREFIX_SLOTS};

/// A frame lent by a channel ([`Heatmap::frame`](crate::Heatmap::frame),
/// [`Line::frame`](crate::Line::frame)): write every value through it (it
/// dereferences to `[f64]`), then [`publish`](Self::publish). It holds the
/// values of an earlier frame of the channel (or zeros) until written.
///
/// ```no_run
/// # let server = plotcast::Server::builder().start().unwrap();
/// let heat = server.heatmap("field");
/// let (nx, ny) = (512, 256);
/// let mut frame = heat.frame(nx, ny);
/// for (k, v) in frame.iter_mut().enumerate() {
///     *v = (k % nx) as f64; // the computation's output, written in place
/// }
/// let published = frame.publish(); // nothing copied
/// assert_eq!(published[1], 1.0); // still readable by the computation
/// ```
#[derive(Debug)]
pub struct FrameBuffer {
    handle: Handle,
    nx: usize,
    ny: usize,
    buf: Vec<f64>,
    pool: Arc<FramePool>,
}

impl FrameBuffer {
    /// A frame of `values` values for `handle`'s channel (`nx`, `ny` as
    /// its publish takes them: a grid's size, 0 for a line).
    pub(crate) fn lend(
        handle: Handle,
        pool: Arc<FramePool>,
        nx: usize,
        ny: usize,
        values: usize,
    ) -> Self {
        let buf = pool.take(values);
        Self {
            handle,
            nx,
            ny,
            buf,
            pool,
        }
    }

    /// Publishes the values as the channel's newest frame, without copying
    /// them, and returns them for reading (the computation's next step
    /// may start from them). A publish the channel refuses (a grid too
    /// large to describe) is counted and logged as any other.
    pub fn publish(self) -> Published {
        let Self {
            handle,
            nx,
            ny,
            mut buf,
            pool,
        } = self;
        if handle.dropped_as_refused() {
            return Published(Lent::new(buf, pool));
        }
        let prefix = handle.claim(
            BytesMut::with_capacity(PREFIX_SLOTS * 8),
            |seq, timestamp_us, out| {
                let parts = [part(None, ArrayRef::F64(&buf[PREFIX_SLOTS..]))];
                let frame = FrameRef {
                    nx: u32::try_from(nx).unwrap_or(u32::MAX),
                    ny: u32::try_from(ny).unwrap_or(u32::MAX),
                    ..FrameRef::new(
                        handle.channel.id,
                        seq,
                        timestamp_us,
                        handle.channel.kind,
                        &parts,
                    )
                };
                encode_data_prefix(&frame, out)
            },
        );
        let Some((seq, prefix, ())) = prefix else {
            return Published(Lent::new(buf, pool));
        };
        let room = PREFIX_SLOTS * 8;
        // The values go out as they lie in memory, and the wire is
        // little-endian; a prefix never outgrows its room for the channels
        // that lend frames. Otherwise: correct, with a copy.
        if prefix.len() > room || cfg!(target_endian = "big") {
            handle.publish(
                nx,
                ny,
                None,
                &[part(None, ArrayRef::F64(&buf[PREFIX_SLOTS..]))],
            );
            return Published(Lent::new(buf, pool));
        }
        let start = room - prefix.len();
        bytemuck::cast_slice_mut::<f64, u8>(&mut buf[..PREFIX_SLOTS])[start..]
            .copy_from_slice(&prefix);
        let lent = Lent::new(buf, pool);
        handle.stored(seq, lent.bytes(start));
        Published(lent)
    }
}

impl Deref for FrameBuffer {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        &self.buf[PREFIX_SLOTS..]
    }
}

impl DerefMut for FrameBuffer {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.buf[PREFIX_SLOTS..]
    }
}

impl Heatmap {
    /// A frame of an `nx × ny` grid to write in place and publish without
    /// a copy (see [`FrameBuffer`]): for a computation that publishes
    /// large grids often, the copy `publish` makes is most of its cost.
    pub fn frame(&self, nx: usize, ny: usize) -> FrameBuffer {
        let values = nx.saturating_mul(ny);
        FrameBuffer::lend(self.0.clone(), self.0.frame_pool(), nx, ny, values)
    }
}

impl Line {
    /// A frame of `len` y values (against their index) to write in place
    /// and publish without a copy (see [`FrameBuffer`]).
    pub fn frame(&self, len: usize) -> FrameBuffer {
        FrameBuffer::lend(self.0.clone(), self.0.frame_pool(), 0, 0, len)
    }
}
