//! A plotcast server as tests start it: on a free loopback port, deaf to
//! the developer's `PLOTCAST_*` variables, launching no viewer.

use plotcast::{Server, ServerBuilder};

/// A builder for a test server called `title`: the environment ignored, no
/// viewer launched; the test adds what it means (heartbeats, tokens, ...).
pub fn server_builder(title: &str) -> ServerBuilder {
    Server::builder()
        .title(title)
        .use_env(false)
        .launch_viewer(false)
}

/// A test server called `title` with the defaults.
///
/// # Panics
/// When it does not start.
pub fn start_server(title: &str) -> Server {
    server_builder(title)
        .start()
        .unwrap_or_else(|e| panic!("the {title} test server starts: {e}"))
}
