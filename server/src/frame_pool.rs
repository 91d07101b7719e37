//! The buffers of lent frames (see `lent_frame.rs`): a channel's pool of
//! them, a published frame's bytes as viewers are sent them, and its
//! values as the computation keeps reading them. A leaf.

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use plotcast_protocol::util::lock;

/// Room before the values for the frame's prefix, in `f64`s: 256 bytes,
/// where a heatmap's or an unnamed line's prefix takes under 100.
pub(crate) const PREFIX_SLOTS: usize = 32;

/// A channel's buffer that no frame holds any more.
#[derive(Debug, Default)]
pub(crate) struct FramePool(Mutex<Option<Vec<f64>>>);

impl FramePool {
    /// A buffer for `values` values after the prefix room: the spare one
    /// if it has that size, else a fresh one (zeros).
    pub(crate) fn take(&self, values: usize) -> Vec<f64> {
        let len = PREFIX_SLOTS + values;
        match lock(&self.0).take() {
            Some(buf) if buf.len() == len => buf,
            _ => vec![0.0; len],
        }
    }

    fn put(&self, buf: Vec<f64>) {
        lock(&self.0).get_or_insert(buf);
    }
}

/// The buffer of a published frame, shared by the channel's frame (the
/// bytes viewers are sent) and the computation's [`Published`] view.
#[derive(Debug)]
pub(crate) struct Lent {
    buf: Vec<f64>,
    pool: Arc<FramePool>,
}

impl Drop for Lent {
    fn drop(&mut self) {
        self.pool.put(std::mem::take(&mut self.buf));
    }
}

impl Lent {
    /// The values of `buf` (prefix room first), to go back to `pool`.
    pub(crate) fn new(buf: Vec<f64>, pool: Arc<FramePool>) -> Arc<Self> {
        Arc::new(Self { buf, pool })
    }

    /// The frame's bytes from `start` (where its prefix begins) on.
    pub(crate) fn bytes(self: &Arc<Self>, start: usize) -> Bytes {
        Bytes::from_owner(LentBytes(Arc::clone(self))).slice(start..)
    }
}

/// The frame's bytes, as `Bytes` viewers are sent.
struct LentBytes(Arc<Lent>);

impl AsRef<[u8]> for LentBytes {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0.buf)
    }
}

/// The values of a frame published from a [`FrameBuffer`](crate::FrameBuffer), readable for as
/// long as it is kept (its buffer is reused only after this and every
/// viewer's copy are dropped).
#[derive(Debug, Clone)]
pub struct Published(pub(crate) Arc<Lent>);

impl Deref for Published {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        &self.0.buf[PREFIX_SLOTS..]
    }
}
