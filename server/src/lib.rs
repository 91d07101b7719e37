//! plotcast: the library a computation links to publish live plots.
#![warn(missing_docs)]
