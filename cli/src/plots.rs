//! [`Plots`]: the [`Sink`] that publishes through a running
//! [`plotcast::Server`], creating each plot's channel with its options the
//! first time data arrives for it.
//!
//! A channel keeps one kind for its life. When data of another kind comes
//! for a plot (a JSON key that held numbers now holds an array), it goes to
//! a plot of its own, `"a (line)"`, and the user is told once, in
//! plotcast's words.

use std::collections::HashMap;

use plotcast::{ChannelBuilder, Heatmap, Line, Series, Server, Trace};

use crate::plot_options::PlotOptions;
use crate::problems::Problems;
use crate::sink::Sink;

/// What a plot is drawn as, by the data that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Series,
    Line,
    Heatmap,
}

impl Kind {
    /// The channel kind's name, as the server names kinds.
    fn word(self) -> &'static str {
        match self {
            Kind::Series => "series",
            Kind::Line => "line",
            Kind::Heatmap => "heatmap",
        }
    }

    /// The data that makes such a plot.
    fn data(self) -> &'static str {
        match self {
            Kind::Series => "numbers",
            Kind::Line => "1-D arrays",
            Kind::Heatmap => "2-D arrays",
        }
    }
}

/// Publishes parsed values to the server's channels.
#[derive(Debug)]
pub struct Plots<'s> {
    server: &'s Server,
    options: &'s PlotOptions,
    problems: &'s Problems,
    x_name: Option<String>,
    series: HashMap<String, Series>,
    lines: HashMap<String, Line>,
    heatmaps: HashMap<String, Heatmap>,
    /// Plot names in order of creation.
    created: Vec<String>,
    /// The kind each name was first created as.
    kinds: HashMap<String, Kind>,
}

impl<'s> Plots<'s> {
    /// Plots on `server` with `options`; a plot whose data changes kind is
    /// said to `problems`.
    pub fn new(server: &'s Server, options: &'s PlotOptions, problems: &'s Problems) -> Self {
        Self {
            server,
            options,
            problems,
            x_name: None,
            series: HashMap::new(),
            lines: HashMap::new(),
            heatmaps: HashMap::new(),
            created: Vec::new(),
            kinds: HashMap::new(),
        }
    }

    /// The plots created, in order.
    pub fn created(&self) -> &[String] {
        &self.created
    }

    /// Plot names that options named but no data created (likely typos).
    pub fn unused_names(&self) -> Vec<String> {
        self.options
            .named_plots()
            .into_iter()
            .filter(|n| !self.created.iter().any(|c| c == n))
            .map(str::to_owned)
            .collect()
    }

    /// The channel name for `plot`'s data of `kind`: the plot's own name,
    /// unless a plot of another kind has it.
    fn channel_name(&mut self, plot: &str, kind: Kind) -> String {
        let Some(&first) = self.kinds.get(plot) else {
            self.kinds.insert(plot.to_owned(), kind);
            return plot.to_owned();
        };
        let mut name = format!("{plot} ({})", kind.word());
        let mut n = 2;
        while self.kinds.contains_key(&name) {
            name = format!("{plot} ({} {n})", kind.word());
            n += 1;
        }
        self.kinds.insert(name.clone(), kind);
        self.problems.note(format_args!(
            "\"{plot}\" is plotted as a {} (from {}); its {} are plotted as \"{name}\"",
            first.word(),
            first.data(),
            kind.data()
        ));
        name
    }

    fn builder(&mut self, plot: &str, kind: Kind) -> ChannelBuilder {
        let name = self.channel_name(plot, kind);
        self.created.push(name.clone());
        let series = kind == Kind::Series;
        let o = self.options;
        let mut b = self.server.channel(name);
        if let Some(title) = o.titles.get(plot) {
            b = b.title(title.clone());
        }
        let x_label = o
            .x_labels
            .get(plot)
            .cloned()
            .or_else(|| series.then(|| self.x_name.clone()).flatten());
        if let Some(label) = x_label {
            b = b.x_label(label);
        }
        if let Some(label) = o.y_labels.get(plot) {
            b = b.y_label(label.clone());
        }
        if o.log_x.contains(plot) {
            b = b.log_x();
        }
        if o.log_y.contains(plot) {
            b = b.log_y();
        }
        if let Some(&(lo, hi)) = o.y_ranges.get(plot) {
            b = b.y_range(lo, hi);
        }
        if let Some(map) = o.colormap {
            b = b.colormap(map);
        }
        if series && o.history_points > 0 {
            b = b.history_points(o.history_points);
        }
        b
    }
}

impl Sink for Plots<'_> {
    fn series(&mut self, plot: &str, series: &str, x: &[f64], y: &[f64]) {
        if !self.series.contains_key(plot) {
            let handle = self.builder(plot, Kind::Series).series();
            self.series.insert(plot.to_owned(), handle);
        }
        if let Some(handle) = self.series.get(plot) {
            handle.extend_to(series, x, y);
        }
    }

    fn line(&mut self, plot: &str, traces: &[Trace<'_>]) {
        if !self.lines.contains_key(plot) {
            let handle = self.builder(plot, Kind::Line).line();
            self.lines.insert(plot.to_owned(), handle);
        }
        if let Some(handle) = self.lines.get(plot) {
            handle.publish_traces(traces);
        }
    }

    fn heatmap(&mut self, plot: &str, values: &[f64], nx: usize, ny: usize) {
        if !self.heatmaps.contains_key(plot) {
            let handle = self.builder(plot, Kind::Heatmap).heatmap();
            self.heatmaps.insert(plot.to_owned(), handle);
        }
        if let Some(handle) = self.heatmaps.get(plot) {
            handle.publish(values, nx, ny);
        }
    }

    fn x_name(&mut self, name: &str) {
        self.x_name = Some(name.to_owned());
    }
}
