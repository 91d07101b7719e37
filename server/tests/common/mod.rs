//! What the server's tests share: a test server, and the protocol test
//! client of `plotcast-suite` (one client for every test and benchmark).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use plotcast::{Server, ServerBuilder};
use plotcast_protocol::Frame;

pub use plotcast_suite::client::{
    hello, hello_bytes, ready_bytes, stalled_viewer, Batch, Client, Nagger, TIMEOUT,
};
pub use plotcast_suite::conn::{ClientError, Conn};
pub use plotcast_suite::procs::wait_until;

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
