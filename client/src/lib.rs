//! plotcast-viewer: the viewer of plotcast streams.
//!
//! The `plotcast-viewer` binary connects to a computation that publishes
//! plots with the `plotcast` library and shows them live, in a window or as
//! PNG files, records them and replays recordings. The whole program is
//! [`Viewer`]; a viewer of your own is the stock one plus the plot types
//! you write with plotters for your custom channels ([`PlotType`], see
//! [`plot_types`]):
//!
//! ```no_run
//! # struct Vortex;
//! # impl plotcast_viewer::PlotType for Vortex {
//! #     fn draw(&self, _: &plotcast_viewer::plot_types::PlotArea<'_, '_>,
//! #         _: &plotcast_viewer::plot_types::CustomData<'_>) -> plotcast_viewer::plot_types::PlotResult { Ok(()) }
//! # }
//! fn main() -> std::process::ExitCode {
//!     plotcast_viewer::Viewer::new().plot("vortex", Vortex).run()
//! }
//! ```
//!
//! Layout (the picture is in the repository's `ARCHITECTURE.md`), each
//! layer importing only the ones below it:
//! - the program: `viewer` ([`Viewer`]), `cli` (command line, exit codes),
//!   `mode` (what a command line asks for), `options`;
//! - drawing sides: `window` (winit), `headless` (PNG files), `pacing`;
//! - `render`: model + view + size → RGB pixels; [`plot_types`] and
//!   `colormap` below it;
//! - `view`: the user's choices (zoom, pan, follow, links, cursors, pages,
//!   keys) and what a render drew where;
//! - `model`: what the viewer knows (layout, newest data, histories,
//!   status), written by `net` (the network thread) and `recording`
//!   (recorder, replay, player, export);
//! - leaves: `clock`, `peer_text`, `error`.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod colormap;
pub mod error;
pub mod headless;
pub mod mode;
pub mod model;
pub mod net;
pub mod options;
pub mod pacing;
pub mod peer_text;
pub mod plot_types;
pub mod recording;
pub mod render;
pub mod view;
pub mod viewer;
pub mod window;

pub use colormap::Colormap;
pub use model::AxisView;
pub use plot_types::{PlotType, PlotTypes};
pub use viewer::Viewer;

/// The plotters version the viewer draws with: plot types use it through
/// this path, so their drawing code always matches the viewer's.
pub use plotters;
