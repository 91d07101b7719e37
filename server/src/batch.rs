//! Building one viewer's batch: everything it has not received yet.

use std::sync::atomic::Ordering;

use bytes::{Bytes, BytesMut};

use plotcast_protocol::util::{lock, unix_now_us};

use crate::hub::{Hub, Store};
use crate::series::Cursor;

/// Where one viewer stands: what it has received.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    pub(crate) layout_version: u64,
    pub(crate) layout_channels: usize,
    /// Last sequence number sent, per snapshot channel (0: none yet).
    seq: Vec<u64>,
    /// Series positions, per append channel.
    series: Vec<Option<Cursor>>,
}

/// One batch ready to go.
pub(crate) struct Batch {
    pub(crate) frames: Vec<Bytes>,
    pub(crate) data_frames: u32,
    pub(crate) skipped: u64,
}

/// Collects everything the viewer has not received yet.
pub(crate) fn collect(hub: &Hub, cur: &mut Cursors) -> Batch {
    let mut batch = Batch {
        frames: Vec::new(),
        data_frames: 0,
        skipped: 0,
    };
    let (version, layout, count) = hub.layout_frame();
    if version > cur.layout_version {
        batch.frames.push(layout);
        cur.layout_version = version;
        cur.layout_channels = count;
    }
    // Only channels the viewer's layout knows; newer ones come with the
    // next layout.
    let channels = hub.channels();
    let n = cur.layout_channels.min(channels.len());
    cur.seq.resize(n.max(cur.seq.len()), 0);
    cur.series.resize_with(n.max(cur.series.len()), || None);
    let now = unix_now_us();
    for (i, ch) in channels.iter().take(n).enumerate() {
        match &ch.store {
            Store::Snapshot(_) => {
                if let Some((seq, frame)) = ch.latest() {
                    let last = cur.seq[i];
                    if seq > last {
                        if last > 0 {
                            batch.skipped += seq - last - 1;
                        }
                        cur.seq[i] = seq;
                        batch.frames.push(frame);
                        batch.data_frames += 1;
                    }
                }
            }
            Store::Series(store) => {
                let seq = ch.seq.load(Ordering::Relaxed);
                // Only references are taken under the lock; the copy into
                // the frame happens after it, so pushes never wait for it.
                let (snapshot, skipped) = lock(store).snapshot_since(&mut cur.series[i]);
                batch.skipped += skipped;
                let Some(snapshot) = snapshot else {
                    continue;
                };
                let mut out = BytesMut::new();
                match snapshot.encode(ch.id, seq, now, &mut out) {
                    Ok(()) => {
                        batch.frames.push(out.freeze());
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
