//! The one test-support crate of plotcast, shared by every test crate and
//! the benchmark: one way to start the programs under test, one way to
//! wait for them, and the tools to look at what they produced.
//!
//! ```no_run
//! use std::time::Duration;
//! use plotcast_testkit::{start_server, TempDir, TestPeer, ViewerCommand};
//!
//! let server = start_server("example");
//! server.line("wave").publish(&[1.0, 2.0]);
//! // The protocol as a test speaks it...
//! let mut peer = TestPeer::connect(server.local_addr());
//! assert_eq!(peer.batch().frames.len(), 1);
//! // ...and the viewer program, headless, with a deadline.
//! let dir = TempDir::new("example");
//! let run = ViewerCommand::new()
//!     .source(server.local_addr())
//!     .headless()
//!     .frames(1)
//!     .out(dir.join("f.png"))
//!     .run(Duration::from_secs(60));
//! assert!(run.status.success(), "{}", run.stderr);
//! ```
//!
//! Layout:
//! - starting things: [`ViewerCommand`] → [`ViewerProcess`] (the viewer
//!   program), [`ComputationCommand`] → [`ComputationProcess`] (an example,
//!   the `plotcast` command), [`bins`] (where cargo built them),
//!   [`KillOnDrop`] (any child), [`Background`] (a named thread),
//!   [`OutputLines`] (what a child says), [`start_server`] (a plotcast
//!   server in the test), [`FakeServer`] and its [`Script`] (a scripted
//!   server for viewer tests);
//! - waiting: [`wait_until`], [`wait_for`], [`wait_for_file`] and the
//!   [`Wait`] they run; [`procs`] for processes that are not our children;
//! - the protocol: [`TestPeer`] (a typed viewer on a socket) over [`Conn`],
//!   [`PeerError`], [`stalled_peer()`] and [`Nagger`], raw bytes in [`wire`],
//!   data [`frames`];
//! - links and screens: [`LinkProxy`] (a long or slow link), [`Xvfb`] (a
//!   private X server: screenshots, xdotool) with [`xwd`];
//! - files and pixels: [`TempDir`], [`viewer_files`] (the PNGs and ready
//!   file a viewer writes), [`Rgb`] (PNGs, screenshots and renders),
//!   [`RecordingFile`] (a recording written by hand, for replays);
//! - the relay: [`NatsServer`] (real nats-server processes: one node, a
//!   cluster, a leaf) and [`RelayPublisher`] (one process of a relayed
//!   run, written to PROTOCOL.md with async-nats directly).

#![warn(missing_docs)]

pub mod background;
pub mod bins;
pub mod computation_command;
pub mod computation_process;
pub mod conn;
pub mod fake_script;
pub mod fake_server;
pub mod frames;
pub mod kill_on_drop;
pub mod link_proxy;
pub mod nats_server;
pub mod output_lines;
pub mod peer_error;
pub mod procs;
pub mod recording_file;
pub mod relay_publisher;
pub mod rgb;
pub mod stalled_peer;
pub mod temp_dir;
pub mod test_peer;
pub mod test_server;
pub mod viewer_command;
pub mod viewer_files;
pub mod viewer_process;
pub mod wait;
pub mod wire;
pub mod xvfb;
pub mod xwd;

pub use background::Background;
pub use computation_command::ComputationCommand;
pub use computation_process::ComputationProcess;
pub use conn::Conn;
pub use fake_script::{Breach, Script};
pub use fake_server::{FakeServer, Seen};
pub use kill_on_drop::{wait_timeout, KillOnDrop};
pub use link_proxy::{LinkProxy, LinkSpec};
pub use nats_server::NatsServer;
pub use output_lines::OutputLines;
pub use peer_error::PeerError;
pub use recording_file::RecordingFile;
pub use relay_publisher::{PublisherSpec, RelayPublisher};
pub use rgb::Rgb;
pub use stalled_peer::{stalled_peer, stalled_peer_asking, Nagger};
pub use temp_dir::TempDir;
pub use test_peer::{Batch, TestPeer};
pub use test_server::{server_builder, start_server};
pub use viewer_command::ViewerCommand;
pub use viewer_process::{Finished, ViewerProcess};
pub use wait::{poll_for, poll_until, wait_for, wait_for_file, wait_until, Wait};
pub use xvfb::Xvfb;
