//! Custom channels: named arrays drawn by a plot type the viewer knows by
//! name, and the two plot types every viewer has built in ([`Quiver`],
//! [`Image`]).
//!
//! A custom channel carries whatever arrays the computation names, plus
//! grid dimensions, with the same delivery as a heatmap: latest value wins,
//! encoded once at publish, never reduced for a viewer's view. Drawing them
//! is the job of a plot type registered in a viewer built with the viewer
//! library (`plotcast_viewer::Viewer::new().plot("flow", Flow).run()`);
//! start that viewer with [`ServerBuilder::viewer_bin`](crate::ServerBuilder::viewer_bin).

use plotcast_protocol::custom::{check_plot_type, sanitize_plot_type, IMAGE, QUIVER};
use plotcast_protocol::{ArrayRef, ChannelKind, ChannelSpec, PartRef};

use crate::channel::{common_methods, part, ChannelBuilder, Handle};
use crate::{ChannelError, Server};

mod sealed {
    use plotcast_protocol::ArrayRef;

    /// The array behind a [`Values`](super::Values).
    pub trait AsArray {
        fn array(&self) -> ArrayRef<'_>;
    }
}

/// Numbers a custom channel can carry: `Vec<f64>`, `[f64; N]`, `&[f64]`
/// and the same of `f32` (f32 travels as f32: half the bytes).
pub trait Values: sealed::AsArray {}

macro_rules! values {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl sealed::AsArray for $t {
            fn array(&self) -> ArrayRef<'_> {
                ArrayRef::$v(self)
            }
        }
        impl Values for $t {}
    )*};
}
values!(Vec<f64> => F64, Vec<f32> => F32, [f64] => F64, [f32] => F32);

impl<const N: usize> sealed::AsArray for [f64; N] {
    fn array(&self) -> ArrayRef<'_> {
        ArrayRef::F64(self)
    }
}
impl<const N: usize> Values for [f64; N] {}
impl<const N: usize> sealed::AsArray for [f32; N] {
    fn array(&self) -> ArrayRef<'_> {
        ArrayRef::F32(self)
    }
}
impl<const N: usize> Values for [f32; N] {}
impl<T: Values + ?Sized> sealed::AsArray for &T {
    fn array(&self) -> ArrayRef<'_> {
        (**self).array()
    }
}
impl<T: Values + ?Sized> Values for &T {}

impl ChannelBuilder {
    /// A custom channel drawn by the viewer's plot type `plot_type` (for
    /// example `"quiver"`, or the name your own viewer registers).
    ///
    /// A plot-type name is 1 to 64 ASCII letters, digits, `_`, `-`, `.` or
    /// `:`; other characters are replaced by `_` (with a warning in the
    /// log). A second call with the same channel name and plot type
    /// returns the same channel; another plot type gets a renamed channel.
    ///
    /// One that cannot be added (see [`try_custom`](Self::try_custom)) is
    /// logged, and its handle drops what is published to it.
    pub fn custom(self, plot_type: &str) -> Custom {
        let spec = self.custom_spec(plot_type);
        Custom(self.build_spec(spec))
    }

    /// A custom channel, or why it cannot be added; see
    /// [`custom`](Self::custom).
    ///
    /// # Errors
    /// [`ChannelError::LayoutTooLarge`] when the figure's layout with this
    /// channel would be larger than a viewer accepts.
    pub fn try_custom(self, plot_type: &str) -> Result<Custom, ChannelError> {
        let spec = self.custom_spec(plot_type);
        self.try_build_spec(spec).map(Custom)
    }

    fn custom_spec(&self, plot_type: &str) -> ChannelSpec {
        let mut spec = self.spec(ChannelKind::Custom);
        spec.plot_type = match check_plot_type(plot_type) {
            Ok(()) => plot_type.to_owned(),
            Err(err) => {
                let fixed = sanitize_plot_type(plot_type);
                tracing::warn!(target: "plotcast", channel = %spec.name, %fixed,
                    "plot type {plot_type:?} renamed: {err}");
                fixed
            }
        };
        spec
    }

    /// A vector field, drawn by the built-in `quiver` plot type; see
    /// [`custom`](Self::custom) for one that cannot be added.
    pub fn quiver(self) -> Quiver {
        Quiver(self.custom(QUIVER).0)
    }

    /// An RGB image, drawn by the built-in `image` plot type; see
    /// [`custom`](Self::custom) for one that cannot be added.
    pub fn image(self) -> Image {
        Image(self.custom(IMAGE).0)
    }

    /// A vector field, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_custom`](Self::try_custom).
    pub fn try_quiver(self) -> Result<Quiver, ChannelError> {
        self.try_custom(QUIVER).map(|c| Quiver(c.0))
    }

    /// An RGB image, or why it cannot be added.
    ///
    /// # Errors
    /// As [`try_custom`](Self::try_custom).
    pub fn try_image(self) -> Result<Image, ChannelError> {
        self.try_custom(IMAGE).map(|c| Image(c.0))
    }
}

impl Server {
    /// A custom channel with default options, drawn by the viewer's plot
    /// type `plot_type`; see [`ChannelBuilder::custom`].
    ///
    /// ```no_run
    /// let server = plotcast::Server::builder().viewer_bin("flow_viewer").start()?;
    /// let flow = server.custom("flow", "flow-arrows");
    /// let (nx, ny) = (32, 24);
    /// let u = vec![1.0f64; nx * ny];
    /// let v = vec![0.5f32; nx * ny];
    /// flow.publish(&[("u", &u), ("v", &v)], nx, ny);
    /// # Ok::<(), plotcast::ServerError>(())
    /// ```
    pub fn custom(&self, name: impl Into<String>, plot_type: &str) -> Custom {
        self.channel(name).custom(plot_type)
    }

    /// A vector field channel with default options (built-in plot type
    /// `quiver`: every viewer draws it).
    pub fn quiver(&self, name: impl Into<String>) -> Quiver {
        self.channel(name).quiver()
    }

    /// An RGB image channel with default options (built-in plot type
    /// `image`: every viewer draws it).
    pub fn image(&self, name: impl Into<String>) -> Image {
        self.channel(name).image()
    }
}

/// A custom channel: named arrays and grid dimensions, drawn by a plot
/// type of the viewer.
#[derive(Debug, Clone)]
pub struct Custom(Handle);
common_methods!(Custom);

impl Custom {
    /// Publishes named arrays (f64 or f32, each of any length) and the grid
    /// dimensions `nx × ny` (pass 0, 0 when the arrays are not a grid).
    /// The arrays replace the previous ones together (latest value wins).
    ///
    /// Dropped, counted in [`ChannelStats::invalid`](crate::ChannelStats::invalid)
    /// and logged once per channel: two arrays with the same name, a name
    /// over 1 KiB, dimensions over `u32::MAX`.
    pub fn publish(&self, arrays: &[(&str, &dyn Values)], nx: usize, ny: usize) {
        let parts: Vec<PartRef<'_>> = arrays
            .iter()
            .map(|(name, values)| PartRef {
                name,
                first_index: 0,
                x: None,
                y: values.array(),
            })
            .collect();
        self.0.publish(nx, ny, None, &parts);
    }

    /// The plot type that draws this channel.
    pub fn plot_type(&self) -> String {
        self.0.plot_type()
    }
}

/// A vector field `(u, v)` on an `nx × ny` grid, drawn as arrows coloured
/// by magnitude (built-in plot type `quiver`).
#[derive(Debug, Clone)]
pub struct Quiver(Handle);
common_methods!(Quiver);

impl Quiver {
    /// Publishes the vector components, each `nx × ny` values, row-major
    /// with row 0 at the bottom (as [`Heatmap::publish`](crate::Heatmap::publish)).
    /// A length other than `nx * ny` drops the publish (counted as invalid).
    pub fn publish(&self, u: &[f64], v: &[f64], nx: usize, ny: usize) {
        self.publish_arrays(ArrayRef::F64(u), ArrayRef::F64(v), nx, ny);
    }

    /// [`publish`](Self::publish) for f32 components (half the bytes).
    pub fn publish_f32(&self, u: &[f32], v: &[f32], nx: usize, ny: usize) {
        self.publish_arrays(ArrayRef::F32(u), ArrayRef::F32(v), nx, ny);
    }

    fn publish_arrays(&self, u: ArrayRef<'_>, v: ArrayRef<'_>, nx: usize, ny: usize) {
        let cells = nx.saturating_mul(ny);
        if u.len() != cells || v.len() != cells || cells == 0 {
            return self.0.invalid(&format!(
                "quiver of {nx}x{ny} cells needs {cells} values of u and of v, got {} and {}",
                u.len(),
                v.len()
            ));
        }
        let named = |name, y| PartRef {
            name,
            ..part(None, y)
        };
        self.0
            .publish(nx, ny, None, &[named("u", u), named("v", v)]);
    }
}

/// An RGB image of `nx × ny` pixels (built-in plot type `image`).
#[derive(Debug, Clone)]
pub struct Image(Handle);
common_methods!(Image);

impl Image {
    /// Publishes 8-bit RGB pixels in image order: `3 * nx * ny` bytes, the
    /// top row first, red, green and blue of each pixel in turn (as image
    /// files and cameras deliver them). The pixels travel as f32 in 0..=1
    /// with the bottom row first (see PROTOCOL.md); the conversion is one
    /// pass over the pixels. A length other than `3 * nx * ny` drops the
    /// publish (counted as invalid).
    pub fn publish_rgb(&self, rgb: &[u8], nx: usize, ny: usize) {
        self.publish_rows(rgb, nx, ny, |v| f32::from(v) / 255.0);
    }

    /// [`publish_rgb`](Self::publish_rgb) for pixels as f32 in 0..=1
    /// (values outside are clamped by the viewer), top row first.
    pub fn publish_rgb_f32(&self, rgb: &[f32], nx: usize, ny: usize) {
        self.publish_rows(rgb, nx, ny, |v| v);
    }

    fn publish_rows<T: Copy>(&self, rgb: &[T], nx: usize, ny: usize, f: impl Fn(T) -> f32) {
        let row = nx.saturating_mul(3);
        let len = row.saturating_mul(ny);
        if rgb.len() != len || len == 0 {
            return self.0.invalid(&format!(
                "RGB image of {nx}x{ny} pixels needs {len} values, got {}",
                rgb.len()
            ));
        }
        // Rows flip from image order (top first) to the grid order of the
        // wire (bottom first), as heatmaps have it.
        let values: Vec<f32> = rgb
            .chunks_exact(row)
            .rev()
            .flatten()
            .map(|&v| f(v))
            .collect();
        let named = PartRef {
            name: "rgb",
            ..part(None, ArrayRef::F32(&values))
        };
        self.0.publish(nx, ny, None, &[named]);
    }
}
