//! plotcast-viewer: the viewer of plotcast streams.
#![warn(missing_docs)]

pub mod state;
