//! The state shared by the computation's handles and the network side.
//!
//! The computation writes; connections read. Every lock here is held for a
//! few pointer swaps (or, for append series, one copy of the new points) and
//! never across I/O or an `.await`, and leaves the data consistent if a
//! panic interrupts it, so poisoning is ignored (`util::lock`).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use plotcast_protocol::util::lock;
use plotcast_protocol::{
    ChannelKind, ChannelSpec, Goodbye, GoodbyeCode, Layout, LayoutEncoder, ProtocolError,
};
use tokio::sync::Notify;

use crate::budget::WriteBudget;
use crate::frame_pool::FramePool;
use crate::lod_cache::LodCache;
use crate::reduce::HeatmapReduce;
use crate::series::SeriesStore;
use crate::stats::{EndedViewer, ViewerStats, ENDED_VIEWERS_KEPT};
use crate::ChannelError;

/// The newest value of a snapshot channel.
#[derive(Debug, Default)]
pub(crate) struct SnapshotSlot {
    /// Sequence number and complete encoded frame (length prefix included).
    latest: Option<(u64, Bytes)>,
    /// A buffer no viewer holds any more, reused for the next frame so large
    /// frames do not fault in fresh pages every time.
    spare: Option<BytesMut>,
}

/// What a channel stores.
#[derive(Debug)]
pub(crate) enum Store {
    /// Latest value wins.
    Snapshot(Mutex<SnapshotSlot>),
    /// Append mode with a bounded window per series.
    Series(Mutex<SeriesStore>),
}

/// One channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub(crate) id: u32,
    pub(crate) kind: ChannelKind,
    pub(crate) name: String,
    pub(crate) store: Store,
    /// Sequence numbers handed out (the last one used).
    pub(crate) seq: AtomicU64,
    /// Successful publishes or pushes.
    pub(crate) publishes: AtomicU64,
    /// Publishes refused because of a wrong shape.
    pub(crate) invalid: AtomicU64,
    /// How a heatmap block is reduced for a viewer's view.
    pub(crate) reduce: HeatmapReduce,
    /// The channel's fixed value range (heatmaps: the colour range).
    pub(crate) fixed_range: Option<(f64, f64)>,
    /// Frames reduced for a view (each shared by every viewer with that
    /// view).
    pub(crate) reductions: AtomicU64,
    /// Nanoseconds spent in those reductions, encoding included.
    pub(crate) reducing_ns: AtomicU64,
    /// Frames prepared for views and codecs, shared between viewers.
    pub(crate) lod_cache: LodCache,
    /// Not in the layout (it would have made it too large to send): its
    /// publishes are counted as invalid and dropped.
    pub(crate) refused: bool,
    /// Buffers of lent frames no one holds any more.
    pub(crate) frame_pool: Arc<FramePool>,
}

impl Channel {
    fn new(spec: &ChannelSpec, store: Store, reduce: HeatmapReduce) -> Self {
        Self {
            id: spec.id,
            kind: spec.kind,
            name: spec.name.clone(),
            store,
            seq: AtomicU64::new(0),
            publishes: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
            reduce,
            fixed_range: spec.options.y_range,
            reductions: AtomicU64::new(0),
            reducing_ns: AtomicU64::new(0),
            lod_cache: LodCache::default(),
            refused: false,
            frame_pool: Arc::default(),
        }
    }

    /// A channel the hub did not add (see [`ChannelError`]): no viewer
    /// will ever see it, and its handle drops what is published.
    pub(crate) fn refused(spec: &ChannelSpec) -> Self {
        let store = Store::Snapshot(Mutex::new(SnapshotSlot::default()));
        Self {
            id: u32::MAX,
            refused: true,
            ..Self::new(spec, store, HeatmapReduce::default())
        }
    }

    /// Takes a buffer to encode the next frame into.
    pub(crate) fn take_buffer(&self) -> BytesMut {
        match &self.store {
            Store::Snapshot(slot) => lock(slot).spare.take().unwrap_or_else(frame_buffer),
            Store::Series(_) => BytesMut::new(),
        }
    }

    /// The newest frame's own buffer, to be written over, when nobody
    /// holds that frame (no viewer is being sent it); else as
    /// [`Self::take_buffer`]. Its bytes are still in cache where the
    /// spare's have left it: an 8 MB frame written into two alternating
    /// buffers cost 1.3–1.5 times a copy into one. Until the frame written
    /// in it is stored the channel has no newest value, so only a caller
    /// that cannot fail to store one (`check_data`) may take it.
    ///
    /// Only while no viewer is connected (`watched` false): a viewer
    /// looking while the channel has no newest value gets nothing until
    /// the copy ends, so a publisher faster than the network thread took
    /// every frame back before it was sent (a viewer of a flat-out 1 MiB
    /// publisher got 91 MiB/s of 2 900), and one of 100 viewers that
    /// looked a moment after another got the next frame instead (a third
    /// fewer frames each). With viewers, frames alternate between two
    /// buffers as smaller ones do.
    pub(crate) fn take_newest_buffer(&self, watched: bool) -> BytesMut {
        let Store::Snapshot(slot) = &self.store else {
            return BytesMut::new();
        };
        let mut slot = lock(slot);
        if watched {
            return slot.spare.take().unwrap_or_else(frame_buffer);
        }
        if let Some((seq, frame)) = slot.latest.take() {
            match frame.try_into_mut() {
                Ok(mut buf) => {
                    buf.clear();
                    return buf;
                }
                Err(frame) => slot.latest = Some((seq, frame)),
            }
        }
        slot.spare.take().unwrap_or_else(frame_buffer)
    }

    /// Stores a freshly encoded frame as the latest value, unless a newer one
    /// is already there (two threads publishing to one channel).
    pub(crate) fn store_frame(&self, seq: u64, frame: Bytes) {
        let Store::Snapshot(slot) = &self.store else {
            return;
        };
        let old = {
            let mut slot = lock(slot);
            match &slot.latest {
                Some((current, _)) if *current > seq => Some(frame),
                _ => slot.latest.replace((seq, frame)).map(|(_, b)| b),
            }
        };
        // Reuse the old buffer when no viewer still holds it; otherwise it is
        // freed here, outside the lock.
        if let Some(Ok(mut buf)) = old.map(Bytes::try_into_mut) {
            buf.clear();
            let mut slot = lock(slot);
            if slot.spare.is_none() {
                slot.spare = Some(buf);
            }
        }
    }

    /// Gives back an unused buffer (after an encode error).
    pub(crate) fn return_buffer(&self, mut buf: BytesMut) {
        if let Store::Snapshot(slot) = &self.store {
            buf.clear();
            lock(slot).spare.get_or_insert(buf);
        }
    }

    /// The latest value of a snapshot channel: a cheap clone of the `Bytes`.
    pub(crate) fn latest(&self) -> Option<(u64, Bytes)> {
        match &self.store {
            Store::Snapshot(slot) => lock(slot).latest.clone(),
            Store::Series(_) => None,
        }
    }
}

/// A new buffer for a channel's frames, made shared from the start: a
/// `BytesMut` that owns a plain `Vec` allocates a shared header each time
/// it is frozen with room to spare (every frame: the encoder reserves
/// ahead), and frees it when the frame comes back as the spare; a shared
/// one freezes, comes back and grows in place with no allocation (5 % of
/// a 1 000-point publish).
fn frame_buffer() -> BytesMut {
    let mut buf = BytesMut::new();
    drop(buf.split());
    buf
}

/// Keeps [`Hub::waiting`] raised while alive.
#[derive(Debug)]
pub(crate) struct WaitGuard<'a>(&'a Hub);

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The figure layout and its encoded form.
#[derive(Debug)]
pub(crate) struct LayoutState {
    pub(crate) layout: Layout,
    /// Bumped on every change.
    pub(crate) version: u64,
    /// The layout encoded one channel at a time: adding a channel costs
    /// its own bytes, not the whole layout's (20 000 channels would take
    /// minutes), and one that would make it too large to send is refused.
    encoder: LayoutEncoder,
    /// The frame of a version, assembled when first asked for.
    frame: Option<(u64, Bytes)>,
}

/// Everything shared.
#[derive(Debug)]
pub(crate) struct Hub {
    pub(crate) title: String,
    pub(crate) session_id: u64,
    pub(crate) layout: Mutex<LayoutState>,
    pub(crate) channels: RwLock<Vec<Arc<Channel>>>,
    /// Wakes connections waiting for news.
    pub(crate) news: Notify,
    /// Connections between "about to look for news" and "done waiting":
    /// a publish only pays for a wake-up when this is non-zero.
    pub(crate) waiting: AtomicUsize,
    /// A relay serves this hub's values: it answers requests from the
    /// newest frames, so none may be missing while a frame is written.
    pub(crate) relayed: AtomicBool,
    /// Viewers registered (the length of `viewers`, read without its lock
    /// on every large publish).
    pub(crate) watchers: AtomicUsize,
    /// Counts publishes (and layout changes); a viewer whose
    /// [`ViewerStats::synced`] reached it has been sent everything.
    pub(crate) version: AtomicU64,
    /// Signalled when a viewer catches up (for `Server::finish`).
    pub(crate) synced: Condvar,
    pub(crate) synced_lock: Mutex<()>,
    /// Connected (handshaken) viewers by connection id.
    pub(crate) viewers: Mutex<HashMap<u64, Arc<ViewerStats>>>,
    /// The last viewers that disconnected, bounded.
    pub(crate) ended: Mutex<VecDeque<EndedViewer>>,
    pub(crate) default_history_points: usize,
    /// Bytes held by writers waiting on viewers' sockets.
    pub(crate) budget: WriteBudget,
    /// The goodbye every viewer gets when the server stops: how the
    /// computation ended.
    pub(crate) farewell: Mutex<Goodbye>,
}

/// A viewer's entry in [`Hub::viewers`], removed when this is dropped
/// (however the connection's task ends: normally, by a panic, or dropped
/// with the runtime), so no ghost keeps a `max_viewers` slot or makes
/// `finish()` wait for it.
#[derive(Debug)]
pub(crate) struct Registration {
    hub: Arc<Hub>,
    conn_id: u64,
    reason: Option<String>,
}

impl Registration {
    /// Ends the registration, recording why the connection ended.
    pub(crate) fn end(mut self, reason: String) {
        self.reason = Some(reason);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let reason = self.reason.take().unwrap_or_else(|| {
            "the connection's task ended abruptly (a panic, or the network runtime stopped)".into()
        });
        self.hub.viewer_ended(self.conn_id, reason);
    }
}

impl Hub {
    pub(crate) fn new(
        title: String,
        columns: u16,
        session_id: u64,
        default_history_points: usize,
        budget_bytes: Option<usize>,
    ) -> Self {
        let layout = Layout {
            title: title.clone(),
            columns,
            channels: Vec::new(),
        };
        let encoder = LayoutEncoder::new(&title, columns);
        Self {
            title,
            session_id,
            layout: Mutex::new(LayoutState {
                layout,
                version: 1,
                encoder,
                frame: None,
            }),
            channels: RwLock::new(Vec::new()),
            news: Notify::new(),
            waiting: AtomicUsize::new(0),
            relayed: AtomicBool::new(false),
            watchers: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            synced: Condvar::new(),
            synced_lock: Mutex::new(()),
            viewers: Mutex::new(HashMap::new()),
            ended: Mutex::new(VecDeque::with_capacity(ENDED_VIEWERS_KEPT)),
            default_history_points,
            budget: WriteBudget::new(budget_bytes),
            farewell: Mutex::new(Goodbye {
                code: GoodbyeCode::ComputationEnded,
                reason: "the server stopped".into(),
            }),
        }
    }

    /// Registers a viewer unless `max_viewers` are already registered.
    pub(crate) fn register(
        self: &Arc<Self>,
        conn_id: u64,
        stats: &Arc<ViewerStats>,
        max_viewers: usize,
    ) -> Option<Registration> {
        let mut viewers = lock(&self.viewers);
        if viewers.len() >= max_viewers {
            return None;
        }
        viewers.insert(conn_id, Arc::clone(stats));
        self.watchers.store(viewers.len(), Ordering::SeqCst);
        Some(Registration {
            hub: Arc::clone(self),
            conn_id,
            reason: None,
        })
    }

    /// Wakes every connection waiting for news. Never blocks on the network,
    /// and costs one atomic load when no viewer is waiting.
    ///
    /// Called after the new value is stored (its lock released). A waiting
    /// connection raises `waiting` and registers for the wake-up *before* it
    /// takes the channel locks to look for news, so either it sees the new
    /// value, or its increment happened before our lock and we see it here.
    pub(crate) fn notify(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.news.notify_waiters();
        }
    }

    /// Records that a viewer has been sent everything up to `version`.
    pub(crate) fn viewer_synced(&self, stats: &ViewerStats, version: u64) {
        stats.synced.fetch_max(version, Ordering::SeqCst);
        self.wake_synced();
    }

    /// Wakes `Server::finish` waiting for viewers (and the relay) to catch
    /// up.
    pub(crate) fn wake_synced(&self) {
        let _guard = lock(&self.synced_lock);
        self.synced.notify_all();
    }

    /// Removes a viewer and remembers why it ended.
    fn viewer_ended(&self, conn_id: u64, reason: String) {
        let stats = {
            let mut viewers = lock(&self.viewers);
            let stats = viewers.remove(&conn_id);
            self.watchers.store(viewers.len(), Ordering::SeqCst);
            stats
        };
        let Some(stats) = stats else {
            return;
        };
        let mut ended = lock(&self.ended);
        if ended.len() >= ENDED_VIEWERS_KEPT {
            ended.pop_front();
        }
        ended.push_back(EndedViewer {
            viewer: stats.snapshot(),
            reason,
            ended_at: SystemTime::now(),
        });
    }

    /// Marks the caller as waiting for news until the guard is dropped.
    pub(crate) fn wait_guard(&self) -> WaitGuard<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        WaitGuard(self)
    }

    /// Channels created so far.
    pub(crate) fn channel_count(&self) -> usize {
        self.channels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// A snapshot of the channel list (cheap: clones of `Arc`s).
    pub(crate) fn channels(&self) -> Vec<Arc<Channel>> {
        self.channels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current layout version, its encoded frame and how many channels
    /// it lists.
    pub(crate) fn layout_frame(&self) -> (u64, Bytes, usize) {
        let mut state = lock(&self.layout);
        let version = state.version;
        let frame = match &state.frame {
            Some((built, frame)) if *built == version => frame.clone(),
            _ => {
                // Fails only for a title longer than a header may be:
                // viewers then get no layout (and no channel was added).
                let frame = state.encoder.frame().unwrap_or_else(|err| {
                    tracing::warn!(target: "plotcast", "cannot encode the layout: {err}");
                    Bytes::new()
                });
                state.frame = Some((version, frame.clone()));
                frame
            }
        };
        (version, frame, state.layout.channels.len())
    }

    /// Finds the channel called `name`, or adds one with `spec`'s options.
    ///
    /// A name already used by a channel of another kind gets a suffix, so
    /// each channel keeps one kind for its whole life.
    ///
    /// # Errors
    /// [`ChannelError::LayoutTooLarge`] when the layout with this channel
    /// would be larger than a viewer accepts; nothing changes then.
    pub(crate) fn channel(
        &self,
        mut spec: ChannelSpec,
        reduce: HeatmapReduce,
    ) -> Result<Arc<Channel>, ChannelError> {
        let mut layout = lock(&self.layout);
        let mut channels = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = channels.iter().find(|c| c.name == spec.name) {
            // A custom channel is the same channel only with the same plot
            // type (the layout lists channels by id, in creation order).
            let same_plot = || {
                layout
                    .layout
                    .channels
                    .get(existing.id as usize)
                    .is_some_and(|c| c.plot_type == spec.plot_type)
            };
            if existing.kind == spec.kind && same_plot() {
                return Ok(Arc::clone(existing));
            }
            let base = spec.name.clone();
            let mut n = 2;
            while channels.iter().any(|c| c.name == spec.name) {
                spec.name = format!("{base} ({} {n})", spec.kind.name());
                n += 1;
            }
            tracing::warn!(target: "plotcast", channel = %base, renamed = %spec.name,
                "channel name already used by a channel of another kind");
        }
        spec.id = u32::try_from(channels.len()).unwrap_or(u32::MAX);
        if spec.kind == ChannelKind::Series {
            if spec.options.history_points == 0 {
                spec.options.history_points =
                    u32::try_from(self.default_history_points).unwrap_or(u32::MAX);
            }
        } else {
            spec.options.history_points = 0;
        }
        // Refused here, not by every viewer that would fail to read it.
        layout.encoder.push(&spec).map_err(|err| match err {
            ProtocolError::HeaderTooLarge { len, max, .. } => ChannelError::LayoutTooLarge {
                name: spec.name.clone(),
                channels: channels.len(),
                len,
                max,
            },
            source => ChannelError::Invalid {
                name: spec.name.clone(),
                source,
            },
        })?;
        let store = if spec.kind == ChannelKind::Series {
            Store::Series(Mutex::new(SeriesStore::new(
                spec.options.history_points as usize,
            )))
        } else {
            Store::Snapshot(Mutex::new(SnapshotSlot::default()))
        };
        let channel = Arc::new(Channel::new(&spec, store, reduce));
        channels.push(Arc::clone(&channel));
        layout.layout.channels.push(spec);
        layout.version += 1;
        drop(channels);
        drop(layout);
        self.notify();
        Ok(channel)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A line channel of a hub of its own.
    fn line_channel() -> Arc<Channel> {
        Hub::new("t".into(), 0, 1, 10, None)
            .channel(
                ChannelSpec::new(0, "c", ChannelKind::Line),
                HeatmapReduce::default(),
            )
            .unwrap()
    }

    #[test]
    fn unshared_frames_are_recycled_and_newer_values_win() {
        let ch = line_channel();
        let mut buf = ch.take_buffer();
        buf.extend_from_slice(&[1; 64]);
        ch.store_frame(2, buf.freeze());
        // An older value arriving late (another thread) is ignored.
        ch.store_frame(1, Bytes::from_static(b"old"));
        assert_eq!(ch.latest().unwrap().0, 2);
        let held = ch.latest().unwrap().1;
        ch.store_frame(3, Bytes::from_static(b"three"));
        // A viewer still holds frame 2: its buffer is not reused.
        assert!(ch.take_buffer().capacity() == 0);
        drop(held);
        ch.store_frame(4, Bytes::from(vec![0u8; 128]));
        // Nobody held frame 3's heap buffer... it was static, so nothing to
        // reuse; frame 4 is a Vec and comes back once replaced.
        ch.store_frame(5, Bytes::from_static(b"five"));
        assert!(ch.take_buffer().capacity() >= 128);
    }

    #[test]
    fn the_newest_frame_is_written_over_only_when_nobody_holds_it() {
        let ch = line_channel();
        let mut buf = ch.take_newest_buffer(false);
        buf.extend_from_slice(&[7; 4096]);
        let frame = buf.freeze();
        let at = frame.as_ptr();
        ch.store_frame(1, frame);
        // A viewer holds frame 1: it stays the newest, untouched.
        let held = ch.latest().unwrap().1;
        let other = ch.take_newest_buffer(false);
        assert_ne!(other.as_ptr(), at);
        assert_eq!(ch.latest().unwrap().0, 1);
        assert!(held.iter().all(|&b| b == 7));
        drop(held);
        // Nobody holds it: its buffer comes back empty, and the channel has
        // no newest value until the frame written in it is stored.
        let mut again = ch.take_newest_buffer(false);
        assert_eq!(again.as_ptr(), at);
        assert!(again.is_empty() && again.capacity() >= 4096);
        assert!(ch.latest().is_none());
        again.extend_from_slice(&[8; 4096]);
        ch.store_frame(2, again.freeze());
        let (seq, newest) = ch.latest().unwrap();
        assert_eq!((seq, newest.as_ptr()), (2, at));
        assert!(newest.iter().all(|&b| b == 8));
    }

    #[test]
    fn with_viewers_connected_the_newest_frame_stays() {
        let ch = line_channel();
        let mut buf = ch.take_newest_buffer(true);
        buf.extend_from_slice(&[7; 4096]);
        let frame = buf.freeze();
        let at = frame.as_ptr();
        ch.store_frame(1, frame);
        // Nobody holds frame 1, but a viewer may look for it at any
        // moment: it stays the newest, and the next frame goes elsewhere.
        assert_ne!(ch.take_newest_buffer(true).as_ptr(), at);
        assert_eq!(ch.latest().unwrap().0, 1, "frame 1 is still there");
        // The viewers gone, it may be written over.
        assert_eq!(ch.take_newest_buffer(false).as_ptr(), at);
        assert!(ch.latest().is_none());
    }

    #[test]
    fn layout_lists_channels_and_renames_kind_clashes() {
        let hub = Hub::new("t".into(), 2, 1, 10, None);
        let a = hub
            .channel(
                ChannelSpec::new(0, "a", ChannelKind::Line),
                HeatmapReduce::default(),
            )
            .unwrap();
        let again = hub
            .channel(
                ChannelSpec::new(0, "a", ChannelKind::Line),
                HeatmapReduce::default(),
            )
            .unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let other = hub
            .channel(
                ChannelSpec::new(0, "a", ChannelKind::Series),
                HeatmapReduce::default(),
            )
            .unwrap();
        assert_eq!(other.id, 1);
        assert_eq!(other.name, "a (series 2)");
        let (version, _, count) = hub.layout_frame();
        assert_eq!((version, count), (3, 2));
        let layout = lock(&hub.layout).layout.clone();
        assert_eq!(layout.columns, 2);
        assert_eq!(layout.channels[1].options.history_points, 10);
    }

    #[test]
    fn a_channel_that_would_make_the_layout_too_large_is_refused() {
        let hub = Hub::new("t".into(), 0, 1, 10, None);
        let label = "x".repeat(1000);
        let mut added = 0u32;
        let err = loop {
            let mut spec = ChannelSpec::new(0, format!("c{added}"), ChannelKind::Line);
            spec.options.y_label = label.clone();
            match hub.channel(spec, HeatmapReduce::default()) {
                Ok(channel) => {
                    assert_eq!(channel.id, added);
                    added += 1;
                }
                Err(err) => break err,
            }
        };
        let ChannelError::LayoutTooLarge {
            name,
            channels,
            len,
            max,
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(
            (name.as_str(), *channels),
            (format!("c{added}").as_str(), added as usize)
        );
        assert!(
            *len > *max && *max == plotcast_protocol::MAX_HEADER_BYTES as u64,
            "{err}"
        );
        assert!(err.to_string().contains("more than the"), "{err}");
        // Nothing changed: the layout viewers get still decodes and lists
        // every channel added.
        let (version, frame, count) = hub.layout_frame();
        assert_eq!((version, count), (u64::from(added) + 1, added as usize));
        let Ok(plotcast_protocol::Message::Layout(layout)) =
            plotcast_protocol::decode(frame.slice(4..))
        else {
            panic!("the layout frame does not decode");
        };
        assert_eq!(layout.channels.len(), added as usize);
        assert_eq!(hub.channel_count(), added as usize);
        // A smaller channel still fits.
        let small = ChannelSpec::new(0, "s", ChannelKind::Line);
        assert_eq!(
            hub.channel(small, HeatmapReduce::default()).unwrap().id,
            added
        );
    }
}
