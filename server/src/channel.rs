//! Channel handles: what the computation publishes through.
//!
//! A handle is cheap to clone and `Send + Sync`. Publishing encodes the
//! frame once (a copy of the data into the wire format), stores it as the
//! channel's newest value and wakes the network side; it never waits for a
//! viewer or the network. A publish whose shape is wrong (for example a
//! heatmap whose value count is not `nx * ny`) is dropped, counted in
//! [`ChannelStats::invalid`](crate::ChannelStats::invalid) and logged once
//! per channel.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use plotcast_protocol::{
    check_data, colormap, encode_data_aligned, ArrayRef, ChannelKind, ChannelOptions, ChannelSpec,
    Colormap, FrameRef, GridCell, PartRef, ProtocolError, Scale, UnknownColormap, MAX_NAME_BYTES,
};

use plotcast_protocol::util::{lock, unix_now_us};

use crate::frame_pool::FramePool;
use crate::hub::{Channel, Hub, Store};
use crate::reduce::HeatmapReduce;
use crate::ChannelError;

/// Builds a channel with options: `server.channel("t").y_label("K").heatmap()`.
#[derive(Debug)]
#[must_use = "a channel builder does nothing until a kind method (heatmap, line, ...) is called"]
pub struct ChannelBuilder {
    hub: Arc<Hub>,
    name: String,
    options: ChannelOptions,
    heatmap_reduce: HeatmapReduce,
}

impl ChannelBuilder {
    pub(crate) fn new(hub: Arc<Hub>, name: String) -> Self {
        Self {
            hub,
            name,
            options: ChannelOptions::default(),
            heatmap_reduce: HeatmapReduce::default(),
        }
    }

    /// Replaces every display option at once (see [`ChannelOptions`]: the
    /// same options the viewer receives).
    ///
    /// # Errors
    /// [`UnknownColormap`] when `options.colormap` names a map no viewer
    /// draws (a viewer would draw viridis without a word); the message
    /// lists the names. [`colormap`](Self::colormap) takes a [`Colormap`],
    /// which cannot be misspelt.
    pub fn options(mut self, options: ChannelOptions) -> Result<Self, UnknownColormap> {
        colormap::check(&options.colormap)?;
        self.options = options;
        Ok(self)
    }

    /// Plot title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.options.title = title.into();
        self
    }

    /// X axis label.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.options.x_label = label.into();
        self
    }

    /// Y axis label.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.options.y_label = label.into();
        self
    }

    /// Logarithmic x axis.
    pub fn log_x(mut self) -> Self {
        self.options.x_scale = Scale::Log;
        self
    }

    /// Logarithmic y axis.
    pub fn log_y(mut self) -> Self {
        self.options.y_scale = Scale::Log;
        self
    }

    /// Fixed x range.
    pub fn x_range(mut self, min: f64, max: f64) -> Self {
        self.options.x_range = Some((min, max));
        self
    }

    /// Fixed y range (for heatmaps: the colour range).
    pub fn y_range(mut self, min: f64, max: f64) -> Self {
        self.options.y_range = Some((min, max));
        self
    }

    /// Position in the figure grid (0-based), spanning one cell.
    pub fn cell(mut self, row: u16, col: u16) -> Self {
        self.options.cell = Some(GridCell {
            row,
            col,
            rows: 1,
            cols: 1,
        });
        self
    }

    /// Position and span in the figure grid.
    pub fn cell_span(mut self, row: u16, col: u16, rows: u16, cols: u16) -> Self {
        self.options.cell = Some(GridCell {
            row,
            col,
            rows: rows.max(1),
            cols: cols.max(1),
        });
        self
    }

    /// Heatmap colormap: `Colormap::Magma`, `Colormap::Magma.reversed()`,
    /// or a name read with `"magma_r".parse::<Colormap>()?` (whose error
    /// lists the names).
    pub fn colormap(mut self, map: Colormap) -> Self {
        self.options.colormap = map.name().to_owned();
        self
    }

    /// History window of an append series, in points per series.
    pub fn history_points(mut self, points: usize) -> Self {
        self.options.history_points = u32::try_from(points).unwrap_or(u32::MAX);
        self
    }

    /// Links this plot's x axis to every plot of the same `group`: zooming
    /// or panning one in the viewer moves them all (for example several
    /// series over the same time axis).
    pub fn link_x(mut self, group: impl Into<String>) -> Self {
        self.options.link_x = group.into();
        self
    }

    /// What a heatmap's values are: the label of its colourbar (for example
    /// `"T (K)"`).
    pub fn value_label(mut self, label: impl Into<String>) -> Self {
        self.options.value_label = label.into();
        self
    }

    /// Where a heatmap lies in data coordinates, as matplotlib's
    /// `imshow(extent=[left, right, bottom, top])`: its axes show these
    /// coordinates instead of column and row numbers, so it lines up with
    /// other plots of the same space. Column 0 starts at `left`, row 0
    /// (the first row published) at `bottom`. A viewer ignores an extent
    /// that is not finite or has no width or height.
    pub fn extent(mut self, left: f64, right: f64, bottom: f64, top: f64) -> Self {
        self.options.extent = Some([left, right, bottom, top]);
        self
    }

    /// Makes a heatmap one tile of a grid computed by several processes of
    /// a run (domain decomposition, for example one MPI rank each): this
    /// process's grid starts at column `x0`, row `y0` of a `global_nx ×
    /// global_ny` grid. A viewer of the run through NATS stitches every
    /// process's tile into one picture.
    pub fn tile(mut self, x0: u32, y0: u32, global_nx: u32, global_ny: u32) -> Self {
        self.options.tile = Some([x0, y0, global_nx, global_ny]);
        self
    }

    /// How a heatmap is reduced for a viewer that shows fewer pixels than
    /// it has cells: [`HeatmapReduce::Extreme`] (default: a single hot or
    /// cold cell survives), `Mean`, `Max` or `Min`.
    pub fn heatmap_reduce(mut self, mode: HeatmapReduce) -> Self {
        self.heatmap_reduce = mode;
        self
    }

    fn build(self, kind: ChannelKind) -> Handle {
        let spec = self.spec(kind);
        self.build_spec(spec)
    }

    fn try_build(self, kind: ChannelKind) -> Result<Handle, ChannelError> {
        let spec = self.spec(kind);
        self.try_build_spec(spec)
    }

    /// Creates (or finds) the channel described by `spec`.
    pub(crate) fn try_build_spec(self, spec: ChannelSpec) -> Result<Handle, ChannelError> {
        let channel = self.hub.channel(spec, self.heatmap_reduce)?;
        Ok(Handle {
            hub: self.hub,
            channel,
        })
    }

    /// [`try_build_spec`](Self::try_build_spec) for the kind methods that
    /// cannot fail: a channel that cannot be added is logged, and its
    /// handle drops what is published (the computation goes on).
    pub(crate) fn build_spec(self, spec: ChannelSpec) -> Handle {
        let hub = Arc::clone(&self.hub);
        match self.try_build_spec(spec.clone()) {
            Ok(handle) => handle,
            Err(err) => {
                tracing::error!(target: "plotcast",
                    "{err}; what is published to it is dropped (the try_ kind methods return this error)");
                Handle {
                    hub,
                    channel: Arc::new(Channel::refused(&spec)),
                }
            }
        }
    }

    /// The spec these options give a channel of `kind`.
    pub(crate) fn spec(&self, kind: ChannelKind) -> ChannelSpec {
        ChannelSpec::with_options(0, &self.name, kind, self.options.clone())
    }

    /// A heatmap channel. One that cannot be added (see
    /// [`try_heatmap`](Self::try_heatmap)) is logged, and its handle drops
    /// what is published to it.
    pub fn heatmap(self) -> Heatmap {
        Heatmap(self.build(ChannelKind::Heatmap))
    }

    /// A line channel; see [`heatmap`](Self::heatmap) for one that cannot
    /// be added.
    pub fn line(self) -> Line {
        Line(self.build(ChannelKind::Line))
    }

    /// A scatter channel; see [`heatmap`](Self::heatmap) for one that
    /// cannot be added.
    pub fn scatter(self) -> Scatter {
        Scatter(self.build(ChannelKind::Scatter))
    }

    /// A bars / histogram channel; see [`heatmap`](Self::heatmap) for one
    /// that cannot be added.
    pub fn bars(self) -> Bars {
        Bars(self.build(ChannelKind::Bars))
    }

    /// An append-mode time series channel; see [`heatmap`](Self::heatmap)
    /// for one that cannot be added.
    pub fn series(self) -> Series {
        Series(self.build(ChannelKind::Series))
    }

    /// A heatmap channel, or why it cannot be added.
    ///
    /// # Errors
    /// [`ChannelError::LayoutTooLarge`] when the figure's layout with this
    /// channel would be larger than a viewer accepts (tens of thousands of
    /// channels); nothing is added then.
    pub fn try_heatmap(self) -> Result<Heatmap, ChannelError> {
        self.try_build(ChannelKind::Heatmap).map(Heatmap)
    }

    /// A line channel, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_heatmap`](Self::try_heatmap).
    pub fn try_line(self) -> Result<Line, ChannelError> {
        self.try_build(ChannelKind::Line).map(Line)
    }

    /// A scatter channel, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_heatmap`](Self::try_heatmap).
    pub fn try_scatter(self) -> Result<Scatter, ChannelError> {
        self.try_build(ChannelKind::Scatter).map(Scatter)
    }

    /// A bars / histogram channel, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_heatmap`](Self::try_heatmap).
    pub fn try_bars(self) -> Result<Bars, ChannelError> {
        self.try_build(ChannelKind::Bars).map(Bars)
    }

    /// An append-mode time series channel, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_heatmap`](Self::try_heatmap).
    pub fn try_series(self) -> Result<Series, ChannelError> {
        self.try_build(ChannelKind::Series).map(Series)
    }
}

/// One named trace of a multi-trace publish (line, scatter, bars).
#[derive(Debug, Clone, Copy)]
pub struct Trace<'a> {
    /// Legend name.
    pub name: &'a str,
    /// x values (line, scatter), or bin edges / centres (bars).
    pub x: Option<&'a [f64]>,
    /// y values or heights.
    pub y: &'a [f64],
}

impl<'a> Trace<'a> {
    /// A trace of y values only.
    pub fn y(name: &'a str, y: &'a [f64]) -> Self {
        Self { name, x: None, y }
    }

    /// A trace of x and y values.
    pub fn xy(name: &'a str, x: &'a [f64], y: &'a [f64]) -> Self {
        Self {
            name,
            x: Some(x),
            y,
        }
    }
}

/// What every handle holds.
#[derive(Debug, Clone)]
pub(crate) struct Handle {
    hub: Arc<Hub>,
    pub(crate) channel: Arc<Channel>,
}

/// Frames from this size are written over the channel's newest one when
/// they can be (smaller ones alternate between two buffers that stay in
/// cache anyway).
const IN_PLACE_BYTES: usize = 64 * 1024;

impl Handle {
    pub(crate) fn publish(
        &self,
        nx: usize,
        ny: usize,
        range: Option<(f64, f64)>,
        parts: &[PartRef<'_>],
    ) {
        if self.dropped_as_refused() {
            return;
        }
        let ch = &self.channel;
        let (Ok(nx), Ok(ny)) = (u32::try_from(nx), u32::try_from(ny)) else {
            self.invalid(&format!("grid {nx}x{ny} is too large"));
            return;
        };
        let frame = |seq, timestamp_us| FrameRef {
            nx,
            ny,
            range,
            ..FrameRef::new(ch.id, seq, timestamp_us, ch.kind, parts)
        };
        let bytes: usize = parts
            .iter()
            .map(|p| p.x.map_or(0, |x| x.byte_len()) + p.y.byte_len())
            .sum();
        // A large frame is written over the newest one (its bytes are in
        // cache) when nobody holds that and no viewer is connected to look
        // for it meanwhile, once it is sure to encode.
        let buf = if bytes >= IN_PLACE_BYTES
            && !self.hub.relayed.load(Ordering::Relaxed)
            && check_data(&frame(0, 0)).is_ok()
        {
            ch.take_newest_buffer(self.hub.watchers.load(Ordering::Relaxed) > 0)
        } else {
            ch.take_buffer()
        };
        let encoded = self.claim(buf, |seq, timestamp_us, out| {
            encode_data_aligned(&frame(seq, timestamp_us), out)
        });
        if let Some((seq, buf, lead)) = encoded {
            let mut frame = buf.freeze();
            frame.advance(lead);
            self.stored(seq, frame);
        }
    }

    /// The next frame, `encode`d (given its sequence number and time) into
    /// `buf`, with the sequence number it now holds; `None` (counted as
    /// invalid) when it does not encode.
    pub(crate) fn claim<R>(
        &self,
        mut buf: BytesMut,
        encode: impl Fn(u64, u64, &mut BytesMut) -> Result<R, ProtocolError>,
    ) -> Option<(u64, BytesMut, R)> {
        let ch = &self.channel;
        let timestamp_us = unix_now_us();
        // The sequence number is taken only once the frame has encoded (a
        // refused publish must not look like a value viewers skipped). It
        // is in the encoded header, so it is claimed after encoding; if
        // another thread published to this channel meanwhile, the frame is
        // encoded again with the next number.
        loop {
            let seq = ch.seq.load(Ordering::Acquire) + 1;
            let encoded = match encode(seq, timestamp_us, &mut buf) {
                Ok(encoded) => encoded,
                Err(err) => {
                    ch.return_buffer(buf);
                    self.invalid(&err.to_string());
                    return None;
                }
            };
            let claimed =
                ch.seq
                    .compare_exchange(seq - 1, seq, Ordering::AcqRel, Ordering::Acquire);
            if claimed.is_ok() {
                return Some((seq, buf, encoded));
            }
            buf.clear();
        }
    }

    /// The channel's pool of lent frame buffers.
    pub(crate) fn frame_pool(&self) -> Arc<FramePool> {
        Arc::clone(&self.channel.frame_pool)
    }

    /// Stores frame `seq` as the channel's newest and wakes the network
    /// thread.
    pub(crate) fn stored(&self, seq: u64, frame: Bytes) {
        self.channel.store_frame(seq, frame);
        self.channel.publishes.fetch_add(1, Ordering::Relaxed);
        self.hub.notify();
    }

    fn traces(&self, traces: &[Trace<'_>]) {
        let parts: Vec<PartRef<'_>> = traces
            .iter()
            .map(|t| PartRef {
                name: t.name,
                first_index: 0,
                x: t.x.map(ArrayRef::F64),
                y: ArrayRef::F64(t.y),
            })
            .collect();
        self.publish(0, 0, None, &parts);
    }

    /// The channel's plot type (empty unless it is a custom channel).
    pub(crate) fn plot_type(&self) -> String {
        lock(&self.hub.layout)
            .layout
            .channels
            .get(self.channel.id as usize)
            .map(|c| c.plot_type.clone())
            .unwrap_or_default()
    }

    /// True (and counted as invalid) for a channel that was not added:
    /// its creation was logged, its publishes are only counted.
    pub(crate) fn dropped_as_refused(&self) -> bool {
        if self.channel.refused {
            self.channel.invalid.fetch_add(1, Ordering::Relaxed);
        }
        self.channel.refused
    }

    pub(crate) fn invalid(&self, reason: &str) {
        if self.channel.invalid.fetch_add(1, Ordering::Relaxed) == 0 {
            tracing::warn!(target: "plotcast", channel = %self.channel.name,
                "publish dropped (further ones on this channel are only counted): {reason}");
        }
    }

    fn extend(&self, name: &str, t: &[f64], y: &[f64]) {
        if self.dropped_as_refused() {
            return;
        }
        let ch = &self.channel;
        if t.len() != y.len() {
            self.invalid(&format!("{} times for {} values", t.len(), y.len()));
            return;
        }
        // A longer name could never be encoded: every batch of the channel
        // would fail.
        if name.len() > MAX_NAME_BYTES {
            let len = name.len();
            self.invalid(&format!(
                "series name of {len} bytes (limit {MAX_NAME_BYTES})"
            ));
            return;
        }
        if let Store::Series(store) = &ch.store {
            lock(store).extend(name, t, y);
            ch.seq.fetch_add(y.len() as u64, Ordering::Relaxed);
            ch.publishes.fetch_add(1, Ordering::Relaxed);
            self.hub.notify();
        }
    }
}

/// The `name` and `id` methods every handle type has.
macro_rules! common_methods {
    ($t:ident) => {
        impl $t {
            /// The channel's name (unique within the server).
            pub fn name(&self) -> &str {
                &self.0.channel.name
            }

            /// The channel id used on the wire (`u32::MAX` for a channel
            /// that could not be added).
            pub fn id(&self) -> u32 {
                self.0.channel.id
            }
        }
    };
}
pub(crate) use common_methods;

/// A heatmap: an `nx × ny` grid drawn through a colormap.
#[derive(Debug, Clone)]
pub struct Heatmap(pub(crate) Handle);
common_methods!(Heatmap);

impl Heatmap {
    /// Publishes a row-major grid (`values.len() == nx * ny`, row 0 first).
    pub fn publish(&self, values: &[f64], nx: usize, ny: usize) {
        self.0
            .publish(nx, ny, None, &[part(None, ArrayRef::F64(values))]);
    }

    /// Publishes a grid with a fixed colour range `(min, max)` for this
    /// frame (otherwise the channel's `y_range`, else autoscale).
    pub fn publish_with_range(&self, values: &[f64], nx: usize, ny: usize, range: (f64, f64)) {
        self.0
            .publish(nx, ny, Some(range), &[part(None, ArrayRef::F64(values))]);
    }

    /// Publishes an f32 grid (half the bytes on the wire).
    pub fn publish_f32(&self, values: &[f32], nx: usize, ny: usize) {
        self.0
            .publish(nx, ny, None, &[part(None, ArrayRef::F32(values))]);
    }
}

/// A line plot: one or more named traces.
#[derive(Debug, Clone)]
pub struct Line(pub(crate) Handle);
common_methods!(Line);

impl Line {
    /// Publishes y values against their index.
    pub fn publish(&self, y: &[f64]) {
        self.0.publish(0, 0, None, &[part(None, ArrayRef::F64(y))]);
    }

    /// Publishes y against x (equal lengths).
    pub fn publish_xy(&self, x: &[f64], y: &[f64]) {
        self.0.publish(
            0,
            0,
            None,
            &[part(Some(ArrayRef::F64(x)), ArrayRef::F64(y))],
        );
    }

    /// Publishes f32 y values against their index.
    pub fn publish_f32(&self, y: &[f32]) {
        self.0.publish(0, 0, None, &[part(None, ArrayRef::F32(y))]);
    }

    /// Publishes several named traces at once (they replace the previous
    /// ones together).
    pub fn publish_traces(&self, traces: &[Trace<'_>]) {
        self.0.traces(traces);
    }
}

/// A scatter plot: points of one or more named traces.
#[derive(Debug, Clone)]
pub struct Scatter(Handle);
common_methods!(Scatter);

impl Scatter {
    /// Publishes points (equal lengths).
    pub fn publish(&self, x: &[f64], y: &[f64]) {
        self.0.publish(
            0,
            0,
            None,
            &[part(Some(ArrayRef::F64(x)), ArrayRef::F64(y))],
        );
    }

    /// Publishes several named traces; each needs x.
    pub fn publish_traces(&self, traces: &[Trace<'_>]) {
        self.0.traces(traces);
    }
}

/// Bars or a histogram.
#[derive(Debug, Clone)]
pub struct Bars(Handle);
common_methods!(Bars);

impl Bars {
    /// Publishes heights at positions 0, 1, 2, ...
    pub fn publish(&self, heights: &[f64]) {
        self.0
            .publish(0, 0, None, &[part(None, ArrayRef::F64(heights))]);
    }

    /// Publishes a histogram: `edges.len() == heights.len() + 1` (or bar
    /// centres, one per height).
    pub fn publish_edges(&self, edges: &[f64], heights: &[f64]) {
        self.0.publish(
            0,
            0,
            None,
            &[part(Some(ArrayRef::F64(edges)), ArrayRef::F64(heights))],
        );
    }

    /// Publishes several named sets of bars.
    pub fn publish_traces(&self, traces: &[Trace<'_>]) {
        self.0.traces(traces);
    }
}

/// An append-mode time series: points accumulate in a bounded window, and
/// every viewer receives every point it has not seen that is still in it.
#[derive(Debug, Clone)]
pub struct Series(Handle);
common_methods!(Series);

impl Series {
    /// Appends one point to the default series.
    pub fn push(&self, t: f64, y: f64) {
        self.0.extend("", &[t], &[y]);
    }

    /// Appends one point to the named series of this channel.
    pub fn push_to(&self, series: &str, t: f64, y: f64) {
        self.0.extend(series, &[t], &[y]);
    }

    /// Appends many points (equal lengths) to the default series.
    pub fn extend(&self, t: &[f64], y: &[f64]) {
        self.0.extend("", t, y);
    }

    /// Appends many points (equal lengths) to the named series.
    pub fn extend_to(&self, series: &str, t: &[f64], y: &[f64]) {
        self.0.extend(series, t, y);
    }
}

pub(crate) fn part<'a>(x: Option<ArrayRef<'a>>, y: ArrayRef<'a>) -> PartRef<'a> {
    PartRef {
        name: "",
        first_index: 0,
        x,
        y,
    }
}
