//! [`Sink`]: where parsed values go (the server's channels, or a counter in
//! benchmarks), and [`SeriesBatch`], which gathers the points of one block
//! so each series is appended once per block, not once per line.

use std::collections::HashMap;

use plotcast::Trace;

/// Receives what the parser read. A plot is named; a series channel holds
/// one or more named series (`""` is the plot's only series).
pub trait Sink {
    /// Appends points to series `series` of plot `plot`.
    fn series(&mut self, plot: &str, series: &str, x: &[f64], y: &[f64]);
    /// Replaces the traces of line plot `plot`.
    fn line(&mut self, plot: &str, traces: &[Trace<'_>]);
    /// Replaces the grid of heatmap `plot` (row-major, `nx` columns).
    fn heatmap(&mut self, plot: &str, values: &[f64], nx: usize, ny: usize);
    /// The name of the x axis of series plots (the x column or key), once
    /// known.
    fn x_name(&mut self, _name: &str) {}
}

/// Counts what arrives; for benchmarks and tests.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CountingSink {
    /// Series points received.
    pub points: u64,
    /// Line publishes received.
    pub lines: u64,
    /// Values in line publishes.
    pub line_values: u64,
    /// Heatmap publishes received.
    pub heatmaps: u64,
    /// Values in heatmap publishes.
    pub heatmap_values: u64,
    /// Sum of all finite series values (to check what was parsed).
    pub sum: f64,
}

impl Sink for CountingSink {
    fn series(&mut self, _plot: &str, _series: &str, _x: &[f64], y: &[f64]) {
        self.points += y.len() as u64;
        self.sum += y.iter().filter(|v| v.is_finite()).sum::<f64>();
    }
    fn line(&mut self, _plot: &str, traces: &[Trace<'_>]) {
        self.lines += 1;
        self.line_values += traces.iter().map(|t| t.y.len() as u64).sum::<u64>();
    }
    fn heatmap(&mut self, _plot: &str, values: &[f64], _nx: usize, _ny: usize) {
        self.heatmaps += 1;
        self.heatmap_values += values.len() as u64;
    }
}

/// Points of one block, per series, in order of first appearance.
#[derive(Debug, Default)]
pub struct SeriesBatch {
    slots: Vec<Slot>,
    index: HashMap<(String, String), usize>,
}

#[derive(Debug)]
struct Slot {
    plot: String,
    series: String,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl SeriesBatch {
    /// The slot of series `series` of plot `plot` (created on first use;
    /// slots are stable for the batch's life).
    pub fn slot(&mut self, plot: &str, series: &str) -> usize {
        if let Some(&i) = self.index.get(&(plot.to_owned(), series.to_owned())) {
            return i;
        }
        let i = self.slots.len();
        self.slots.push(Slot {
            plot: plot.to_owned(),
            series: series.to_owned(),
            x: Vec::new(),
            y: Vec::new(),
        });
        self.index.insert((plot.to_owned(), series.to_owned()), i);
        i
    }

    /// Adds a point to a slot.
    #[inline]
    pub fn push(&mut self, slot: usize, x: f64, y: f64) {
        let s = &mut self.slots[slot];
        s.x.push(x);
        s.y.push(y);
    }

    /// Sends every slot's points to `sink` and empties the slots (keeping
    /// their memory).
    pub fn flush(&mut self, sink: &mut dyn Sink) {
        for s in &mut self.slots {
            if !s.y.is_empty() {
                sink.series(&s.plot, &s.series, &s.x, &s.y);
                s.x.clear();
                s.y.clear();
            }
        }
    }
}

/// Which plot and series a scalar column or key goes to: its own plot by
/// default, a named group's plot, or one plot for all (`--overlay`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// `--overlay`: every scalar in this one plot.
    pub overlay: Option<String>,
    /// `--group PLOT=A,B`: these columns in that plot.
    pub groups: Vec<(String, Vec<String>)>,
}

impl Routing {
    /// `(plot, series)` for the column or key `name`.
    pub fn route(&self, name: &str) -> (String, String) {
        if let Some((plot, _)) = self
            .groups
            .iter()
            .find(|(_, members)| members.iter().any(|m| m == name))
        {
            return (plot.clone(), name.to_owned());
        }
        match &self.overlay {
            Some(plot) => (plot.clone(), name.to_owned()),
            None => (name.to_owned(), String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let r = Routing {
            overlay: None,
            groups: vec![("energy".into(), vec!["kin".into(), "pot".into()])],
        };
        assert_eq!(r.route("kin"), ("energy".into(), "kin".into()));
        assert_eq!(r.route("res"), ("res".into(), String::new()));
        let r = Routing {
            overlay: Some("all".into()),
            ..r
        };
        assert_eq!(r.route("res"), ("all".into(), "res".into()));
        assert_eq!(r.route("pot"), ("energy".into(), "pot".into()));
    }

    #[test]
    fn batch_flushes_in_order_and_empties() {
        let mut b = SeriesBatch::default();
        let a = b.slot("a", "");
        let c = b.slot("c", "");
        assert_eq!(b.slot("a", ""), a);
        b.push(a, 0.0, 1.0);
        b.push(c, 0.0, 2.0);
        b.push(a, 1.0, 3.0);
        let mut sink = CountingSink::default();
        b.flush(&mut sink);
        assert_eq!((sink.points, sink.sum), (3, 6.0));
        b.flush(&mut sink);
        assert_eq!(sink.points, 3, "a flushed batch is empty");
    }
}
