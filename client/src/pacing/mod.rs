//! Pacing the drawing side: at most one draw per display refresh
//! ([`Pacer`]) and the frame rate it reaches ([`FpsMeter`]), for the
//! window and headless mode alike.

mod fps;
mod pacer;

pub use fps::FpsMeter;
pub use pacer::{max_fps, Pacer, DEFAULT_REFRESH_HZ};
