//! A bounded window of `(t, y)` points kept in `Arc`-shared chunks: the
//! history of an append series, on the server and in the viewer.
//!
//! ```text
//!             head          chunks (CHUNK_POINTS each, the last one filling)
//!              │
//!   ┌──────────┼───────┐ ┌──────────────────┐ ┌─────────┐
//!   │ dropped  │ kept  │ │ kept             │ │ kept    │ ◀─ push
//!   └──────────┴───────┘ └──────────────────┘ └─────────┘
//!              first_index                               next_index
//! ```
//!
//! Cloning a [`ChunkedSeries`] copies one pointer per chunk, not the
//! points, so a reader can hold a copy (a viewer's batch being encoded, a
//! frame being drawn) while the owner goes on pushing. A push copies at
//! most the one chunk it appends to, and only while a copy still holds it;
//! [`trim`](ChunkedSeries::trim) drops whole chunks from the front.

use std::collections::VecDeque;
use std::sync::Arc;

/// Points per chunk: 64 KiB of times and values, small enough to copy in
/// a few microseconds when a copy of the series shares the chunk being
/// appended to, large enough that a 100 000-point window is a few dozen
/// chunks.
pub const CHUNK_POINTS: usize = 4096;

/// Consecutive points.
#[derive(Debug, Clone, Default)]
struct Chunk {
    t: Vec<f64>,
    y: Vec<f64>,
}

/// A window of `(t, y)` points, oldest first, in chunks shared between
/// clones (see the [module documentation](self)).
///
/// Points are numbered: the next point pushed gets
/// [`next_index`](Self::next_index), and the points kept are numbered
/// consecutively before it, so the oldest has
/// [`first_index`](Self::first_index). A new series starts at 0.
///
/// ```
/// use plotcast_protocol::ChunkedSeries;
///
/// let mut s = ChunkedSeries::new();
/// s.push_slices(&[0.0, 1.0, 2.0, 3.0], &[10.0, 11.0, 12.0, 13.0]);
/// s.trim(3);
/// assert_eq!((s.first_index(), s.next_index(), s.len()), (1, 4, 3));
/// let held = s.since(2); // shares the chunk, copies no point
/// s.push(4.0, 14.0);
/// assert_eq!(held.points().collect::<Vec<_>>(), [(2.0, 12.0), (3.0, 13.0)]);
/// assert_eq!(s.points().map(|(_, y)| y).collect::<Vec<_>>(), [11.0, 12.0, 13.0, 14.0]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChunkedSeries {
    chunks: VecDeque<Arc<Chunk>>,
    /// Points at the start of the first chunk that left the window.
    head: usize,
    /// Points kept.
    len: usize,
    /// Index of the next point pushed.
    next_index: u64,
}

impl ChunkedSeries {
    /// An empty series; its first point gets index 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Points kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no point is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index the next point pushed gets: every point ever pushed or
    /// skipped, when numbering started at 0.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// The index of the oldest point kept (equal to
    /// [`next_index`](Self::next_index) when none is). Saturates at 0 when
    /// [`set_next_index`](Self::set_next_index) gave fewer indices than
    /// there are points.
    pub fn first_index(&self) -> u64 {
        self.next_index.saturating_sub(self.len as u64)
    }

    /// Sets the index the next point pushed gets; the points kept are
    /// numbered to end just before it. For points that passed without
    /// being stored (missed, or the head of a slice longer than the
    /// window), and for points that stand for others (a reduction).
    pub fn set_next_index(&mut self, index: u64) {
        self.next_index = index;
    }

    /// Appends one point.
    pub fn push(&mut self, t: f64, y: f64) {
        self.extend([(t, y)]);
    }

    /// Appends points from times and values; the longer slice's extra
    /// elements are ignored.
    pub fn push_slices(&mut self, t: &[f64], y: &[f64]) {
        let n = t.len().min(y.len());
        let mut at = 0;
        while at < n {
            let last = self.writable_chunk();
            let take = (CHUNK_POINTS - last.y.len()).min(n - at);
            last.t.extend_from_slice(&t[at..at + take]);
            last.y.extend_from_slice(&y[at..at + take]);
            at += take;
            self.pushed(take);
        }
    }

    /// Drops the oldest points beyond `window`; the indices of the others
    /// stay.
    pub fn trim(&mut self, window: usize) {
        let mut excess = self.len.saturating_sub(window);
        self.len -= excess;
        while excess > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let left = front.y.len() - self.head;
            if excess >= left {
                self.chunks.pop_front();
                self.head = 0;
                excess -= left;
            } else {
                self.head += excess;
                excess = 0;
            }
        }
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.runs()
            .flat_map(|(t, y)| t.iter().copied().zip(y.iter().copied()))
    }

    /// The points as contiguous runs of times and values (the chunks they
    /// are kept in), oldest first: slice-speed loops for whoever reads
    /// them all.
    pub fn runs(&self) -> impl Iterator<Item = (&[f64], &[f64])> + '_ {
        let head = self.head;
        self.chunks.iter().enumerate().map(move |(k, c)| {
            let from = if k == 0 { head } else { 0 };
            (&c.t[from..], &c.y[from..])
        })
    }

    /// A copy of the points from `index` on (all of them when `index` is
    /// older than the oldest kept, none when it is
    /// [`next_index`](Self::next_index) or later), with their indices.
    /// Cheap: it shares the chunks.
    pub fn since(&self, index: u64) -> Self {
        let dropped = usize::try_from(index.saturating_sub(self.first_index()))
            .map_or(self.len, |n| n.min(self.len));
        // Points to pass over from the start of the first chunk; once a
        // chunk is kept, it is the offset into it.
        let mut skip = self.head + dropped;
        let mut chunks = VecDeque::new();
        for chunk in &self.chunks {
            if chunks.is_empty() && skip >= chunk.y.len() {
                skip -= chunk.y.len();
                continue;
            }
            chunks.push_back(Arc::clone(chunk));
        }
        Self {
            chunks,
            head: skip,
            len: self.len - dropped,
            next_index: self.next_index,
        }
    }

    /// The chunk to append to: the last one, or a new one when it is full.
    /// Copies the last one only if a clone still holds it.
    fn writable_chunk(&mut self) -> &mut Chunk {
        if self.chunks.back().is_none_or(|c| c.y.len() >= CHUNK_POINTS) {
            self.chunks.push_back(Arc::new(Chunk {
                t: Vec::with_capacity(CHUNK_POINTS),
                y: Vec::with_capacity(CHUNK_POINTS),
            }));
        }
        let last = self.chunks.len() - 1;
        Arc::make_mut(&mut self.chunks[last])
    }

    fn pushed(&mut self, n: usize) {
        self.len += n;
        // A peer can set any next index: numbering saturates, never panics.
        self.next_index = self.next_index.saturating_add(n as u64);
    }
}

impl Extend<(f64, f64)> for ChunkedSeries {
    /// Appends points one chunk at a time.
    fn extend<I: IntoIterator<Item = (f64, f64)>>(&mut self, points: I) {
        let mut points = points.into_iter().peekable();
        // Peeking first: no empty chunk for an empty iterator.
        while points.peek().is_some() {
            let last = self.writable_chunk();
            let room = CHUNK_POINTS - last.y.len();
            let before = last.y.len();
            for (t, y) in points.by_ref().take(room) {
                last.t.push(t);
                last.y.push(y);
            }
            let added = last.y.len() - before;
            self.pushed(added);
        }
    }
}

impl FromIterator<(f64, f64)> for ChunkedSeries {
    /// A series of the given points, numbered from 0.
    fn from_iter<I: IntoIterator<Item = (f64, f64)>>(points: I) -> Self {
        let mut s = Self::new();
        s.extend(points);
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ys(s: &ChunkedSeries) -> Vec<f64> {
        let from_points: Vec<f64> = s.points().map(|(_, y)| y).collect();
        let from_runs: Vec<f64> = s.runs().flat_map(|(_, y)| y.iter().copied()).collect();
        assert_eq!(from_points, from_runs, "points and runs agree");
        assert_eq!(from_points.len(), s.len(), "len counts the points");
        from_points
    }

    fn range(from: usize, to: usize) -> Vec<f64> {
        (from..to).map(|i| i as f64).collect()
    }

    #[test]
    fn pushes_fill_chunks_across_their_boundaries() {
        let n = 2 * CHUNK_POINTS + 5;
        let v = range(0, n);
        let mut slices = ChunkedSeries::new();
        slices.push_slices(&v[..10], &v[..10]);
        slices.push_slices(&v[10..], &v[10..]);
        let run_lens: Vec<usize> = slices.runs().map(|(t, _)| t.len()).collect();
        assert_eq!(run_lens, [CHUNK_POINTS, CHUNK_POINTS, 5]);
        assert_eq!(ys(&slices), v);
        assert_eq!((slices.first_index(), slices.next_index()), (0, n as u64));

        let mut one_by_one = ChunkedSeries::new();
        for &x in &v {
            one_by_one.push(x, x);
        }
        let from_iter: ChunkedSeries = v.iter().map(|&x| (x, x)).collect();
        for s in [&one_by_one, &from_iter] {
            assert_eq!(ys(s), v);
            assert_eq!(s.runs().count(), 3);
            assert_eq!(s.next_index(), n as u64);
        }
        let mut empty = ChunkedSeries::new();
        empty.extend(std::iter::empty());
        empty.push_slices(&[], &[1.0]);
        assert_eq!((empty.runs().count(), empty.next_index()), (0, 0));
        // Times and values of unequal length: the extra ones are ignored.
        empty.push_slices(&[1.0, 2.0], &[3.0]);
        assert_eq!(empty.points().collect::<Vec<_>>(), [(1.0, 3.0)]);
    }

    #[test]
    fn trim_keeps_the_newest_points_and_their_indices() {
        let v = range(0, 2 * CHUNK_POINTS + 10);
        let mut s = ChunkedSeries::new();
        s.push_slices(&v, &v);
        s.trim(v.len() + 1);
        assert_eq!(ys(&s), v, "a window larger than the series keeps it all");
        // Within the first chunk.
        s.trim(v.len() - 3);
        assert_eq!(ys(&s), v[3..]);
        assert_eq!((s.first_index(), s.next_index()), (3, v.len() as u64));
        // Past whole chunks: they are dropped, not kept empty.
        s.trim(CHUNK_POINTS + 1);
        assert_eq!(s.runs().count(), 2);
        assert_eq!(ys(&s), v[v.len() - CHUNK_POINTS - 1..]);
        s.trim(0);
        assert!(s.is_empty());
        assert_eq!(s.runs().count(), 0);
        assert_eq!(s.first_index(), v.len() as u64);
        s.push(1.0, 1.0);
        assert_eq!((s.first_index(), s.len()), (v.len() as u64, 1));
    }

    #[test]
    fn indices_follow_pushes_and_set_next_index() {
        let mut s = ChunkedSeries::new();
        assert_eq!((s.first_index(), s.next_index()), (0, 0));
        s.push_slices(&[0.0, 1.0], &[0.0, 1.0]);
        // Ten points passed unseen, then one more arrives.
        s.set_next_index(12);
        s.push(12.0, 12.0);
        assert_eq!((s.first_index(), s.next_index(), s.len()), (10, 13, 3));
        // Fewer indices than points: the first index saturates.
        s.set_next_index(1);
        assert_eq!(s.first_index(), 0);
        // The end of u64: numbering saturates instead of overflowing.
        s.set_next_index(u64::MAX - 1);
        s.push_slices(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!(s.next_index(), u64::MAX);
    }

    #[test]
    fn since_an_index_shares_the_points_from_there_on() {
        let v = range(0, 3 * CHUNK_POINTS);
        let mut s = ChunkedSeries::new();
        s.push_slices(&v, &v);
        s.trim(2 * CHUNK_POINTS + 7);
        let first = s.first_index();
        let next = s.next_index();
        for index in [
            0,
            first - 1,
            first,
            first + 1,
            first + 7,
            first + 8,
            CHUNK_POINTS as u64 * 2,
            next - 1,
            next,
            next + 5,
            u64::MAX,
        ] {
            let tail = s.since(index);
            let from = index.clamp(first, next);
            assert_eq!(ys(&tail), v[from as usize..], "since {index}");
            assert_eq!(tail.first_index(), from, "since {index}");
            assert_eq!(tail.next_index(), next, "since {index}");
        }
        assert_eq!(s.since(next).runs().count(), 0, "nothing left, no chunk");
    }

    #[test]
    fn a_clone_holding_a_chunk_makes_the_push_copy_it() {
        let v = range(0, CHUNK_POINTS + 10);
        let mut s = ChunkedSeries::new();
        s.push_slices(&v, &v);
        let last_run = |s: &ChunkedSeries| s.runs().last().unwrap().1.as_ptr();
        let first_run = |s: &ChunkedSeries| s.runs().next().unwrap().1.as_ptr();

        // Nobody else holds the chunk: the push appends in place.
        let before = last_run(&s);
        s.push(-1.0, -1.0);
        assert_eq!(last_run(&s), before, "an unshared chunk is not copied");

        let clone = s.clone();
        let tail = s.since(s.next_index() - 3);
        s.push(-2.0, -2.0);
        assert_ne!(last_run(&s), last_run(&clone), "the held chunk is copied");
        assert_eq!(
            first_run(&s),
            first_run(&clone),
            "a full chunk stays shared"
        );
        let mut expect = v.clone();
        expect.push(-1.0);
        assert_eq!(ys(&clone), expect, "the clone keeps what it was taken with");
        assert_eq!(ys(&tail), expect[expect.len() - 3..]);
        expect.push(-2.0);
        assert_eq!(ys(&s), expect);
    }

    /// One step of the model test.
    #[derive(Debug, Clone)]
    enum Step {
        Slices(usize),
        Points(usize),
        Trim(usize),
        /// Holds a copy from this far into the kept points (modulo their
        /// number, plus one).
        Hold(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        // Pushes of 1 point up to more than a window at once.
        let size = prop_oneof![
            Just(1),
            0..100usize,
            0..2 * CHUNK_POINTS,
            0..4 * CHUNK_POINTS
        ];
        prop_oneof![
            size.clone().prop_map(Step::Slices),
            size.prop_map(Step::Points),
            (0..4 * CHUNK_POINTS).prop_map(Step::Trim),
            any::<u64>().prop_map(Step::Hold),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Pushes, trims and held copies against a plain model: every point
        /// ever pushed, and where the kept ones start.
        #[test]
        fn matches_a_plain_model(steps in proptest::collection::vec(step(), 1..40)) {
            let mut s = ChunkedSeries::new();
            let mut model: Vec<f64> = Vec::new();
            let mut kept_from = 0;
            let mut held = Vec::new();
            for step in steps {
                match step {
                    Step::Slices(n) | Step::Points(n) => {
                        let v = range(model.len(), model.len() + n);
                        if matches!(step, Step::Slices(_)) {
                            s.push_slices(&v, &v);
                        } else {
                            s.extend(v.iter().map(|&x| (x, x)));
                        }
                        model.extend(&v);
                    }
                    Step::Trim(window) => {
                        kept_from = kept_from.max(model.len().saturating_sub(window));
                        s.trim(window);
                    }
                    Step::Hold(at) => {
                        let from = kept_from + (at % (s.len() as u64 + 1)) as usize;
                        held.push((s.since(from as u64), model[from..].to_vec()));
                    }
                }
                prop_assert_eq!(ys(&s), &model[kept_from..]);
                prop_assert_eq!(s.first_index(), kept_from as u64);
                prop_assert_eq!(s.next_index(), model.len() as u64);
            }
            for (copy, expect) in held {
                prop_assert_eq!(ys(&copy), expect);
            }
        }
    }
}
