//! plotcast-viewer: the viewer of plotcast streams.
//!
//! The `plotcast-viewer` binary connects to a computation that publishes
//! plots with the `plotcast` library and shows them live, in a window
//! ([`app`]) or as PNG files ([`headless`]). A named network thread
//! ([`net`]) talks to the server and keeps the newest [`state::PlotState`] in
//! [`shared::Shared`]; the drawing side renders it ([`render`]) at most at
//! the display's refresh rate and then acknowledges what it drew, which
//! paces the server: a small window of batches in flight, sized to cover
//! the round trip ([`flow`]), always the freshest data, never a backlog.
//!
//! ```no_run
//! use plotcast_viewer::{headless, net::NetConfig, options::RunOptions};
//!
//! let cfg = NetConfig { addr: "127.0.0.1:47800".into(), ..NetConfig::default() };
//! let opts = RunOptions { frames: Some(1), ..RunOptions::default() };
//! let summary = headless::run(cfg, &opts)?; // writes plotcast.png
//! # Ok::<(), plotcast_viewer::error::RunError>(())
//! ```
//!
//! A viewer of your own draws custom channels (`server.custom(name,
//! plot_type)` in the computation) with plot types you write with
//! plotters ([`plot_type::PlotType`]); everything else is this viewer:
//!
//! ```no_run
//! # struct Vortex;
//! # impl plotcast_viewer::PlotType for Vortex {
//! #     fn draw(&self, _: &plotcast_viewer::plot_type::PlotArea<'_, '_>,
//! #         _: &plotcast_viewer::plot_type::CustomData<'_>) -> plotcast_viewer::plot_type::PlotResult { Ok(()) }
//! # }
//! fn main() -> std::process::ExitCode {
//!     plotcast_viewer::Viewer::new().plot("vortex", Vortex).run()
//! }
//! ```
//!
//! Layout:
//! - [`viewer`]: [`Viewer`], the program as a builder (the binary is
//!   `Viewer::new().run()`).
//! - [`plot_type`]: [`PlotType`] and what it draws with; [`plot_registry`]:
//!   [`PlotTypes`] by name; [`plot_types`]: the built-in ones (`quiver`,
//!   `image`); [`plotters`]: the plotters crate the viewer draws with.
//! - [`cli`]: command line, default port ([`cli::DEFAULT_PORT`]), exit codes.
//! - [`options`]: drawing-side settings, output paths.
//! - [`net`]: the network thread, reconnect with backoff; [`connection`]: one
//!   connection (handshake, batches, heartbeats, clock offset); [`flow`]: the
//!   window of batches in flight; [`activity`]: sign-of-life reader;
//!   [`clock`]: the viewer's wall clock.
//! - [`shared`]: state shared with the drawing side, the "presented" handshake.
//! - [`state`]: what the viewer knows (layout, data, status line figures);
//!   [`history`]: append series in shared chunks; [`peer_text`]: peer
//!   strings made safe to print and draw.
//! - [`render`]: state → RGB pixels, PNG, softbuffer words.
//! - [`app`]: the winit window, drawing paced by [`pacer`]; [`headless`]: PNG
//!   mode; [`fps`]: frame rate.
//! - [`interaction`]: what the user chose (readout, cursors, hidden traces,
//!   log toggles, pages, help) with [`keys`] (the key table, `--help`),
//!   [`follow`] (zoomed series following the newest data) and [`linking`]
//!   (shared x axes).
//! - Recording and replay: [`recorder`] (the tap that writes a recording),
//!   [`record_headless`] (`--headless --record`), [`replay`] (the state at
//!   any time of a recording), [`player`] (position, play, speed),
//!   [`replay_headless`] (PNGs at times), [`export`] (CSV); [`mode`]: which
//!   of these a command line asks for.
//! - [`error`]: [`error::NetError`], [`error::RunError`].
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod render;
pub mod state;

pub mod activity;
pub mod app;
pub mod cli;
pub mod clock;
pub mod connection;
pub mod error;
pub mod export;
pub mod flow;
pub mod follow;
pub mod fps;
pub mod headless;
pub mod history;
pub mod interaction;
pub mod keys;
pub mod linking;
pub mod mode;
pub mod net;
pub mod options;
pub mod pacer;
pub mod peer_text;
pub mod player;
pub mod plot_registry;
pub mod plot_type;
pub mod plot_types;
pub mod record_headless;
pub mod recorder;
pub mod replay;
pub mod replay_headless;
pub mod shared;
pub mod viewer;

pub use plot_registry::PlotTypes;
pub use plot_type::PlotType;
pub use viewer::Viewer;

/// The plotters version the viewer draws with: plot types use it through
/// this path, so their drawing code always matches the viewer's.
pub use plotters;
