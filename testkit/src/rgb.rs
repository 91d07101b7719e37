//! RGB images from PNG files and screenshots, and the checks the tests make
//! on them.

use std::path::Path;

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
