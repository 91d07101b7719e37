//! Window mode: the winit event loop on the main thread (`app`), live or
//! replaying a recording. Its parts: where the data comes from (`source`),
//! the window and its surface (`canvas`), when to draw (`frames`), the
//! mouse (`pointer`), CSV export (`export`) and the loop's events
//! (`event`).

mod app;
mod canvas;
mod event;
mod export;
mod frames;
mod pointer;
mod source;

pub use app::{run, run_replay};
pub use event::UserEvent;
