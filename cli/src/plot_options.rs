//! Per-plot options as given on the command line: `[PLOT=]VALUE` for one
//! plot or all, `PLOTS` lists for switches, `MIN:MAX` ranges, groups.

use plotcast::Colormap;
use thiserror::Error;

/// A command-line value that does not read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OptionError {
    /// A range that is not `MIN:MAX` with MIN < MAX.
    #[error("{0:?} is not a range MIN:MAX (numbers, MIN < MAX), e.g. 0:1 or -1e3:1e3")]
    Range(String),
    /// A group that is not `PLOT=COL,COL`.
    #[error("{0:?} is not a group PLOT=COLUMN,COLUMN,... (e.g. energy=kinetic,potential)")]
    Group(String),
    /// A delimiter that is not one byte.
    #[error("{0:?} is not a one-character delimiter (use e.g. ';' or tab)")]
    Delimiter(String),
    /// A value that must name its plot.
    #[error("{0:?} must name its plot: PLOT=VALUE")]
    NeedsPlot(String),
}

/// A value for every plot, overridden per plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Targeted<T> {
    /// For every plot not named below.
    pub all: Option<T>,
    /// For the named plots.
    pub by_plot: Vec<(String, T)>,
}

impl<T> Default for Targeted<T> {
    fn default() -> Self {
        Self {
            all: None,
            by_plot: Vec::new(),
        }
    }
}

impl<T> Targeted<T> {
    /// The value for `plot`.
    pub fn get(&self, plot: &str) -> Option<&T> {
        self.by_plot
            .iter()
            .rev()
            .find(|(p, _)| p == plot)
            .map(|(_, v)| v)
            .or(self.all.as_ref())
    }

    /// Reads repeated `[PLOT=]VALUE` arguments; `parse` reads each VALUE.
    ///
    /// # Errors
    /// The first error of `parse`.
    pub fn parse<E>(
        args: &[String],
        mut parse: impl FnMut(&str) -> Result<T, E>,
    ) -> Result<Self, E> {
        let mut out = Self::default();
        for arg in args {
            match arg.split_once('=') {
                Some((plot, value)) if !plot.is_empty() => {
                    out.by_plot.push((plot.to_owned(), parse(value)?));
                }
                Some((_, value)) => out.all = Some(parse(value)?),
                None => out.all = Some(parse(arg)?),
            }
        }
        Ok(out)
    }

    /// The plot names given explicitly.
    pub fn named(&self) -> impl Iterator<Item = &str> {
        self.by_plot.iter().map(|(p, _)| p.as_str())
    }
}

/// Which plots a switch applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Targets {
    /// None.
    #[default]
    None,
    /// Every plot.
    All,
    /// The named plots.
    Some(Vec<String>),
}

impl Targets {
    /// From an optional-value switch: absent, given bare (all plots) or
    /// with a comma-separated list of plots.
    pub fn from_arg(arg: Option<&str>) -> Self {
        match arg {
            None => Self::None,
            Some("") => Self::All,
            Some(list) => Self::Some(split_list(list)),
        }
    }

    /// Whether `plot` is targeted.
    pub fn contains(&self, plot: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Some(plots) => plots.iter().any(|p| p == plot),
        }
    }

    /// The plot names given explicitly.
    pub fn named(&self) -> &[String] {
        match self {
            Self::Some(plots) => plots,
            _ => &[],
        }
    }
}

/// Display options of the plots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotOptions {
    /// Plot titles (`--plot-title PLOT=TEXT`).
    pub titles: Targeted<String>,
    /// X axis labels (default: the x column's name).
    pub x_labels: Targeted<String>,
    /// Y axis labels.
    pub y_labels: Targeted<String>,
    /// Logarithmic x axes.
    pub log_x: Targets,
    /// Logarithmic y axes.
    pub log_y: Targets,
    /// Fixed y ranges (heatmaps: the colour range).
    pub y_ranges: Targeted<(f64, f64)>,
    /// Heatmap colormap.
    pub colormap: Option<Colormap>,
    /// History window of series, points per series (0: the server's).
    pub history_points: usize,
}

impl PlotOptions {
    /// Every plot name an option names explicitly.
    pub fn named_plots(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .titles
            .named()
            .chain(self.x_labels.named())
            .chain(self.y_labels.named())
            .chain(self.y_ranges.named())
            .chain(self.log_x.named().iter().map(String::as_str))
            .chain(self.log_y.named().iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// `a,b , c` as `["a", "b", "c"]`.
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads `MIN:MAX`.
///
/// # Errors
/// [`OptionError::Range`].
pub fn parse_range(text: &str) -> Result<(f64, f64), OptionError> {
    let bad = || OptionError::Range(text.to_owned());
    let (lo, hi) = text.split_once(':').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

/// Reads `PLOT=COL,COL`.
///
/// # Errors
/// [`OptionError::Group`].
pub fn parse_group(text: &str) -> Result<(String, Vec<String>), OptionError> {
    let bad = || OptionError::Group(text.to_owned());
    let (plot, cols) = text.split_once('=').ok_or_else(bad)?;
    let cols = split_list(cols);
    if plot.trim().is_empty() || cols.is_empty() {
        return Err(bad());
    }
    Ok((plot.trim().to_owned(), cols))
}

/// Reads a delimiter: one ASCII character, or `tab` / `\t`.
///
/// # Errors
/// [`OptionError::Delimiter`].
pub fn parse_delimiter(text: &str) -> Result<u8, OptionError> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(OptionError::Delimiter(text.to_owned())),
    }
}

/// `PLOT=TEXT` only (a title for every plot would make no sense).
///
/// # Errors
/// [`OptionError::NeedsPlot`].
pub fn parse_named(args: &[String]) -> Result<Targeted<String>, OptionError> {
    let t = Targeted::parse(args, |v| Ok::<_, OptionError>(v.to_owned()))?;
    match t.all {
        Some(_) => Err(OptionError::NeedsPlot(
            args.iter()
                .find(|a| !a.contains('='))
                .cloned()
                .unwrap_or_default(),
        )),
        None => Ok(t),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targeted_values() {
        let t = Targeted::parse(&["K".into(), "res=1".into(), "=all".into()], |v| {
            Ok::<_, ()>(v.to_owned())
        })
        .unwrap();
        assert_eq!(t.get("res").unwrap(), "1");
        assert_eq!(t.get("other").unwrap(), "all");
        let r = Targeted::parse(&["res=-1:1e3".into()], parse_range).unwrap();
        assert_eq!(r.get("res"), Some(&(-1.0, 1000.0)));
        assert_eq!(r.get("x"), None);
        assert!(parse_range("1:0").is_err());
        assert!(parse_range("a:b").is_err());
        assert!(parse_named(&["x".into()]).is_err());
    }

    #[test]
    fn switches_groups_delimiters() {
        assert!(Targets::from_arg(Some("")).contains("any"));
        let t = Targets::from_arg(Some("a, b"));
        assert!(t.contains("b") && !t.contains("c"));
        assert!(!Targets::from_arg(None).contains("a"));
        assert_eq!(
            parse_group("e=kin, pot").unwrap(),
            ("e".into(), vec!["kin".into(), "pot".into()])
        );
        assert!(parse_group("e=").is_err());
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter(";;").is_err());
    }
}
