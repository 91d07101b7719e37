//! Plot types: your own drawing code for custom channels.
//!
//! A computation publishes a custom channel with a plot-type name and named
//! arrays (`server.custom("flow", "vortex")`, then
//! `flow.publish(&[("u", &u), ("v", &v)], nx, ny)`). A viewer draws it with
//! the [`PlotType`] registered under that name: build your own viewer with
//! [`Viewer::new().plot("vortex", MyPlot)`](crate::Viewer::plot), and the
//! rest of the viewer (window or headless, status line, reconnect, zoom and
//! pan, saving PNGs) works as for the built-in kinds.
//!
//! A plot type gets the channel's newest data ([`CustomData`]) and a
//! [`PlotArea`]: a plotters drawing area over the plot's rectangle in data
//! coordinates. The viewer draws the standard axes around it (title, axis
//! labels from the channel's options, ticks) over the ranges that
//! [`PlotType::extent`] gives, or the user's zoom and pan; whatever is
//! drawn is clipped to the rectangle. A plot type that returns an error or
//! panics is shown as that error in its cell; the other plots keep drawing.
//!
//! ```
//! use plotcast_viewer::plot_types::{CustomData, PlotArea, PlotResult, PlotType};
//! use plotcast_viewer::plotters::prelude::*;
//!
//! /// Draws every array of the frame as a polyline against its index.
//! struct Polylines;
//!
//! impl PlotType for Polylines {
//!     fn extent(&self, data: &CustomData<'_>) -> Option<plotcast_viewer::AxisView> {
//!         let n = data.names().map(|name| data.values(name).len()).max()?;
//!         Some(plotcast_viewer::AxisView { x: (0.0, n as f64), y: (-1.0, 1.0) })
//!     }
//!
//!     fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
//!         for (k, name) in data.names().enumerate() {
//!             let values = data.values(name);
//!             let points: Vec<(f64, f64)> =
//!                 values.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect();
//!             plot.area().draw(&PathElement::new(points, Palette99::pick(k)))?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let viewer = plotcast_viewer::Viewer::new().plot("polylines", Polylines);
//! assert!(viewer.plot_types().get("polylines").is_some());
//! // viewer.run() would now parse the command line and run the viewer.
//! ```
//!
//! Built in, registered by default in every viewer's [`PlotTypes`]: a
//! vector field ([`Quiver`], plot type `quiver`) and an RGB image
//! ([`Image`], plot type `image`). They are ordinary [`PlotType`]s: a
//! viewer of your own may use them as they are, wrap them, or replace them
//! under the same name. Why these two: a vector field (flow, gradients,
//! forces, wind) and an image (a camera, a rendered scene, a false-colour
//! composite) are what users of a scientific plotting tool most often need
//! beyond lines and heatmaps, and neither can be faked with the five
//! standard kinds.

mod image;
mod plot_type;
mod quiver;
mod registry;

pub use image::Image;
pub use plot_type::{CustomData, DataAxis, DataCoord, DataError, PlotArea, PlotResult, PlotType};
pub use quiver::{draw_arrows, Arrows, Quiver};
pub use registry::PlotTypes;

/// The protocol types a plot type meets: the channel's spec and its
/// frame ([`CustomData::spec`], [`CustomData::frame`]) and axis scales.
pub use plotcast_protocol::{ChannelSpec, Frame, Scale};
