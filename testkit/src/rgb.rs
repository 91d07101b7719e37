//! RGB images from PNG files, screenshots and renders, and the checks the
//! tests make on them ("is there a plot in here", "how much of this colour
//! is in that rectangle").

use std::path::{Path, PathBuf};

use crate::temp_dir::KEEP_VAR;

/// viridis(0), the colour of a heatmap's lowest value (as matplotlib draws it).
pub const VIRIDIS_LOW: [u8; 3] = [68, 1, 84];
/// viridis(1), the colour of a heatmap's highest value.
pub const VIRIDIS_HIGH: [u8; 3] = [253, 231, 37];
/// The first trace's colour (matplotlib's tab:blue).
pub const TAB_BLUE: [u8; 3] = [31, 119, 180];
/// The second trace's colour (tab:orange).
pub const TAB_ORANGE: [u8; 3] = [255, 127, 14];

/// A rectangle of pixels: left, top, width, height.
pub type Rect = (u32, u32, u32, u32);

/// An 8-bit RGB image, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub data: Vec<u8>,
}

impl Rgb {
    /// An image of `width × height` pixels from the renderer's output
    /// (`width * height * 3` bytes, row-major).
    ///
    /// # Panics
    /// When the length does not match.
    pub fn from_rgb(width: u32, height: u32, data: Vec<u8>) -> Self {
        assert_eq!(
            data.len(),
            width as usize * height as usize * 3,
            "{width}×{height} RGB pixels"
        );
        Self {
            width,
            height,
            data,
        }
    }

    /// Reads an 8-bit RGB or RGBA PNG.
    ///
    /// # Panics
    /// When the file is missing or not such a PNG (a test failure).
    pub fn read_png(path: &Path) -> Self {
        let file = std::fs::File::open(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader
            .next_frame(&mut buf)
            .unwrap_or_else(|e| panic!("cannot decode {}: {e}", path.display()));
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("{}: unexpected colour type {other:?}", path.display()),
        };
        let data = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Self {
            width: info.width,
            height: info.height,
            data,
        }
    }

    /// Writes the image as a PNG (to look at what a test saw).
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write_png(&self, path: &Path) {
        let file = std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .and_then(|mut w| w.write_image_data(&self.data))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Writes the image as `name` in the temporary folder for a person to
    /// look at, only when [`KEEP_VAR`] is set (tests leave no files behind
    /// otherwise); returns the path written.
    pub fn keep(&self, name: &str) -> Option<PathBuf> {
        std::env::var_os(KEEP_VAR)?;
        let path = std::env::temp_dir().join(name);
        self.write_png(&path);
        eprintln!("kept {}", path.display());
        Some(path)
    }

    /// The pixel at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Pixels within `tolerance` (per channel) of `colour`.
    pub fn count_near(&self, colour: [u8; 3], tolerance: u8) -> usize {
        self.data
            .chunks_exact(3)
            .filter(|p| near(p, colour, tolerance))
            .count()
    }

    /// Pixels inside `rect` (clipped to the image) for which `pick` holds.
    pub fn count_in(&self, rect: Rect, pick: impl Fn([u8; 3]) -> bool) -> usize {
        let (x0, y0, w, h) = rect;
        let (x1, y1) = (
            x0.saturating_add(w).min(self.width),
            y0.saturating_add(h).min(self.height),
        );
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| pick(self.pixel(x, y)))
            .count()
    }

    /// Pixels inside `rect` within `tolerance` (per channel) of `colour`.
    pub fn count_near_in(&self, rect: Rect, colour: [u8; 3], tolerance: u8) -> usize {
        self.count_in(rect, |p| near(&p, colour, tolerance))
    }

    /// Distinct colours (exact) inside `rect`.
    pub fn distinct_colours_in(&self, rect: Rect) -> usize {
        let (x0, y0, w, h) = rect;
        let mut seen = std::collections::HashSet::new();
        for y in y0..y0.saturating_add(h).min(self.height) {
            for x in x0..x0.saturating_add(w).min(self.width) {
                seen.insert(self.pixel(x, y));
            }
        }
        seen.len()
    }

    /// Pixels of row `y` within `tolerance` (per channel) of `colour`.
    pub fn row_count_near(&self, y: u32, colour: [u8; 3], tolerance: u8) -> usize {
        let w = self.width as usize * 3;
        let start = y as usize * w;
        self.data.get(start..start + w).map_or(0, |row| {
            row.chunks_exact(3)
                .filter(|p| near(p, colour, tolerance))
                .count()
        })
    }

    /// Share of all pixels within `tolerance` (per channel) of `colour`.
    pub fn share_near(&self, colour: [u8; 3], tolerance: u8) -> f64 {
        self.count_near(colour, tolerance) as f64
            / (f64::from(self.width) * f64::from(self.height)).max(1.0)
    }

    /// Fraction of pixels that are neither white nor black: plot content
    /// (lines, colour maps), not background or an empty X screen.
    pub fn colour_fraction(&self) -> f64 {
        let total = (self.width as usize * self.height as usize).max(1);
        let coloured = self
            .data
            .chunks_exact(3)
            .filter(|p| {
                let (max, min) = (p.iter().max().unwrap_or(&0), p.iter().min().unwrap_or(&0));
                max - min > 40 // saturated: not a grey, white or black
            })
            .count();
        coloured as f64 / total as f64
    }

    /// Number of distinct colours (coarsely quantised): a colormapped
    /// heatmap has many, an empty window one or two.
    pub fn distinct_colours(&self) -> usize {
        let mut seen = std::collections::HashSet::new();
        for p in self.data.chunks_exact(3) {
            seen.insert((p[0] >> 3, p[1] >> 3, p[2] >> 3));
        }
        seen.len()
    }

    /// Fraction of the pixels inside `rect` that differ between two images
    /// (1 when their sizes differ).
    pub fn difference_in(&self, other: &Rgb, rect: Rect) -> f64 {
        if self.width != other.width || self.height != other.height {
            return 1.0;
        }
        let all = self.count_in(rect, |_| true);
        let (x0, y0, w, h) = rect;
        let (x1, y1) = (
            x0.saturating_add(w).min(self.width),
            y0.saturating_add(h).min(self.height),
        );
        let differ = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.pixel(x, y) != other.pixel(x, y))
            .count();
        differ as f64 / all.max(1) as f64
    }

    /// Fraction of pixels that differ between two images of equal size.
    pub fn difference(&self, other: &Rgb) -> f64 {
        if self.width != other.width || self.height != other.height {
            return 1.0;
        }
        let total = (self.width as usize * self.height as usize).max(1);
        let differ = self
            .data
            .chunks_exact(3)
            .zip(other.data.chunks_exact(3))
            .filter(|(a, b)| a != b)
            .count();
        differ as f64 / total as f64
    }
}

/// Whether an RGB pixel is within `tolerance` per channel of `colour`.
fn near(pixel: &[u8], colour: [u8; 3], tolerance: u8) -> bool {
    pixel
        .iter()
        .zip(colour)
        .all(|(&a, b)| a.abs_diff(b) <= tolerance)
}
