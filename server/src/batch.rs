//! Building one viewer's batch: everything it has not received yet, as it
//! needs it (reduced to its views, compressed with its codec: the items
//! that need work are prepared by the writer, off the lock and off the
//! runtime's thread).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{ChannelKind, View};

use crate::hub::{Channel, Hub, Store};
use crate::precision::Precision;
use crate::series::{Cursor, SeriesSnapshot};

/// Where one viewer stands: what it has received.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    pub(crate) layout_version: u64,
    pub(crate) layout_channels: usize,
    /// Last sequence number sent, per snapshot channel (0: none yet).
    seq: Vec<u64>,
    /// Each channel's last sequence number when the viewer connected:
    /// frames after it that the viewer never got count as skipped, even
    /// before it was sent one (the first may come when its newest frame
    /// is being written over, and the viewer gets the next).
    joined: Vec<u64>,
    /// Series positions, per append channel.
    series: Vec<Option<Cursor>>,
    /// The view version each channel was last sent for (0: no view).
    sent_view: Vec<u64>,
    /// When a heatmap was last sent as codes (approximate values) and not
    /// yet again exactly, per channel.
    coded_since: Vec<Option<Instant>>,
}

impl Cursors {
    /// A viewer connecting now: it has been sent nothing.
    pub(crate) fn joining(hub: &Hub) -> Self {
        Self {
            joined: hub
                .channels()
                .iter()
                .map(|c| c.seq.load(Ordering::Acquire))
                .collect(),
            ..Self::default()
        }
    }

    /// When the next exact refresh of a coded heatmap is due, if any.
    pub(crate) fn refresh_due(&self) -> Option<Instant> {
        self.coded_since.iter().flatten().min().map(|&t| t + STILL)
    }

    /// Some heatmap's newest values went as codes and not yet exactly.
    pub(crate) fn coded(&self) -> bool {
        self.coded_since.iter().any(Option::is_some)
    }
}

/// How long a heatmap sent as codes must stay unchanged before its exact
/// values are sent (a plot that changes gets its new values instead).
pub(crate) const STILL: Duration = Duration::from_millis(300);

/// What the link carries, for choosing a snapshot's precision.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkBudget {
    /// Bytes per second the link delivers (`None`: not known; the viewer
    /// does not acknowledge, or no sample yet).
    pub(crate) rate_bps: Option<f64>,
    /// The viewer's drawing period.
    pub(crate) period: Duration,
    /// The connection is compressed (a remote viewer).
    pub(crate) compressed: bool,
    /// The viewer reads 8-bit heatmap codes.
    pub(crate) u8_codes: bool,
    /// The viewer acknowledges bytes, so the rate will be known: until it
    /// is, a remote viewer's heatmaps go as codes (a slow link must not
    /// start with frames it takes seconds to carry; a fast one gets exact
    /// values once measured, and the refresh when still).
    pub(crate) acking: bool,
    /// The batch is the overview of a Hello (approximate by nature: its
    /// heatmaps go as codes).
    pub(crate) overview: bool,
}

impl LinkBudget {
    /// A frame of `bytes` cannot cross in two drawing periods: send its
    /// heatmap values as codes (a quarter of the bytes of f64) rather
    /// than fewer frames. With no rate measured yet, a compressed (remote)
    /// link counts as limited once the viewer acknowledges, and for the
    /// overview, which goes before any acknowledgement could arrive: the
    /// first picture on a slow link must not wait for bytes a coarser
    /// picture does without (exact values follow once the plot is still).
    fn limited(&self, bytes: usize) -> bool {
        let budget = self.period.max(Duration::from_millis(8)) * 2;
        match self.rate_bps {
            Some(rate) => bytes as f64 / rate > budget.as_secs_f64(),
            None => self.compressed && (self.acking || self.overview),
        }
    }

    /// How precisely a snapshot of `frame_bytes` goes: fewer bytes per
    /// frame before fewer frames. A heatmap shown in a view whose values
    /// cannot cross in two drawing periods goes as 16-bit codes, and as
    /// 8-bit codes (to a viewer that reads them) when even its 16-bit
    /// codes, one per pixel of the view at most, could not; exact when
    /// refreshed after it stopped changing.
    pub(crate) fn precision(
        &self,
        heatmap: bool,
        view: Option<&View>,
        refresh: bool,
        frame_bytes: usize,
    ) -> Precision {
        let Some(view) = view.filter(|_| heatmap && !refresh) else {
            return if refresh {
                Precision::Exact
            } else {
                Precision::Auto
            };
        };
        if !(self.overview || self.limited(frame_bytes)) {
            return Precision::Auto;
        }
        // The 16-bit frame: two bytes a cell, a published f64 cell being
        // eight, and at most one cell per pixel once reduced.
        let pixels = view.width_px as usize * view.height_px as usize;
        let coded_bytes = (frame_bytes / 4).min(2 * pixels);
        if self.u8_codes && self.limited(coded_bytes) {
            Precision::Coarse
        } else {
            Precision::Coded
        }
    }
}

/// One frame of a batch, or what it is made from.
pub(crate) enum Item {
    /// The layout, as it is.
    Layout(Bytes),
    /// Data encoded for this viewer alone (series points it has not seen),
    /// compressed if its codec asks.
    Data(Bytes),
    /// A snapshot channel's newest frame, to reduce for `view` (if any) and
    /// compress; shared between viewers through the channel's cache.
    Snapshot {
        channel: Arc<Channel>,
        seq: u64,
        frame: Bytes,
        view: Option<View>,
        precision: Precision,
    },
    /// An append channel's whole window, reduced for `view`, replacing the
    /// viewer's history.
    SeriesReplace {
        channel: Arc<Channel>,
        seq: u64,
        timestamp_us: u64,
        snapshot: SeriesSnapshot,
        view: View,
    },
}

/// One batch to prepare and send.
pub(crate) struct Batch {
    pub(crate) items: Vec<Item>,
    pub(crate) data_frames: u32,
    pub(crate) skipped: u64,
}

/// Points per pixel column a reduced series keeps at most: an append of
/// more than this (per series) is sent as a reduced replacement instead.
const REPLACE_POINTS_PER_COLUMN: u64 = 4;

/// The kinds a view reduces (bars are small; series are handled apart).
fn reducible(kind: ChannelKind) -> bool {
    matches!(
        kind,
        ChannelKind::Line | ChannelKind::Scatter | ChannelKind::Heatmap
    )
}

/// Collects everything the viewer has not received yet. `views` are the
/// viewer's views by channel id, with their versions; `link` what the link
/// carries (heatmaps go as codes when it cannot carry their values, and
/// exactly once they stopped changing for [`STILL`]).
pub(crate) fn collect(
    hub: &Hub,
    cur: &mut Cursors,
    views: &HashMap<u32, (View, u64)>,
    link: &LinkBudget,
) -> Batch {
    let mut batch = Batch {
        items: Vec::new(),
        data_frames: 0,
        skipped: 0,
    };
    let (version, layout, count) = hub.layout_frame();
    if version > cur.layout_version {
        batch.items.push(Item::Layout(layout));
        cur.layout_version = version;
        cur.layout_channels = count;
    }
    // Only channels the viewer's layout knows; newer ones come with the
    // next layout.
    let channels = hub.channels();
    let n = cur.layout_channels.min(channels.len());
    cur.seq.resize(n.max(cur.seq.len()), 0);
    cur.series.resize_with(n.max(cur.series.len()), || None);
    cur.sent_view.resize(n.max(cur.sent_view.len()), 0);
    cur.coded_since.resize(n.max(cur.coded_since.len()), None);
    let now = unix_now_us();
    let instant = Instant::now();
    for (i, ch) in channels.iter().take(n).enumerate() {
        let view = views.get(&ch.id).filter(|(v, _)| !v.is_full());
        let view_version = view.map_or(0, |(_, version)| *version);
        let view_changed = view_version != cur.sent_view[i];
        match &ch.store {
            Store::Snapshot(_) => {
                if let Some((seq, frame)) = ch.latest() {
                    let last = cur.seq[i];
                    let heatmap = ch.kind == ChannelKind::Heatmap;
                    let view = view.map(|(v, _)| *v).filter(|_| reducible(ch.kind));
                    // A new value, or the same one for a changed view.
                    let fresh = seq > last || (view_changed && last > 0);
                    // The same value, sent as codes, unchanged since.
                    let refresh =
                        !fresh && cur.coded_since[i].is_some_and(|t| instant >= t + STILL);
                    if fresh || refresh {
                        let since = match last {
                            0 => cur.joined.get(i).copied().unwrap_or(0),
                            last => last,
                        };
                        batch.skipped += seq.saturating_sub(since + 1);
                        let precision =
                            link.precision(heatmap, view.as_ref(), refresh, frame.len());
                        let coded = heatmap
                            && match precision {
                                Precision::Coded | Precision::Coarse => true,
                                Precision::Auto => link.compressed && view.is_some(),
                                Precision::Exact => false,
                            };
                        cur.coded_since[i] = coded.then_some(instant);
                        cur.seq[i] = seq;
                        cur.sent_view[i] = view_version;
                        batch.items.push(Item::Snapshot {
                            channel: Arc::clone(ch),
                            seq,
                            frame,
                            view,
                            precision,
                        });
                        batch.data_frames += 1;
                    }
                }
            }
            Store::Series(store) => {
                let seq = ch.seq.load(Ordering::Relaxed);
                let store = lock(store);
                if let Some((view, version)) = view {
                    // More new points than the reduced window has, or a new
                    // view: send the window reduced, in place of the
                    // viewer's history.
                    let cap = REPLACE_POINTS_PER_COLUMN
                        * (u64::from(view.width_px) + 2)
                        * store.series_count().max(1) as u64;
                    if view_changed || store.pending(&cur.series[i]) > cap {
                        let mut fresh = None;
                        let (snapshot, _) = store.snapshot_since(&mut fresh);
                        drop(store);
                        cur.series[i] = fresh;
                        cur.sent_view[i] = *version;
                        if let Some(snapshot) = snapshot {
                            batch.items.push(Item::SeriesReplace {
                                channel: Arc::clone(ch),
                                seq,
                                timestamp_us: now,
                                snapshot,
                                view: *view,
                            });
                            batch.data_frames += 1;
                        }
                        continue;
                    }
                }
                // Only references are taken under the lock; the copy into
                // the frame happens after it, so pushes never wait for it.
                let (snapshot, skipped) = store.snapshot_since(&mut cur.series[i]);
                drop(store);
                batch.skipped += skipped;
                let Some(snapshot) = snapshot else {
                    continue;
                };
                let mut out = BytesMut::new();
                match snapshot.encode(ch.id, seq, now, &mut out) {
                    Ok(()) => {
                        batch.items.push(Item::Data(out.freeze()));
                        batch.data_frames += 1;
                    }
                    Err(err) => {
                        tracing::warn!(target: "plotcast", channel = %ch.name, "cannot encode series: {err}");
                    }
                }
            }
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(rate_bps: Option<f64>, u8_codes: bool) -> LinkBudget {
        LinkBudget {
            rate_bps,
            period: Duration::from_millis(20),
            compressed: true,
            u8_codes,
            acking: true,
            overview: false,
        }
    }

    fn view(width_px: u32, height_px: u32) -> View {
        View {
            channel: 0,
            x_px: 0,
            width_px,
            height_px,
            x_range: None,
            y_range: None,
            x_log: false,
            y_log: false,
        }
    }

    #[test]
    fn fewer_bytes_per_frame_before_fewer_frames() {
        let field = 2048 * 2048 * 8; // a published f64 heatmap
        let plot = view(600, 300); // 360 kB as 16-bit codes
                                   // Two drawing periods are 40 ms: 2.5 MB/s (20 Mbit/s) carries
                                   // 100 kB in them, 100 MB/s 4 MB.
        let slow = link(Some(2.5e6), true);
        assert_eq!(
            slow.precision(true, Some(&plot), false, field),
            Precision::Coarse
        );
        // A small plot's 16-bit codes (50 kB) fit the same link.
        assert_eq!(
            slow.precision(true, Some(&view(250, 100)), false, field),
            Precision::Coded
        );
        // A viewer that does not read 8-bit codes gets 16-bit ones.
        assert_eq!(
            link(Some(2.5e6), false).precision(true, Some(&plot), false, field),
            Precision::Coded
        );
        // A fast link: as the codec says; a small field: exact.
        assert_eq!(
            link(Some(100e6), true).precision(true, Some(&plot), false, 200_000),
            Precision::Auto
        );
        // The refresh of a still plot is exact; lines are never coded.
        assert_eq!(
            slow.precision(true, Some(&plot), true, field),
            Precision::Exact
        );
        assert_eq!(
            slow.precision(false, Some(&plot), false, field),
            Precision::Auto
        );
        // No view (full data asked for): as the codec says.
        assert_eq!(slow.precision(true, None, false, field), Precision::Auto);
        // The overview goes before any acknowledgement: on a compressed
        // link its heatmaps go as 8-bit codes, small or not; a local
        // (uncompressed) viewer's overview stays 16-bit.
        let first = LinkBudget {
            acking: false,
            overview: true,
            ..link(None, true)
        };
        assert_eq!(
            first.precision(true, Some(&plot), false, 200_000),
            Precision::Coarse
        );
        let local = LinkBudget {
            compressed: false,
            ..first
        };
        assert_eq!(
            local.precision(true, Some(&plot), false, field),
            Precision::Coded
        );
        // Before the first acknowledgement, a batch that is not the
        // overview goes as the codec says.
        let unacked = LinkBudget {
            overview: false,
            ..first
        };
        assert_eq!(
            unacked.precision(true, Some(&plot), false, field),
            Precision::Auto
        );
    }

    #[test]
    fn frames_published_after_joining_and_never_sent_count_as_skipped() {
        use crate::reduce::HeatmapReduce;
        use plotcast_protocol::ChannelSpec;

        let hub = Hub::new("t".into(), 0, 1, 10, None);
        let before = Cursors::joining(&hub);
        let ch = hub
            .channel(
                ChannelSpec::new(0, "c", ChannelKind::Line),
                HeatmapReduce::default(),
            )
            .expect("a channel of a new hub");
        let publish = |seq: u64| {
            ch.seq.store(seq, Ordering::Release);
            ch.store_frame(seq, Bytes::from(vec![0u8; 8]));
        };
        let collect = |cur: &mut Cursors| {
            let batch = collect(&hub, cur, &HashMap::new(), &link(None, false));
            let sent: Vec<u64> = batch
                .items
                .iter()
                .filter_map(|item| match item {
                    Item::Snapshot { seq, .. } => Some(*seq),
                    _ => None,
                })
                .collect();
            (sent, batch.skipped)
        };
        publish(1);
        let (mut before, mut at_one) = (before, Cursors::joining(&hub));
        publish(2);
        publish(3);
        let mut after = Cursors::joining(&hub);
        // Joined before the channel existed: frames 1 and 2 were never
        // sent (say the first was being written over when it collected).
        assert_eq!(collect(&mut before), (vec![3], 2));
        // Joined at frame 1 (the channel's value then): only 2 skipped.
        assert_eq!(collect(&mut at_one), (vec![3], 1));
        // Joined at frame 3: it gets that one, nothing skipped.
        assert_eq!(collect(&mut after), (vec![3], 0));
        // From then on, every frame between two sent ones.
        publish(4);
        publish(5);
        publish(6);
        assert_eq!(collect(&mut after), (vec![6], 2));
        assert_eq!(collect(&mut after), (vec![], 0));
    }
}
