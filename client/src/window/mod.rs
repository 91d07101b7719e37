//! Window mode: the winit event loop on the main thread, live or replaying
//! a recording.

mod app;

pub use app::{run, run_replay, UserEvent};
