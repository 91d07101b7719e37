//! plotcast: live plots for long computations.
//!
//! The computation links this crate, starts a [`Server`] and publishes
//! numeric frames through channel handles. A separate viewer process
//! (`plotcast-viewer`, launched automatically) draws them. Publishing never
//! waits for the network or a viewer: it encodes the frame once, stores it
//! as the channel's newest value and wakes the network thread. Each viewer
//! pulls batches when it is ready to draw and gets the newest value of every
//! channel that changed (latest value wins); append series keep a bounded
//! window and a slow viewer gets every point it missed within it.
//!
//! ```no_run
//! let server = plotcast::Server::builder().title("heat").start()?;
//! let temp = server.heatmap("temperature");
//! let profile = server.channel("profile").x_label("x").y_label("T").line();
//! let energy = server.series("energy");
//! let (nx, ny) = (64, 32);
//! let mut grid = vec![0.0; nx * ny];
//! for step in 0..1000 {
//!     grid[step % (nx * ny)] = 1.0;
//!     temp.publish(&grid, nx, ny);
//!     profile.publish(&grid[..nx]);
//!     energy.push(step as f64, grid.iter().sum());
//! }
//! # Ok::<(), plotcast::ServerError>(())
//! ```
//!
//! Access: the server binds `127.0.0.1:0` unless `PLOTCAST_ADDR` or
//! [`ServerBuilder::bind`] says otherwise; a non-loopback address needs an
//! access token (generated and printed when none is given). The library
//! installs no signal handlers.
//!
//! Beyond one machine: with [`ServerBuilder::nats`] (or `PLOTCAST_NATS`)
//! the computation dials out to a NATS server and publishes its newest
//! values there under a run and a process label; nothing listens unless
//! asked, and any number of viewers anywhere watch the run
//! (`plotcast-viewer nats://host:4222/RUN`). The cargo feature `nats` (on
//! by default) brings it.
//!
//! Layout (each file imports only files listed below it; `python3
//! ../shared/tools/modcycles.py server/src` checks there is no cycle):
//! - `custom`: custom channels ([`Custom`], drawn by a plot type of the
//!   viewer) and the built-in plot types [`Quiver`] and [`Image`].
//! - `server`: [`Server`]: starting, channels, statistics, `finish`,
//!   shutdown on drop; [`ServerBuilder::start`].
//! - `builder`: [`ServerBuilder`], the defaults, environment and access
//!   policy, resolved into the config a server starts from.
//! - `launch/`: finding, building and starting the viewer ([`ViewerLaunch`]),
//!   also a viewer of your own by binary name ([`ServerBuilder::viewer_bin`]).
//! - `lent_frame`: [`FrameBuffer`], a frame written in place and published
//!   without a copy.
//! - `frame_pool`: lent frames' buffers, and [`Published`], a published
//!   frame's values kept readable.
//! - `channel`: the handles [`Heatmap`], [`Line`], [`Scatter`], [`Bars`],
//!   [`Series`], and [`ChannelBuilder`] / [`ChannelOptions`] (with
//!   [`Colormap`]).
//! - `net`: the network thread and accept loop.
//! - `relay/`: the relay through NATS: connection, bucket and stream puts,
//!   requests, goodbye; its settings and statistics.
//! - `connection`: one viewer's connection: handshake, reader, heartbeats.
//! - `writer`: its writer: batches, pings, goodbye.
//! - `handshake`: accepting or refusing a new connection.
//! - `conn_state`: what a connection's reader and writer share.
//! - `link_model`: the link as the viewer's byte acknowledgements show it
//!   (round trip, delivery rate): how much may be in flight.
//! - `net_config`: the network settings and socket options.
//! - `overview`: the views of a viewer's first batch, before its own.
//! - `batch`: what a viewer's next batch holds.
//! - `lod`: frames reduced to a viewer's view and compressed for its codec.
//! - `hub`: the state shared by handles and connections.
//! - `lod_cache`: a channel's prepared frames, shared between viewers.
//! - `precision`: how precisely a heatmap travels (codes on a slow link).
//! - `series`: append-series windows and per-viewer cursors.
//! - `reduce`: reducing heatmaps, lines and scatters to a view.
//! - `heatmap_blocks`: the vectorised inner loops of heatmap reduction.
//! - `pending`: the bounded set of handshakes in progress.
//! - `reach`: the addresses a viewer on another machine dials.
//! - `budget`: the global budget of bytes held by writes to slow viewers.
//! - `stats`: [`Stats`], [`ViewerInfo`], [`LinkInfo`], [`ChannelStats`],
//!   [`EndedViewer`], [`RelayStats`].
//! - `access`: tokens and their constant-time check.
//! - `error`: [`ServerError`], [`ChannelError`], [`SpawnError`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod access;
mod batch;
mod budget;
mod builder;
mod channel;
mod conn_state;
mod connection;
mod custom;
mod error;
mod frame_pool;
mod handshake;
mod heatmap_blocks;
mod hub;
mod launch;
mod lent_frame;
mod link_model;
mod lod;
mod lod_cache;
mod net;
mod net_config;
mod overview;
mod pending;
mod precision;
mod reach;
mod reduce;
#[cfg(test)]
mod reduce_reference;
mod relay;
mod series;
mod server;
mod stats;
mod writer;

pub use budget::{DEFAULT_STALLED_WRITE_BUDGET_BYTES, STALLED_WRITE_BUDGET_FRAMES};
pub use builder::{
    ServerBuilder, DEFAULT_ADDR, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_HISTORY_POINTS, DEFAULT_MAX_VIEWERS,
    DEFAULT_NOTSENT_LOWAT_BYTES, DEFAULT_SHUTDOWN_GRACE,
};
pub use channel::{Bars, ChannelBuilder, Heatmap, Line, Scatter, Series, Trace};
pub use custom::{Custom, Image, Quiver, Values};
pub use error::{ChannelError, ServerError, SpawnError};
pub use frame_pool::Published;
pub use launch::{ViewerLaunch, VIEWER_BIN};
pub use lent_frame::FrameBuffer;
/// Run and process names through NATS: the default label of this process.
pub use plotcast_protocol::relay::default_process_label;
/// Display options and the types they use come from the protocol: the same
/// values travel to every viewer.
pub use plotcast_protocol::{ChannelOptions, Colormap, GridCell, Scale, UnknownColormap};
pub use reduce::HeatmapReduce;
pub use server::Server;
pub use stats::{
    ChannelStats, EndedViewer, LinkInfo, RelayStats, Stats, ViewerInfo, ENDED_VIEWERS_KEPT,
};
