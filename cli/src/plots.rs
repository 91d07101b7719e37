//! [`Plots`]: the [`Sink`] that publishes through a running
//! [`plotcast::Server`], creating each plot's channel with its options the
//! first time data arrives for it.

use std::collections::HashMap;

use plotcast::{ChannelBuilder, Heatmap, Line, Series, Server, Trace};

use crate::plot_options::PlotOptions;
use crate::sink::Sink;

/// Publishes parsed values to the server's channels.
#[derive(Debug)]
pub struct Plots<'s> {
    server: &'s Server,
    options: &'s PlotOptions,
    x_name: Option<String>,
    series: HashMap<String, Series>,
    lines: HashMap<String, Line>,
    heatmaps: HashMap<String, Heatmap>,
    /// Plot names in order of creation.
    created: Vec<String>,
}

impl<'s> Plots<'s> {
    /// Plots on `server` with `options`.
    pub fn new(server: &'s Server, options: &'s PlotOptions) -> Self {
        Self {
            server,
            options,
            x_name: None,
            series: HashMap::new(),
            lines: HashMap::new(),
            heatmaps: HashMap::new(),
            created: Vec::new(),
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

    fn builder(&mut self, plot: &str, series: bool) -> ChannelBuilder {
        self.created.push(plot.to_owned());
        let o = self.options;
        let mut b = self.server.channel(plot);
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
            let handle = self.builder(plot, true).series();
            self.series.insert(plot.to_owned(), handle);
        }
        if let Some(handle) = self.series.get(plot) {
            handle.extend_to(series, x, y);
        }
    }

    fn line(&mut self, plot: &str, traces: &[Trace<'_>]) {
        if !self.lines.contains_key(plot) {
            let handle = self.builder(plot, false).line();
            self.lines.insert(plot.to_owned(), handle);
        }
        if let Some(handle) = self.lines.get(plot) {
            handle.publish_traces(traces);
        }
    }

    fn heatmap(&mut self, plot: &str, values: &[f64], nx: usize, ny: usize) {
        if !self.heatmaps.contains_key(plot) {
            let handle = self.builder(plot, false).heatmap();
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
