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
//! The public API is what a viewer of your own needs: [`Viewer`], the
//! plot-type API ([`plot_types`], [`PlotType`], [`PlotTypes`],
//! [`AxisView`], [`Colormap`]), the errors ([`RunError`], [`NetError`]) and
//! the [`plotters`] version the viewer draws with.
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
//!
//! These layers are private. The cargo feature `internals` makes them
//! public modules under the same names, for the benchmarks (`bench/`) and
//! the tests; they are not a stable API.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// Without `internals`, items (and re-exports) that only the benchmarks and
// tests use are unreachable from the public API.
#![cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]

/// Declares the viewer's layers: private modules, or public ones with the
/// `internals` feature.
macro_rules! layers {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            mod $name;
        )*
    };
}

layers!(
    cli, clock, headless, mode, model, net, options, pacing, peer_text, recording, render, view,
    viewer, window,
);

pub mod colormap;
pub mod error;
pub mod plot_types;

pub use colormap::Colormap;
pub use error::{NetError, RunError};
pub use model::AxisView;
pub use plot_types::{PlotType, PlotTypes};
pub use viewer::Viewer;

/// The plotters version the viewer draws with: plot types use it through
/// this path, so their drawing code always matches the viewer's.
pub use plotters;
