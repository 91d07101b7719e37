//! [`Ctx`]: what every plot of a figure draws with.

use super::canvas::Area;
use super::font::TextSizes;
use super::RenderOptions;

/// What every channel draws with.
pub(crate) struct Ctx<'r, 'b> {
    pub root: &'r Area<'b>,
    pub sizes: &'r TextSizes,
    pub options: &'r RenderOptions,
}
