//! Recording and replay: the [`recorder`] (a tap on the connection that
//! writes what arrives to a file), [`replay`] (the model at any time of a
//! recording), the [`player`] (position, play, speed) and [`export`] (plot
//! data as CSV).

pub mod export;
pub mod player;
pub mod recorder;
pub mod replay;

pub use player::{Control, Player};
pub use recorder::{RecordError, RecordOptions, Recorder};
pub use replay::{Recording, Replay, ReplayError};
