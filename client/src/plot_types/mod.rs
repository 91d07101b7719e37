//! The plot types every viewer has built in, registered by default in
//! [`PlotTypes`](crate::plot_registry::PlotTypes): a vector field
//! ([`Quiver`], plot type `quiver`) and an RGB image ([`Image`], plot type
//! `image`). They are ordinary [`PlotType`](crate::plot_type::PlotType)s:
//! a viewer of your own may use them as they are, wrap them, or replace
//! them under the same name.
//!
//! Why these two: a vector field (flow, gradients, forces, wind) and an
//! image (a camera, a rendered scene, a false-colour composite) are
//! what users of a scientific plotting tool most often need beyond lines
//! and heatmaps, and neither can be faked with the five standard kinds.

mod image;
mod quiver;

pub use image::Image;
pub use quiver::{draw_arrows, Arrows, Quiver};
