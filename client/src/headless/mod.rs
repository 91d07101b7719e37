//! Headless mode: no window, no display. Live to PNG files ([`live`]),
//! recording without drawing ([`record`]), a recording to PNG files
//! ([`replay`]).

pub mod live;
pub mod record;
pub mod replay;

pub use live::{run, Summary};
