//! The model: what the viewer knows. The layout, the newest data of every
//! channel, the bounded history of append series, and the status (the
//! connection, frame figures, and where the data comes from), plus what
//! can be read off the data (traces, extents, ranges). No UI, network or
//! replay logic: the network thread and a replay write a [`PlotState`],
//! the view and the renderer read it.

mod history;
mod plot_state;
mod ranges;
mod status;
mod traces;

pub use history::{SeriesHistory, SeriesSet, MAX_SERIES_PER_CHANNEL};
pub use plot_state::{ChannelData, PlotState, DEFAULT_HISTORY_POINTS};
pub use ranges::AxisView;
pub(crate) use ranges::{min_max, resolve, valid, Extent, MinMax, Pad};
pub use status::{Connection, RecordingStatus, ReplayStatus, Status};
pub use traces::{data_x_extent, trace_label};
pub(crate) use traces::{nearest_point, shown_traces, Trace, TracePoints};
