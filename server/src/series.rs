//! Append-mode series: a bounded window of points per named series, from
//! which each viewer gets exactly the points it has not seen yet.
//!
//! Points are numbered from 0 since the series was created. A viewer keeps,
//! per series, the index of the next point it wants; a batch sends
//! `[max(wanted, first kept), next)`. Points that fell out of the window
//! before the viewer asked are counted as skipped.
//!
//! Each series' points live in a [`ChunkedSeries`]: fixed-size chunks
//! shared through `Arc`. Building a viewer's batch takes only references to
//! the chunks it needs while the channel is locked
//! ([`SeriesStore::snapshot_since`], through [`ChunkedSeries::since`]);
//! the copy into the frame happens after the lock is released
//! ([`SeriesSnapshot::encode`]). So a `push` never waits while a viewer
//! that just joined is sent a 100 000-point window: at worst it copies the
//! one chunk it appends to, if a snapshot still holds that chunk.

use std::sync::Arc;

use bytes::BytesMut;
use plotcast_protocol::{
    encode_data, ArrayRef, ChannelKind, ChunkedSeries, FrameRef, PartRef, ProtocolError,
};

/// One named series' window.
#[derive(Debug)]
struct Window {
    name: Arc<str>,
    points: ChunkedSeries,
}

/// Every series of one append channel.
#[derive(Debug)]
pub(crate) struct SeriesStore {
    window_points: usize,
    series: Vec<Window>,
}

/// A viewer's position in one append channel: the next wanted index of each
/// series, by position in the store (series are never removed).
pub(crate) type Cursor = Vec<u64>;

/// The points one viewer is about to be sent, held by reference.
#[derive(Debug)]
pub(crate) struct SeriesSnapshot {
    parts: Vec<SnapshotPart>,
}

#[derive(Debug)]
struct SnapshotPart {
    name: Arc<str>,
    /// The points to send (the first `take` of them), sharing the
    /// window's chunks.
    points: ChunkedSeries,
    take: usize,
}

impl SeriesStore {
    pub(crate) fn new(window_points: usize) -> Self {
        Self {
            window_points: window_points.max(1),
            series: Vec::new(),
        }
    }

    fn window(&mut self, name: &str) -> &mut Window {
        let pos = match self.series.iter().position(|w| &*w.name == name) {
            Some(pos) => pos,
            None => {
                self.series.push(Window {
                    name: Arc::from(name),
                    points: ChunkedSeries::new(),
                });
                self.series.len() - 1
            }
        };
        &mut self.series[pos]
    }

    /// Appends points to the series `name`, dropping the oldest beyond the
    /// window.
    pub(crate) fn extend(&mut self, name: &str, t: &[f64], y: &[f64]) {
        let cap = self.window_points;
        let w = &mut self.window(name).points;
        let n = t.len().min(y.len());
        // Only the last `cap` of a long slice can survive: the others
        // count as pushed and dropped.
        let skip = n.saturating_sub(cap);
        w.set_next_index(w.next_index() + skip as u64);
        w.push_slices(&t[skip..n], &y[skip..n]);
        w.trim(cap);
    }

    /// Total points ever pushed (over all series): the channel's sequence.
    #[cfg(test)]
    fn total(&self) -> u64 {
        self.series.iter().map(|w| w.points.next_index()).sum()
    }

    /// Takes the points a viewer at `cursor` has not received (by
    /// reference: cheap, meant to run under the channel's lock) and
    /// advances the cursor. Returns them, if any, and the number of points
    /// skipped because they left the window first.
    ///
    /// `cursor` is `None` for a viewer that never received this channel: it
    /// gets the whole window, and nothing counts as skipped.
    pub(crate) fn snapshot_since(
        &self,
        cursor: &mut Option<Cursor>,
    ) -> (Option<SeriesSnapshot>, u64) {
        self.snapshot_bounded(cursor, usize::MAX)
    }

    /// [`snapshot_since`](Self::snapshot_since) with at most `max_points`
    /// points in all, shared evenly among the series that have new points
    /// (at least one each): the oldest new points of each, the cursor
    /// advanced past those only. A chunk of bounded size, whatever the
    /// backlog.
    pub(crate) fn snapshot_bounded(
        &self,
        cursor: &mut Option<Cursor>,
        max_points: usize,
    ) -> (Option<SeriesSnapshot>, u64) {
        let fresh = cursor.is_none();
        let cur = cursor.get_or_insert_with(Vec::new);
        cur.resize(self.series.len(), 0);
        let start_of = |w: &Window, wanted: u64| {
            let first = w.points.first_index();
            let want = if fresh { first } else { wanted };
            (want, want.max(first))
        };
        let with_news = self
            .series
            .iter()
            .zip(cur.iter())
            .filter(|(w, wanted)| start_of(w, **wanted).1 < w.points.next_index())
            .count();
        let share = (max_points / with_news.max(1)).max(1);
        let mut skipped = 0;
        let mut parts = Vec::new();
        for (w, wanted) in self.series.iter().zip(cur.iter_mut()) {
            let next = w.points.next_index();
            let (want, start) = start_of(w, *wanted);
            if next <= want {
                *wanted = next;
                continue;
            }
            skipped += start - want;
            let take = usize::try_from(next - start).map_or(share, |n| n.min(share));
            *wanted = start + take as u64;
            if take == 0 {
                continue;
            }
            parts.push(SnapshotPart {
                name: Arc::clone(&w.name),
                points: w.points.since(start),
                take,
            });
        }
        let snapshot = (!parts.is_empty()).then_some(SeriesSnapshot { parts });
        (snapshot, skipped)
    }

    /// Named series in this channel.
    pub(crate) fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Points a viewer at `cursor` has not received yet (still in the
    /// window or not): what an append would send.
    pub(crate) fn pending(&self, cursor: &Option<Cursor>) -> u64 {
        self.series
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let (first, next) = (w.points.first_index(), w.points.next_index());
                let wanted = cursor
                    .as_ref()
                    .and_then(|c| c.get(k).copied())
                    .unwrap_or(first);
                next.saturating_sub(wanted.max(first))
            })
            .sum()
    }

    /// [`snapshot_since`](Self::snapshot_since) and
    /// [`SeriesSnapshot::encode`] in one step.
    #[cfg(test)]
    fn encode_since(
        &self,
        cursor: &mut Option<Cursor>,
        channel: u32,
        seq: u64,
        timestamp_us: u64,
        out: &mut BytesMut,
    ) -> Result<(bool, u64), ProtocolError> {
        let (snapshot, skipped) = self.snapshot_since(cursor);
        match snapshot {
            Some(s) => s
                .encode(channel, seq, timestamp_us, out)
                .map(|()| (true, skipped)),
            None => Ok((false, skipped)),
        }
    }
}

impl SeriesSnapshot {
    /// Encodes the points as one data frame appended to `out` (one part per
    /// series). Runs without any lock.
    pub(crate) fn encode(
        &self,
        channel: u32,
        seq: u64,
        timestamp_us: u64,
        out: &mut BytesMut,
    ) -> Result<(), ProtocolError> {
        let gathered = self.gather();
        let parts: Vec<PartRef<'_>> = gathered
            .iter()
            .map(|p| PartRef {
                name: &p.name,
                first_index: p.first_index,
                x: Some(ArrayRef::F64(&p.t)),
                y: ArrayRef::F64(&p.y),
            })
            .collect();
        encode_data(
            &FrameRef::new(channel, seq, timestamp_us, ChannelKind::Series, &parts),
            out,
        )
    }

    /// The points of each part in one piece (the wire, and the reduction,
    /// want each array whole).
    pub(crate) fn gather(&self) -> Vec<GatheredPart> {
        self.parts
            .iter()
            .map(|p| {
                let n = p.points.len().min(p.take);
                let (mut t, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
                for (run_t, run_y) in p.points.runs() {
                    let room = n - y.len();
                    if room == 0 {
                        break;
                    }
                    let k = room.min(run_y.len());
                    t.extend_from_slice(&run_t[..k]);
                    y.extend_from_slice(&run_y[..k]);
                }
                GatheredPart {
                    name: Arc::clone(&p.name),
                    first_index: p.points.first_index(),
                    t,
                    y,
                }
            })
            .collect()
    }
}

/// One part of a snapshot, gathered.
#[derive(Debug)]
pub(crate) struct GatheredPart {
    pub(crate) name: Arc<str>,
    pub(crate) first_index: u64,
    pub(crate) t: Vec<f64>,
    pub(crate) y: Vec<f64>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::{decode, FrameCodec, Message, CHUNK_POINTS};
    use tokio_util::codec::Decoder;

    fn parts(out: &mut BytesMut) -> Vec<(String, u64, Vec<f64>)> {
        let mut codec = FrameCodec::new(usize::MAX >> 1);
        let body = codec.decode(out).unwrap().unwrap();
        let Message::Data(frame) = decode(body).unwrap() else {
            panic!("not a data frame")
        };
        frame
            .parts
            .iter()
            .map(|p| (p.name.clone(), p.first_index, p.y.to_f64().into_owned()))
            .collect()
    }

    #[test]
    fn window_keeps_the_newest_points() {
        let mut s = SeriesStore::new(3);
        for i in 0..5 {
            s.extend("", &[i as f64], &[i as f64 * 10.0]);
        }
        assert_eq!(s.total(), 5);
        let mut cursor = None;
        let mut out = BytesMut::new();
        let (wrote, skipped) = s.encode_since(&mut cursor, 0, 5, 0, &mut out).unwrap();
        assert!(wrote);
        assert_eq!(skipped, 0, "a fresh viewer skips nothing");
        assert_eq!(
            parts(&mut out),
            vec![(String::new(), 2, vec![20.0, 30.0, 40.0])]
        );
    }

    #[test]
    fn cursor_sends_only_new_points_and_counts_losses() {
        let mut s = SeriesStore::new(4);
        s.extend("a", &[0.0, 1.0], &[0.0, 1.0]);
        let mut cursor = None;
        let mut out = BytesMut::new();
        s.encode_since(&mut cursor, 0, 1, 0, &mut out).unwrap();
        out.clear();
        let (wrote, _) = s.encode_since(&mut cursor, 0, 1, 0, &mut out).unwrap();
        assert!(!wrote, "nothing new, nothing sent");
        // 6 more points into a window of 4: points 2 and 3 are lost.
        s.extend(
            "a",
            &[2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            &[2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        );
        s.extend("b", &[0.0], &[9.0]);
        let (wrote, skipped) = s.encode_since(&mut cursor, 0, 2, 0, &mut out).unwrap();
        assert!(wrote);
        assert_eq!(skipped, 2);
        assert_eq!(
            parts(&mut out),
            vec![
                ("a".into(), 4, vec![4.0, 5.0, 6.0, 7.0]),
                ("b".into(), 0, vec![9.0])
            ]
        );
    }

    #[test]
    fn long_extend_keeps_only_the_window() {
        let mut s = SeriesStore::new(2);
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        s.extend("", &t, &t);
        let mut cursor = Some(vec![0]);
        let mut out = BytesMut::new();
        let (_, skipped) = s.encode_since(&mut cursor, 0, 1, 0, &mut out).unwrap();
        assert_eq!(skipped, 8);
        assert_eq!(parts(&mut out), vec![(String::new(), 8, vec![8.0, 9.0])]);
    }

    #[test]
    fn bounded_snapshots_take_the_oldest_points_evenly_and_resume() {
        let mut s = SeriesStore::new(100);
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        s.extend("a", &t, &t);
        s.extend("b", &t[..3], &t[..3]);
        let mut cursor = None;
        let mut out = BytesMut::new();
        let (snapshot, skipped) = s.snapshot_bounded(&mut cursor, 8);
        snapshot.unwrap().encode(0, 1, 0, &mut out).unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(
            parts(&mut out),
            vec![
                ("a".into(), 0, vec![0.0, 1.0, 2.0, 3.0]),
                ("b".into(), 0, vec![0.0, 1.0, 2.0])
            ]
        );
        let (snapshot, _) = s.snapshot_bounded(&mut cursor, 8);
        snapshot.unwrap().encode(0, 1, 0, &mut out).unwrap();
        assert_eq!(
            parts(&mut out),
            vec![("a".into(), 4, vec![4.0, 5.0, 6.0, 7.0, 8.0, 9.0])]
        );
        assert!(s.snapshot_bounded(&mut cursor, 8).0.is_none());
        // Points that left the window meanwhile are skipped: the next
        // chunk starts at the first kept index.
        let more: Vec<f64> = (10..200).map(f64::from).collect();
        s.extend("a", &more, &more);
        let (snapshot, skipped) = s.snapshot_bounded(&mut cursor, 1000);
        assert_eq!(skipped, 90, "points 10 to 99 left the window of 100");
        snapshot.unwrap().encode(0, 1, 0, &mut out).unwrap();
        assert_eq!(parts(&mut out)[0].1, 100);
    }

    /// The store against a plain model (every point ever pushed), through
    /// chunk boundaries, long slices, window trims and viewers at random
    /// positions, including snapshots held while pushes go on.
    #[test]
    fn chunked_store_matches_a_plain_model() {
        let cap = 3 * CHUNK_POINTS + 123;
        let mut s = SeriesStore::new(cap);
        let mut model: Vec<f64> = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut cursors: Vec<Option<Cursor>> = vec![None, None, None];
        let mut held = Vec::new();
        for round in 0..200 {
            // Pushes of 1 point up to more than a whole window at once.
            let n = match rand(4) {
                0 => 1,
                1 => rand(100) as usize,
                2 => rand(2 * CHUNK_POINTS as u64) as usize,
                _ => cap + rand(CHUNK_POINTS as u64) as usize,
            };
            let start = model.len();
            let y: Vec<f64> = (start..start + n).map(|i| i as f64).collect();
            s.extend("", &y, &y);
            model.extend(&y);
            let v = rand(3) as usize;
            let sent_before = cursors[v].as_ref().map(|c| c[0]);
            let (snapshot, skipped) = s.snapshot_since(&mut cursors[v]);
            let kept_from = model.len().saturating_sub(cap) as u64;
            let wanted = sent_before.unwrap_or(kept_from);
            let from = wanted.max(kept_from);
            assert_eq!(skipped, from - wanted, "round {round}: skipped");
            let Some(snapshot) = snapshot else {
                assert_eq!(from, model.len() as u64, "round {round}: nothing new");
                continue;
            };
            // Sometimes keep the snapshot across later pushes: it must
            // still hold exactly the points it was taken with.
            let expect = model[from as usize..].to_vec();
            if rand(4) == 0 {
                held.push((snapshot, from, expect));
                continue;
            }
            let mut out = BytesMut::new();
            snapshot.encode(0, 1, 0, &mut out).unwrap();
            assert_eq!(
                parts(&mut out),
                vec![(String::new(), from, expect)],
                "round {round}"
            );
        }
        assert!(!held.is_empty(), "some snapshots were held");
        for (snapshot, from, expect) in held {
            let mut out = BytesMut::new();
            snapshot.encode(0, 1, 0, &mut out).unwrap();
            assert_eq!(parts(&mut out), vec![(String::new(), from, expect)]);
        }
        assert_eq!(s.total(), model.len() as u64);
    }
}
