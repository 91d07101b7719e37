//! The view: the user's choices over the model ([`ViewState`]) and the
//! rules that change them: zoom and pan (`zoom`), clicks, cursors, log
//! toggles and pages ([`interaction`]), zoomed series that follow the
//! newest data ([`follow`]), linked x axes ([`linking`]), the key table
//! ([`keys`]), which ranges a plot shows (`ranges`); [`drawn`] is what a render put where, which turns a pixel
//! back into data.

pub mod drawn;
pub mod follow;
pub mod interaction;
pub mod keys;
pub mod linking;
pub(crate) mod ranges;
mod state;
mod zoom;

pub use drawn::{LegendHit, PageInfo, PixelRect, PlotFailure, PlotInfo, RenderInfo};
pub use interaction::Clicked;
pub use state::{members, x_key, Cursors, Follow, Interaction, Linked, ViewState, XKey};
pub use zoom::ZoomAxes;
