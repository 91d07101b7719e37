//! The model: what the viewer knows. The layout, the newest data of every
//! channel, the bounded history of append series, and the status (the
//! connection, frame figures, and where the data comes from), plus what
//! can be read off the data (traces, extents, ranges). The processes of a
//! relayed run are merged into one view by [`RunSet`] (`runs.rs`, with
//! `run_process.rs`, `run_data.rs`, `run_plan.rs`, `run_views.rs` and `stitch.rs`). No UI, network or
//! replay logic: the network thread and a replay write a [`PlotState`],
//! the view and the renderer read it.

mod history;
mod plot_state;
mod ranges;
mod relay_status;
mod run_data;
mod run_plan;
mod run_process;
mod run_views;
mod runs;
mod status;
mod stitch;
mod traces;

pub use history::{SeriesHistory, SeriesSet, MAX_SERIES_PER_CHANNEL};
pub use plot_state::{ChannelData, PlotState, DEFAULT_HISTORY_POINTS};
pub use ranges::AxisView;
pub(crate) use ranges::{min_max, resolve, valid, Extent, MinMax, Pad};
pub use relay_status::RelayStatus;
pub use run_plan::{Member, MergedPlot, Plan, Shape};
pub use run_process::{natural_cmp, Detail, ProcessEnd, ProcessKey, ProcessState};
pub use run_views::tile_view;
pub use runs::{Refusals, RunSet, MAX_PROCESSES, STALE_AFTER};
pub use status::{Connection, RecordingStatus, ReplayStatus, Status};
pub use stitch::{stitch, Tile, MAX_STITCHED_SIDE};
pub use traces::{data_x_extent, trace_label};
pub(crate) use traces::{nearest_point, shown_traces, Trace, TracePoints};
