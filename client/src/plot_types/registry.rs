//! [`PlotTypes`]: the plot types a viewer can draw, by name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use plotcast_protocol::custom::{check_plot_type, IMAGE, QUIVER};

use crate::plot_types::PlotType;
use crate::plot_types::{Image, Quiver};

/// The plot types a viewer draws custom channels with, by plot-type name.
/// Cheap to clone (the table is shared); the default holds the built-in
/// ones (`quiver`, `image`).
#[derive(Clone)]
pub struct PlotTypes {
    table: Arc<BTreeMap<String, Arc<dyn PlotType>>>,
}

impl Default for PlotTypes {
    fn default() -> Self {
        Self::none().with(QUIVER, Quiver).with(IMAGE, Image)
    }
}

impl fmt::Debug for PlotTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.table.keys()).finish()
    }
}

impl PlotTypes {
    /// No plot types at all, not even the built-in ones.
    pub fn none() -> Self {
        Self {
            table: Arc::new(BTreeMap::new()),
        }
    }

    /// These plot types and `plot` under `name` (replacing one of that
    /// name, built-ins included).
    ///
    /// # Panics
    /// When `name` is not a valid plot-type name (1 to 64 ASCII letters,
    /// digits, `_`, `-`, `.`, `:`): no computation could ask for it, so
    /// this is a mistake in the viewer's code, found on its first run.
    pub fn with(mut self, name: &str, plot: impl PlotType) -> Self {
        if let Err(err) = check_plot_type(name) {
            panic!("cannot register plot type {name:?}: {err}");
        }
        Arc::make_mut(&mut self.table).insert(name.to_owned(), Arc::new(plot));
        self
    }

    /// The plot type called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn PlotType>> {
        self.table.get(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.table.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot_types::{CustomData, PlotArea, PlotResult};

    struct Nothing;
    impl PlotType for Nothing {
        fn draw(&self, _: &PlotArea<'_, '_>, _: &CustomData<'_>) -> PlotResult {
            Ok(())
        }
    }

    #[test]
    fn built_ins_and_additions() {
        let stock = PlotTypes::default();
        assert_eq!(stock.names().collect::<Vec<_>>(), ["image", "quiver"]);
        let mine = stock.clone().with("mine", Nothing);
        assert!(mine.get("mine").is_some());
        // The stock table is not changed by a clone's addition.
        assert!(stock.get("mine").is_none());
        assert_eq!(format!("{mine:?}"), r#"{"image", "mine", "quiver"}"#);
        assert!(PlotTypes::none().get("quiver").is_none());
    }

    #[test]
    #[should_panic(expected = "cannot register plot type")]
    fn invalid_names_are_refused() {
        let _ = PlotTypes::none().with("with space", Nothing);
    }
}
