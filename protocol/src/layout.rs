//! The figure layout: which channels exist and how each is drawn.
//!
//! The server sends a [`Layout`] right after the handshake and again whenever
//! a channel is added. It always lists every channel, so a viewer can
//! replace its layout wholesale.

use serde::{Deserialize, Serialize};

use crate::custom::check_spec_plot_type;
use crate::ProtocolError;

/// How a channel's data is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ChannelKind {
    /// Lines: one or more named series of y (or x and y) values.
    Line = 0,
    /// Points: one or more named series of x and y values.
    Scatter = 1,
    /// A grid of `nx × ny` values drawn through a colormap.
    Heatmap = 2,
    /// Bars or a histogram: heights with optional bin edges.
    Bars = 3,
    /// Append-mode time series: points are appended and a history window kept.
    Series = 4,
    /// A custom plot: named arrays (and grid dimensions) drawn by the plot
    /// type the layout names ([`ChannelSpec::plot_type`]); see
    /// [`crate::custom`].
    Custom = 5,
}

impl ChannelKind {
    /// Every kind, in tag order.
    pub const ALL: [ChannelKind; 6] = [
        ChannelKind::Line,
        ChannelKind::Scatter,
        ChannelKind::Heatmap,
        ChannelKind::Bars,
        ChannelKind::Series,
        ChannelKind::Custom,
    ];

    /// A lower-case name for messages and logs.
    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Line => "line",
            ChannelKind::Scatter => "scatter",
            ChannelKind::Heatmap => "heatmap",
            ChannelKind::Bars => "bars",
            ChannelKind::Series => "series",
            ChannelKind::Custom => "custom",
        }
    }
}

impl TryFrom<u8> for ChannelKind {
    type Error = ProtocolError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(value))
            .copied()
            .ok_or(ProtocolError::UnknownChannelKind(value))
    }
}

/// Axis scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Scale {
    /// Linear axis.
    #[default]
    Linear = 0,
    /// Base-10 logarithmic axis.
    Log = 1,
}

impl TryFrom<u8> for Scale {
    type Error = ProtocolError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Scale::Linear),
            1 => Ok(Scale::Log),
            _ => Err(ProtocolError::UnknownValue {
                what: "axis scale",
                value,
            }),
        }
    }
}

/// Where a channel sits in the figure grid (0-based, spans at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridCell {
    /// Row of the top-left cell.
    pub row: u16,
    /// Column of the top-left cell.
    pub col: u16,
    /// Rows spanned.
    pub rows: u16,
    /// Columns spanned.
    pub cols: u16,
}

/// How a channel is shown: the options a computation chooses per channel
/// (every field has a "not set" default). One field list, used by the
/// server's API (`ChannelBuilder`), the wire and the viewer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChannelOptions {
    /// Plot title (empty: use the name).
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// X axis scale.
    #[serde(with = "scale_u8")]
    pub x_scale: Scale,
    /// Y axis scale.
    #[serde(with = "scale_u8")]
    pub y_scale: Scale,
    /// Fixed x range; `None` means autoscale.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (for heatmaps: the value range); `None` means autoscale.
    pub y_range: Option<(f64, f64)>,
    /// Grid position; `None` lets the viewer place it.
    pub cell: Option<GridCell>,
    /// Colormap name for heatmaps (empty: viridis): one of
    /// [`colormap::NAMES`](crate::colormap::NAMES), possibly with `_r`. A
    /// viewer draws a name it does not know as viridis; the server's API
    /// refuses one ([`crate::colormap::check`]).
    pub colormap: String,
    /// History window in points, for append series (0: the server's
    /// default).
    pub history_points: u32,
    /// X-axis link group: plots with the same non-empty group share x zoom
    /// and pan in the viewer (empty: not linked).
    pub link_x: String,
    /// What a heatmap's values are (the colourbar's label, for example
    /// `T (K)`); empty: no label.
    pub value_label: String,
    /// Where a heatmap lies in data coordinates, `[left, right, bottom,
    /// top]` like matplotlib's `imshow(extent=...)`: column 0 starts at
    /// `left`, the last column ends at `right`, row 0 starts at `bottom`.
    /// `None`: cell coordinates (column and row numbers).
    pub extent: Option<[f64; 4]>,
    /// A heatmap that is one tile of a grid computed by several processes
    /// (domain decomposition): `[x0, y0, global_nx, global_ny]`, its first
    /// column and row in the global grid and the global grid's size. A
    /// viewer of the run stitches the tiles of every process into one
    /// picture.
    pub tile: Option<[u32; 4]>,
}

impl ChannelOptions {
    /// The extent if it can be drawn: finite, with width and height.
    pub fn valid_extent(&self) -> Option<[f64; 4]> {
        self.extent
            .filter(|e| e.iter().all(|v| v.is_finite()) && e[0] != e[1] && e[2] != e[3])
    }
}

/// Scales travel as one byte; an unknown value fails the decode.
mod scale_u8 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use super::Scale;

    pub(super) fn serialize<S: Serializer>(scale: &Scale, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(*scale as u8)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Scale, D::Error> {
        let value = u8::deserialize(d)?;
        Scale::try_from(value).map_err(D::Error::custom)
    }
}

/// One channel: a named plot in the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSpec {
    /// Channel id, used by data frames.
    pub id: u32,
    /// Name given by the computation (unique within a server).
    pub name: String,
    /// How it is drawn.
    pub kind: ChannelKind,
    /// The plot type of a custom channel (for example `quiver`), which a
    /// viewer looks up among the plot types it can draw; empty for every
    /// other kind. See [`crate::custom::check_plot_type`] for the rules.
    pub plot_type: String,
    /// How it is shown.
    pub options: ChannelOptions,
}

impl ChannelSpec {
    /// A spec with the given id, name and kind and every option at its default.
    pub fn new(id: u32, name: impl Into<String>, kind: ChannelKind) -> Self {
        Self::with_options(id, name, kind, ChannelOptions::default())
    }

    /// A spec with the given id, name, kind and options.
    pub fn with_options(
        id: u32,
        name: impl Into<String>,
        kind: ChannelKind,
        options: ChannelOptions,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            kind,
            plot_type: String::new(),
            options,
        }
    }

    /// A custom channel's spec: kind [`ChannelKind::Custom`] with the given
    /// plot type and every other option at its default.
    pub fn custom(id: u32, name: impl Into<String>, plot_type: impl Into<String>) -> Self {
        let mut spec = Self::new(id, name, ChannelKind::Custom);
        spec.plot_type = plot_type.into();
        spec
    }

    /// The title to show: the explicit title, else the channel name.
    pub fn display_title(&self) -> &str {
        if self.options.title.is_empty() {
            &self.name
        } else {
            &self.options.title
        }
    }
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// Figure title (usually the computation's name).
    pub title: String,
    /// Number of grid columns; 0 lets the viewer choose.
    pub columns: u16,
    /// Every channel, in creation order.
    pub channels: Vec<ChannelSpec>,
}

/// Wire form of [`ChannelSpec`]: the kind travels as `u8` so an unknown
/// value becomes a typed error instead of an opaque decode failure.
#[derive(Serialize, Deserialize)]
pub(crate) struct ChannelSpecWire {
    pub(crate) id: u32,
    pub(crate) name: String,
    pub(crate) kind: u8,
    pub(crate) plot_type: String,
    pub(crate) options: ChannelOptions,
}

/// Wire form of [`Layout`].
#[derive(Serialize, Deserialize)]
pub(crate) struct LayoutWire {
    pub(crate) title: String,
    pub(crate) columns: u16,
    pub(crate) channels: Vec<ChannelSpecWire>,
}

impl From<&Layout> for LayoutWire {
    fn from(layout: &Layout) -> Self {
        Self {
            title: layout.title.clone(),
            columns: layout.columns,
            channels: layout.channels.iter().map(ChannelSpecWire::from).collect(),
        }
    }
}

impl From<&ChannelSpec> for ChannelSpecWire {
    fn from(c: &ChannelSpec) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            kind: c.kind as u8,
            plot_type: c.plot_type.clone(),
            options: c.options.clone(),
        }
    }
}

impl TryFrom<LayoutWire> for Layout {
    type Error = ProtocolError;

    fn try_from(wire: LayoutWire) -> Result<Self, Self::Error> {
        let channels = wire
            .channels
            .into_iter()
            .map(|c| {
                let kind = ChannelKind::try_from(c.kind)?;
                check_spec_plot_type(kind, &c.plot_type)?;
                Ok(ChannelSpec {
                    id: c.id,
                    name: c.name,
                    kind,
                    plot_type: c.plot_type,
                    options: c.options,
                })
            })
            .collect::<Result<Vec<_>, ProtocolError>>()?;
        Ok(Layout {
            title: wire.title,
            columns: wire.columns,
            channels,
        })
    }
}
