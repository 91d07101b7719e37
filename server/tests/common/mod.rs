//! What the server's tests share: a test server, and the protocol test
//! peer of `plotcast-testkit` (one peer for every test and benchmark).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use plotcast::{Server, ServerBuilder};
use plotcast_protocol::Frame;

pub use plotcast_testkit::conn::{Conn, PeerError};
pub use plotcast_testkit::procs::wait_until;
pub use plotcast_testkit::test_peer::{
    hello, hello_bytes, ready_bytes, stalled_viewer, Batch, Nagger, TestPeer, TIMEOUT,
};

/// A builder that ignores the environment and launches no viewer.
pub fn builder() -> ServerBuilder {
    Server::builder()
        .title("test")
        .use_env(false)
        .launch_viewer(false)
}

/// A default test server.
pub fn server() -> Server {
    builder().start().expect("test server starts")
}

/// The first value of a frame's first part.
pub fn first_value(frame: &Frame) -> f64 {
    frame.parts[0].y.iter().next().expect("a non-empty frame")
}
