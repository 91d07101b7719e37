//! Append-mode series: a bounded window of points per named series, from
//! which each viewer gets exactly the points it has not seen yet.
//!
//! Points are numbered from 0 since the series was created. A viewer keeps,
//! per series, the index of the next point it wants; a batch sends
//! `[max(wanted, first kept), next)`. Points that fell out of the window
//! before the viewer asked are counted as skipped.

use std::collections::VecDeque;

use bytes::BytesMut;
use plotcast_protocol::{encode_data, ArrayRef, ChannelKind, FrameRef, PartRef, ProtocolError};

/// One named series' window.
#[derive(Debug)]
struct Window {
    name: String,
    t: VecDeque<f64>,
    y: VecDeque<f64>,
    /// Index of the oldest point kept.
    first_index: u64,
}

impl Window {
    fn next_index(&self) -> u64 {
        self.first_index + self.y.len() as u64
    }
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

impl SeriesStore {
    pub(crate) fn new(window_points: usize) -> Self {
        Self {
            window_points: window_points.max(1),
            series: Vec::new(),
        }
    }

    fn window(&mut self, name: &str) -> &mut Window {
        let pos = match self.series.iter().position(|w| w.name == name) {
            Some(pos) => pos,
            None => {
                self.series.push(Window {
                    name: name.to_owned(),
                    t: VecDeque::new(),
                    y: VecDeque::new(),
                    first_index: 0,
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
        let w = self.window(name);
        let n = t.len().min(y.len());
        // Only the last `cap` of a long slice can survive.
        let skip = n.saturating_sub(cap);
        w.t.extend(&t[skip..n]);
        w.y.extend(&y[skip..n]);
        w.first_index += skip as u64;
        let excess = w.y.len().saturating_sub(cap);
        if excess > 0 {
            w.t.drain(..excess);
            w.y.drain(..excess);
            w.first_index += excess as u64;
        }
    }

    /// Total points ever pushed (over all series): the channel's sequence.
    #[cfg(test)]
    fn total(&self) -> u64 {
        self.series.iter().map(Window::next_index).sum()
    }

    /// Encodes the points a viewer at `cursor` has not received into one data
    /// frame appended to `out`, and advances the cursor.
    ///
    /// `cursor` is `None` for a viewer that never received this channel: it
    /// gets the whole window, and nothing counts as skipped. Returns whether
    /// a frame was written and the number of points skipped.
    pub(crate) fn encode_since(
        &mut self,
        cursor: &mut Option<Cursor>,
        channel: u32,
        seq: u64,
        timestamp_us: u64,
        out: &mut BytesMut,
    ) -> Result<(bool, u64), ProtocolError> {
        let fresh = cursor.is_none();
        let cur = cursor.get_or_insert_with(Vec::new);
        cur.resize(self.series.len(), 0);
        let mut skipped = 0;
        let mut ranges = Vec::new();
        for (i, w) in self.series.iter_mut().enumerate() {
            let wanted = if fresh { w.first_index } else { cur[i] };
            let next = w.next_index();
            if next <= wanted {
                continue;
            }
            let start = wanted.max(w.first_index);
            skipped += start - wanted;
            w.t.make_contiguous();
            w.y.make_contiguous();
            ranges.push((i, start, (start - w.first_index) as usize));
        }
        if ranges.is_empty() {
            return Ok((false, skipped));
        }
        let parts: Vec<PartRef<'_>> = ranges
            .iter()
            .map(|&(i, start, offset)| {
                let w = &self.series[i];
                PartRef {
                    name: &w.name,
                    first_index: start,
                    x: Some(ArrayRef::F64(&w.t.as_slices().0[offset..])),
                    y: ArrayRef::F64(&w.y.as_slices().0[offset..]),
                }
            })
            .collect();
        encode_data(
            &FrameRef {
                channel,
                seq,
                timestamp_us,
                kind: ChannelKind::Series,
                nx: 0,
                ny: 0,
                range: None,
                parts: &parts,
            },
            out,
        )?;
        for (i, w) in self.series.iter().enumerate() {
            cur[i] = w.next_index();
        }
        Ok((true, skipped))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::{decode, FrameCodec, Message};
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
}
