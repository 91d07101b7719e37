//! Window mode: the winit event loop on the main thread (`app`), live or
//! replaying a recording. Its parts: where the data comes from (`source`),
//! the window and its surface (`canvas`), when to draw (`frames`), and the
//! mouse (`pointer`).

mod app;
mod canvas;
mod frames;
mod pointer;
mod source;

pub use app::{run, run_replay, UserEvent};
