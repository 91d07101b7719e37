//! How precisely a heatmap's values travel to one viewer: a leaf, named by
//! the batch builder that chooses it, the cache that keys prepared frames
//! by it and the level of detail that applies it.

/// How precisely a snapshot's values travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Precision {
    /// As the codec asks: a reduced heatmap goes as 16-bit codes over a
    /// compressed (remote) connection, anything else exactly.
    Auto,
    /// Heatmaps as 16-bit codes, reduced or not: the link cannot carry the
    /// exact values at the drawing rate.
    Coded,
    /// Heatmaps as 8-bit codes (one colormap step), reduced or not: the
    /// link cannot carry even 16-bit codes at the drawing rate.
    Coarse,
    /// The values as published (or reduced to f32), never codes: the
    /// refresh of a plot that stopped changing.
    Exact,
}
