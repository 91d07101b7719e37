//! Colormap names: the maps every viewer draws a heatmap through, named
//! once here so that the server's API, the Python package, the command
//! line and the viewer agree on them.
//!
//! ```
//! use plotcast_protocol::colormap::{self, Colormap};
//!
//! let map: Colormap = "magma_r".parse()?;
//! assert_eq!(map, Colormap::Magma.reversed());
//! assert_eq!(map.name(), "magma_r");
//! let err = "virdis".parse::<Colormap>().unwrap_err();
//! assert!(err.to_string().contains("(did you mean viridis?)"));
//! assert!(colormap::check("").is_ok(), "empty: the default, viridis");
//! # Ok::<(), colormap::UnknownColormap>(())
//! ```
//!
//! On the wire a channel's colormap is its name
//! ([`ChannelOptions::colormap`](crate::ChannelOptions::colormap), empty
//! for the default); a viewer draws a name it does not know as viridis, so
//! the sending side is where an unknown name is refused.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The maps, by base name (each also reversed, with `_r`), in the order
/// messages list them.
pub const NAMES: [&str; 7] = [
    "viridis", "magma", "inferno", "plasma", "coolwarm", "RdBu", "gray",
];

/// A colormap a viewer draws: one of [`NAMES`], possibly reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Colormap {
    /// matplotlib's default: dark blue to yellow.
    #[default]
    Viridis,
    /// Black to light yellow through purple.
    Magma,
    /// Black to light yellow through red.
    Inferno,
    /// Dark blue to yellow through magenta.
    Plasma,
    /// Diverging: blue, grey, red.
    Coolwarm,
    /// Diverging: red, white, blue.
    RdBu,
    /// Black to white.
    Gray,
    /// Viridis, yellow first.
    ViridisR,
    /// Magma, light end first.
    MagmaR,
    /// Inferno, light end first.
    InfernoR,
    /// Plasma, yellow first.
    PlasmaR,
    /// Coolwarm, red first.
    CoolwarmR,
    /// RdBu, blue first.
    RdBuR,
    /// Gray, white first.
    GrayR,
}

impl Colormap {
    /// Every map: the [`NAMES`] in order, then their reversed forms.
    pub const ALL: [Colormap; 14] = [
        Colormap::Viridis,
        Colormap::Magma,
        Colormap::Inferno,
        Colormap::Plasma,
        Colormap::Coolwarm,
        Colormap::RdBu,
        Colormap::Gray,
        Colormap::ViridisR,
        Colormap::MagmaR,
        Colormap::InfernoR,
        Colormap::PlasmaR,
        Colormap::CoolwarmR,
        Colormap::RdBuR,
        Colormap::GrayR,
    ];

    /// The name viewers know it by (`"magma"`, `"RdBu_r"`).
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::Inferno => "inferno",
            Colormap::Plasma => "plasma",
            Colormap::Coolwarm => "coolwarm",
            Colormap::RdBu => "RdBu",
            Colormap::Gray => "gray",
            Colormap::ViridisR => "viridis_r",
            Colormap::MagmaR => "magma_r",
            Colormap::InfernoR => "inferno_r",
            Colormap::PlasmaR => "plasma_r",
            Colormap::CoolwarmR => "coolwarm_r",
            Colormap::RdBuR => "RdBu_r",
            Colormap::GrayR => "gray_r",
        }
    }

    /// The same map run the other way (reversing twice gives it back).
    #[must_use]
    pub fn reversed(self) -> Self {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Self::ALL[(i + NAMES.len()) % Self::ALL.len()]
    }

    /// Whether this is a reversed (`_r`) map.
    pub fn is_reversed(self) -> bool {
        self.name().ends_with("_r")
    }
}

impl fmt::Display for Colormap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Colormap {
    type Err = UnknownColormap;

    /// Reads a name as viewers do: case does not matter, `grey` is gray,
    /// `_r` reverses.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase();
        let (base, reversed) = match lower.strip_suffix("_r") {
            Some(base) => (base, true),
            None => (lower.as_str(), false),
        };
        let base = if base == "grey" { "gray" } else { base };
        let map = Self::ALL[..NAMES.len()]
            .iter()
            .find(|m| m.name().eq_ignore_ascii_case(base))
            .ok_or_else(|| UnknownColormap::new(name))?;
        Ok(if reversed { map.reversed() } else { *map })
    }
}

/// A colormap name no viewer knows; its message lists the ones they do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown colormap {name:?}{}; the colormaps are {} (each also reversed with \"_r\", e.g. magma_r)", suggestion(.name), NAMES.join(", "))]
pub struct UnknownColormap {
    /// The name given.
    pub name: String,
}

impl UnknownColormap {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
        }
    }
}

/// Checks a colormap name as a channel's options carry it: empty (the
/// default, viridis) or a name [`Colormap`] reads.
///
/// # Errors
/// [`UnknownColormap`], listing the names.
pub fn check(name: &str) -> Result<(), UnknownColormap> {
    if name.is_empty() {
        return Ok(());
    }
    name.parse::<Colormap>().map(|_| ())
}

/// `" (did you mean viridis?)"` when a known name is one or two edits away
/// (a typo), else nothing.
fn suggestion(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    Colormap::ALL
        .iter()
        .map(|m| (edit_distance(&lower, &m.name().to_ascii_lowercase()), m))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, m)| format!(" (did you mean {m}?)"))
        .unwrap_or_default()
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_and_reverses() {
        for map in Colormap::ALL {
            assert_eq!(map.name().parse::<Colormap>(), Ok(map));
            assert_eq!(map.reversed().reversed(), map);
            assert_ne!(map.reversed().is_reversed(), map.is_reversed());
        }
        assert_eq!(Colormap::RdBu.reversed().name(), "RdBu_r");
        assert_eq!(
            NAMES.to_vec(),
            Colormap::ALL[..7]
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn names_read_as_viewers_read_them() {
        assert_eq!("RDBU".parse(), Ok(Colormap::RdBu));
        assert_eq!(" Magma_R ".parse(), Ok(Colormap::MagmaR));
        assert_eq!("grey_r".parse(), Ok(Colormap::GrayR));
        assert!(check("").is_ok());
        assert!(check("plasma").is_ok());
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        let err = "virdis".parse::<Colormap>().unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("unknown colormap \"virdis\" (did you mean viridis?); the colormaps are viridis, magma,"),
            "{text}"
        );
        for name in NAMES {
            assert!(text.contains(name), "{text}");
        }
        assert!(text.contains("_r"), "{text}");
        let far = check("rainbow").unwrap_err().to_string();
        assert!(!far.contains("did you mean"), "{far}");
        assert!(check("_r").is_err());
        assert!(check("magma_r_r").is_err());
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("virdis", "viridis"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
