//! Custom channels: plots whose drawing the viewer looks up by name.
//!
//! A custom channel has kind [`ChannelKind::Custom`] and a *plot type* in
//! its [`ChannelSpec::plot_type`](crate::ChannelSpec::plot_type), for
//! example `quiver`. Its data frames carry any number of named arrays (the
//! parts, `y` only) and optional grid dimensions `nx × ny`; what they mean
//! is the plot type's business. A viewer that knows the plot type draws
//! them; one that does not shows a placeholder naming it. The reference
//! viewer has two plot types built in ([`QUIVER`] and [`IMAGE`]); others
//! come from viewers users build from the viewer library.
//!
//! The rules the protocol enforces (on encode and decode):
//! - a plot type is 1 to [`MAX_PLOT_TYPE_BYTES`] bytes of ASCII letters,
//!   digits, `_`, `-`, `.` and `:` (so it is safe to print, draw and use as
//!   a file or key name); it is empty for every other kind;
//! - parts have no `x` array and distinct names;
//! - `nx` and `ny` are free (0 when the data is not a grid); a plot type
//!   that reads arrays as a grid checks their lengths itself.
//!
//! Custom frames are delivered as snapshots (latest value wins) and are
//! never reduced for a viewer's view: the server cannot know what the
//! arrays mean.

use std::collections::HashSet;

use crate::{ChannelKind, ProtocolError};

/// Longest plot-type name, in bytes.
pub const MAX_PLOT_TYPE_BYTES: usize = 64;

/// Built-in plot type: a vector field. Parts `u` and `v`, each `nx × ny`
/// values, row-major with row 0 at the bottom (as a heatmap): the vector
/// at cell `(i, j)` is `(u[j·nx + i], v[j·nx + i])`.
pub const QUIVER: &str = "quiver";

/// Built-in plot type: an RGB image. One part `rgb` of `3 × nx × ny`
/// values in 0..=1 (red, green, blue of each pixel in turn), rows
/// bottom-up as a heatmap (row 0 is the bottom row).
pub const IMAGE: &str = "image";

/// Checks a plot-type name (see the module doc).
///
/// # Errors
/// [`ProtocolError::Invalid`] saying which rule it breaks.
pub fn check_plot_type(name: &str) -> Result<(), ProtocolError> {
    if name.is_empty() {
        return Err(ProtocolError::invalid(
            "plot type",
            "a custom channel needs a plot-type name",
        ));
    }
    if name.len() > MAX_PLOT_TYPE_BYTES {
        return Err(ProtocolError::invalid(
            "plot type",
            format!(
                "{} bytes, more than the limit of {MAX_PLOT_TYPE_BYTES}",
                name.len()
            ),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !is_plot_type_char(*c)) {
        return Err(ProtocolError::invalid(
            "plot type",
            format!("{bad:?} is not allowed (ASCII letters, digits, '_', '-', '.', ':')"),
        ));
    }
    Ok(())
}

fn is_plot_type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

/// A valid plot-type name made from `name`: characters that are not
/// allowed become `_`, the name is cut to [`MAX_PLOT_TYPE_BYTES`], and an
/// empty name becomes `unnamed`.
pub fn sanitize_plot_type(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if is_plot_type_char(c) { c } else { '_' })
        .take(MAX_PLOT_TYPE_BYTES)
        .collect();
    if out.is_empty() {
        out.push_str("unnamed");
    }
    out
}

/// The layout's rule: custom channels name a valid plot type, other kinds
/// none.
pub(crate) fn check_spec_plot_type(
    kind: ChannelKind,
    plot_type: &str,
) -> Result<(), ProtocolError> {
    match kind {
        ChannelKind::Custom => check_plot_type(plot_type),
        _ if plot_type.is_empty() => Ok(()),
        _ => Err(ProtocolError::invalid(
            "channel spec",
            format!("plot type {plot_type:?} on a {} channel", kind.name()),
        )),
    }
}

/// The data rule of custom frames: no `x`, distinct part names.
pub(crate) fn check_custom_parts<'a>(
    parts: impl Iterator<Item = (&'a str, bool)>,
) -> Result<(), ProtocolError> {
    // Frames usually carry a handful of arrays, where a linear scan beats
    // hashing; a header may hold tens of thousands, where a scan would be
    // quadratic (and a hostile header could make a receiver spin on it).
    const SCAN_UP_TO: usize = 16;
    let mut few: Vec<&str> = Vec::new();
    let mut many: HashSet<&str> = HashSet::new();
    for (name, has_x) in parts {
        if has_x {
            return Err(ProtocolError::invalid(
                "custom frame",
                format!("part {name:?} has an x array (custom parts are named arrays)"),
            ));
        }
        let repeated = if few.len() < SCAN_UP_TO {
            let repeated = few.contains(&name);
            few.push(name);
            repeated
        } else {
            if many.is_empty() {
                many.extend(few.iter().copied());
            }
            !many.insert(name)
        };
        if repeated {
            return Err(ProtocolError::invalid(
                "custom frame",
                format!("two parts are named {name:?}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plot_type_names() {
        for ok in ["quiver", "image", "my-plot.v2", "lab:spectrum", "A_1"] {
            assert!(check_plot_type(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "é", "new\nline", &"x".repeat(65)] {
            assert!(check_plot_type(bad).is_err(), "{bad:?}");
        }
        assert_eq!(sanitize_plot_type("my plot"), "my_plot");
        assert_eq!(sanitize_plot_type(""), "unnamed");
        assert_eq!(sanitize_plot_type(&"y".repeat(100)).len(), 64);
        assert!(check_plot_type(&sanitize_plot_type("ünïcode\u{7}")).is_ok());
    }

    #[test]
    fn spec_rule() {
        assert!(check_spec_plot_type(ChannelKind::Custom, "quiver").is_ok());
        assert!(check_spec_plot_type(ChannelKind::Custom, "").is_err());
        assert!(check_spec_plot_type(ChannelKind::Line, "").is_ok());
        assert!(check_spec_plot_type(ChannelKind::Line, "quiver").is_err());
    }

    #[test]
    fn part_rule() {
        assert!(check_custom_parts([("u", false), ("v", false)].into_iter()).is_ok());
        assert!(check_custom_parts([("u", false), ("u", false)].into_iter()).is_err());
        assert!(check_custom_parts([("u", true)].into_iter()).is_err());
        assert!(check_custom_parts(std::iter::empty()).is_ok());
        // Many parts: checked by hashing, with the same rule.
        let names: Vec<String> = (0..40_000).map(|i| format!("a{i}")).collect();
        let distinct = || names.iter().map(|n| (n.as_str(), false));
        assert!(check_custom_parts(distinct()).is_ok());
        for repeat in ["a3", "a500", "a39999"] {
            let err = check_custom_parts(distinct().chain([(repeat, false)])).unwrap_err();
            assert!(err.to_string().contains(repeat), "{err}");
        }
    }
}
