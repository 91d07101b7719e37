//! The state one connection's reader and writer share: what the reader
//! tells the writer ([`Control`]), how either side ends the connection, and
//! the frame reader type.
//!
//! A leaf below the connection, its handshake and its writer, which all
//! name these types.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plotcast_protocol::util::lock;
use plotcast_protocol::{
    ClockEstimator, FrameCodec, Goodbye, GoodbyeCode, Hello, Overview, Ping, Ready, View,
    MAX_BATCHES_IN_FLIGHT,
};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::Notify;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::budget::Evict;
use crate::link_model::LinkModel;
use crate::stats::ViewerStats;

/// Reads a connection's frames.
pub(crate) type Reader = FramedRead<OwnedReadHalf, FrameCodec>;

/// Longest pacing interval a viewer may ask for: a viewer cannot make the
/// server hold its batches (and their frames) for long.
pub(crate) const MAX_BATCH_INTERVAL: Duration = Duration::from_secs(1);

/// What the reader tells the writer.
#[derive(Debug, Default)]
pub(crate) struct Control {
    /// The highest batch number the viewer may receive (see
    /// [`ready`](Self::ready) for the clamp).
    pub(crate) granted: u64,
    /// Batches sent so far (written by the writer).
    pub(crate) sent: u64,
    /// Shortest time between two batches the viewer asked for.
    pub(crate) interval: Duration,
    /// A viewer ping to answer, and when it arrived (our clock, µs).
    pub(crate) pong_due: Option<(Ping, u64)>,
    /// Round trips and clock offset from the pongs to our pings.
    pub(crate) clock: ClockEstimator,
    /// How the viewer draws each channel (level of detail), with the
    /// version of `view_version` it arrived at.
    pub(crate) views: HashMap<u32, (View, u64)>,
    /// Bumped on every View received.
    view_version: u64,
    /// The link, from the bytes written and the viewer's acknowledgements.
    pub(crate) link: LinkModel,
}

impl Control {
    /// The state after `hello`: one that asks for an overview grants
    /// batch 1.
    pub(crate) fn after(hello: &Hello) -> Self {
        Self {
            granted: u64::from(hello.overview.is_some()),
            ..Self::default()
        }
    }

    /// Takes a `View` for one of the server's `channels`; a view for a
    /// channel that does not exist is ignored (a viewer cannot grow this).
    pub(crate) fn view(&mut self, view: View, channels: usize) {
        if (view.channel as usize) < channels {
            self.view_version += 1;
            self.views.insert(view.channel, (view, self.view_version));
        }
    }

    /// Takes a `Ready`: never lowers the grant, and never lets it run
    /// more than [`MAX_BATCHES_IN_FLIGHT`] ahead of what was sent; the
    /// pacing interval is the newest one, at most [`MAX_BATCH_INTERVAL`].
    pub(crate) fn ready(&mut self, ready: Ready) {
        let cap = self.sent.saturating_add(MAX_BATCHES_IN_FLIGHT);
        self.granted = self.granted.max(ready.batch.min(cap));
        self.interval = Duration::from_micros(u64::from(ready.interval_us)).min(MAX_BATCH_INTERVAL);
    }
}

/// State shared by the reader and writer of one connection.
pub(crate) struct Shared {
    pub(crate) conn_id: u64,
    pub(crate) control: Mutex<Control>,
    pub(crate) wake: Notify,
    pub(crate) stats: Arc<ViewerStats>,
    /// Cancelled when either side ends (or the server stops).
    pub(crate) conn: CancellationToken,
    /// Why the connection ended: the first reason wins.
    pub(crate) reason: Mutex<Option<String>>,
    /// True while a frame has been written in part.
    pub(crate) mid_frame: AtomicBool,
    /// A goodbye to send once the writer has dropped its frames.
    pub(crate) goodbye: Mutex<Option<Goodbye>>,
    /// The codec data frames are compressed with (`CODEC_*`).
    pub(crate) codec: u8,
    /// The viewer reads heatmap values as 8-bit codes (its Hello offered
    /// `CODECS_U8_CODES`).
    pub(crate) u8_codes: bool,
    /// The canvas of a viewer that asked for an overview: its Hello
    /// granted batch 1, reduced for it (see `overview.rs`).
    pub(crate) overview: Option<Overview>,
}

impl Shared {
    pub(crate) fn end(&self, reason: impl Into<String>) {
        lock(&self.reason).get_or_insert_with(|| reason.into());
        self.conn.cancel();
    }
}

impl Evict for Shared {
    fn evict(&self, reason: String) {
        *lock(&self.goodbye) = Some(Goodbye {
            code: GoodbyeCode::Other,
            reason: reason.clone(),
        });
        self.end(reason);
    }
}
