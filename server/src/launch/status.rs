//! What became of the launch ([`ViewerLaunch`]), and the one place a
//! failure to get a viewer is reported.

use std::path::PathBuf;
use std::sync::Arc;

use crate::SpawnError;

use super::request::ViewerSource;

/// What became of the viewer launch, from [`Server::viewer_launch`](crate::Server::viewer_launch).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ViewerLaunch {
    /// Turned off (builder option or `PLOTCAST_NO_VIEWER=1`).
    Disabled,
    /// Started.
    Launched {
        /// The binary.
        path: PathBuf,
        /// Its process id.
        pid: u32,
    },
    /// Being built with cargo in the background; it starts when built.
    Building,
    /// Not found: the error (its message, printed on stderr, says where
    /// we looked and how to get a viewer).
    NotFound {
        /// A [`SpawnError::NotFound`].
        error: Arc<SpawnError>,
    },
    /// Found (or built) but could not be started, or the build failed.
    Failed {
        /// Why: [`SpawnError::Start`] or [`SpawnError::Build`].
        error: Arc<SpawnError>,
    },
}

/// Reported once, here: the computation goes on without a window.
pub(crate) fn failed(err: SpawnError) -> ViewerLaunch {
    eprintln!("plotcast: {err}");
    ViewerLaunch::Failed {
        error: Arc::new(err),
    }
}

/// Reported once, here: the computation goes on without a window.
pub(crate) fn not_found(searched: String, source: &ViewerSource) -> ViewerLaunch {
    let err = SpawnError::NotFound {
        searched,
        addr: source.hint(),
    };
    eprintln!("plotcast: {err}");
    ViewerLaunch::NotFound {
        error: Arc::new(err),
    }
}
