//! The viewer's copy of append series: a bounded window of points per named
//! series, in chunks shared through `Arc`.
//!
//! The drawing side takes a snapshot of the whole state for every frame it
//! draws. With points in `Arc`-shared chunks that snapshot copies a few
//! dozen pointers, not 100 000 points; appending copies at most the one
//! chunk being appended to, and only while a snapshot still holds it.

use std::collections::HashMap;

use plotcast_protocol::{ChunkedSeries, Part};

/// Named series kept per append channel. A peer that invents a new name in
/// every frame must not grow the viewer without bound: names beyond this
/// are ignored (and counted).
pub const MAX_SERIES_PER_CHANNEL: usize = 256;

/// One named series: its newest points, at most its window.
#[derive(Debug, Clone, Default)]
pub struct SeriesHistory {
    /// Series name (already made safe to show).
    pub name: String,
    /// Its points; `next_index` is the index of the next point expected
    /// from the server.
    points: ChunkedSeries,
    /// Some of the points stand for others (the server reduced them to the
    /// view): not every pushed point is here.
    reduced: bool,
}

impl SeriesHistory {
    /// An empty series.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// A series holding the given points (equal lengths; extra ones are
    /// ignored), for tests and benchmarks.
    pub fn from_points(name: impl Into<String>, t: &[f64], y: &[f64]) -> Self {
        let mut s = Self::new(name);
        s.points.push_slices(t, y);
        s
    }

    /// Points kept.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when no point is kept.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// True when some points stand for others (reduced to the view), so
    /// the history is not every point the computation pushed.
    pub fn is_reduced(&self) -> bool {
        self.reduced
    }

    /// Index of the next point expected from the server.
    pub fn next_index(&self) -> u64 {
        self.points.next_index()
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points.points()
    }

    /// The points as contiguous runs of times and values, oldest first.
    pub fn runs(&self) -> impl Iterator<Item = (&[f64], &[f64])> + '_ {
        self.points.runs()
    }

    /// Appends the points of `part` this series does not hold yet, then
    /// keeps the newest `window`. A repeat is ignored; a gap (points that
    /// left the server's window) is accepted as it is.
    fn append(&mut self, part: &Part, window: usize) {
        let Some(x) = &part.x else { return };
        let count = x.len().min(part.y.len());
        let end = part.first_index.saturating_add(count as u64);
        let already = usize::try_from(self.next_index().saturating_sub(part.first_index))
            .unwrap_or(usize::MAX)
            .min(count);
        // Only the newest `window` points can survive: a hostile or huge
        // frame costs its own size, never more.
        let skip = already.max(count.saturating_sub(window));
        let p = &mut self.points;
        p.extend(x.iter().zip(part.y.iter()).take(count).skip(skip));
        p.set_next_index(p.next_index().max(end));
        p.trim(window);
    }
}

/// Every series of one append channel, found by name in constant time.
#[derive(Debug, Clone, Default)]
pub struct SeriesSet {
    series: Vec<SeriesHistory>,
    by_name: HashMap<String, usize>,
    /// Parts dropped because the channel already had
    /// [`MAX_SERIES_PER_CHANNEL`] names.
    pub ignored_parts: u64,
}

impl SeriesSet {
    /// A set of the given series (names must be distinct; later ones with
    /// a name already present are dropped).
    pub fn from_series(series: impl IntoIterator<Item = SeriesHistory>) -> Self {
        let mut set = Self::default();
        for s in series {
            if !set.by_name.contains_key(&s.name) {
                set.by_name.insert(s.name.clone(), set.series.len());
                set.series.push(s);
            }
        }
        set
    }

    /// The series, in order of first appearance.
    pub fn series(&self) -> &[SeriesHistory] {
        &self.series
    }

    /// Keeps at most `window` points of every series (the layout may
    /// shrink a channel's window).
    pub(crate) fn trim(&mut self, window: usize) {
        for s in &mut self.series {
            s.points.trim(window);
        }
    }

    /// Replaces a series' history with one frame's part (points reduced
    /// for the viewer's view: the server's window, or its visible range,
    /// as drawing needs it), expecting `next_index` next; `reduced`: the
    /// points stand for more than themselves.
    pub(crate) fn replace(&mut self, part: &Part, next_index: u64, window: usize, reduced: bool) {
        let Some(pos) = self.position(&part.name) else {
            return;
        };
        let mut fresh = SeriesHistory::new(part.name.clone());
        if let Some(x) = &part.x {
            let count = x.len().min(part.y.len());
            let skip = count.saturating_sub(window);
            fresh
                .points
                .extend(x.iter().zip(part.y.iter()).take(count).skip(skip));
        }
        fresh.points.set_next_index(next_index);
        fresh.reduced = reduced;
        self.series[pos] = fresh;
    }

    /// The position of series `name`, added if new and there is room.
    fn position(&mut self, name: &str) -> Option<usize> {
        match self.by_name.get(name) {
            Some(&pos) => Some(pos),
            None if self.series.len() >= MAX_SERIES_PER_CHANNEL => {
                self.ignored_parts += 1;
                None
            }
            None => {
                self.by_name.insert(name.to_owned(), self.series.len());
                self.series.push(SeriesHistory::new(name));
                Some(self.series.len() - 1)
            }
        }
    }

    /// Appends one frame's part (its name already made safe).
    pub(crate) fn append(&mut self, part: &Part, window: usize) {
        if let Some(pos) = self.position(&part.name) {
            self.series[pos].append(part, window);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::{Array, CHUNK_POINTS};

    fn part(name: &str, first: u64, values: &[f64]) -> Part {
        Part {
            name: name.into(),
            first_index: first,
            x: Some(Array::from_f64(values)),
            y: Array::from_f64(values),
        }
    }

    fn ys(s: &SeriesHistory) -> Vec<f64> {
        let from_points: Vec<f64> = s.points().map(|(_, y)| y).collect();
        let from_runs: Vec<f64> = s.runs().flat_map(|(_, y)| y.iter().copied()).collect();
        assert_eq!(from_points, from_runs, "points and runs agree");
        from_points
    }

    #[test]
    fn repeats_are_ignored_gaps_accepted_and_the_window_kept() {
        let mut set = SeriesSet::default();
        set.append(&part("a", 0, &[0.0, 1.0, 2.0]), 4);
        set.append(&part("a", 1, &[1.0, 2.0, 3.0]), 4);
        assert_eq!(ys(&set.series()[0]), [0.0, 1.0, 2.0, 3.0]);
        set.append(&part("a", 10, &[10.0, 11.0]), 4);
        assert_eq!(ys(&set.series()[0]), [2.0, 3.0, 10.0, 11.0]);
        assert_eq!(set.series()[0].next_index(), 12);
        // An index at the very end of u64 neither overflows nor panics.
        set.append(&part("a", u64::MAX - 1, &[1.0, 2.0, 3.0]), 4);
        assert_eq!(set.series()[0].next_index(), u64::MAX);
    }

    #[test]
    fn chunked_window_matches_a_plain_model() {
        let window = 3 * CHUNK_POINTS + 17;
        let mut set = SeriesSet::default();
        let mut model: Vec<f64> = Vec::new();
        let mut held = Vec::new();
        for round in 0..60u64 {
            let n = (round * 977 % 9000) as usize;
            let start = model.len();
            let v: Vec<f64> = (start..start + n).map(|i| i as f64).collect();
            set.append(&part("", start as u64, &v), window);
            model.extend(&v);
            if round % 7 == 0 {
                // A drawing snapshot held across later appends.
                held.push((set.clone(), model.clone()));
            }
            let keep = model.len().saturating_sub(window);
            assert_eq!(ys(&set.series()[0]), model[keep..], "round {round}");
        }
        for (snapshot, model) in held {
            let keep = model.len().saturating_sub(window);
            assert_eq!(ys(&snapshot.series()[0]), model[keep..]);
        }
    }

    #[test]
    fn names_are_capped() {
        let mut set = SeriesSet::default();
        for i in 0..MAX_SERIES_PER_CHANNEL + 10 {
            set.append(&part(&format!("s{i}"), 0, &[1.0]), 10);
        }
        assert_eq!(set.series().len(), MAX_SERIES_PER_CHANNEL);
        assert_eq!(set.ignored_parts, 10);
        // A known name still appends.
        set.append(&part("s0", 1, &[2.0]), 10);
        assert_eq!(ys(&set.series()[0]), [1.0, 2.0]);
    }
}
