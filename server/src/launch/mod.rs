//! Finding and starting the viewer (`plotcast-viewer`).
//!
//! Search order: the builder's `viewer_path`, `PLOTCAST_VIEWER`, next to the
//! running executable and in its parent folder (cargo puts examples in
//! `target/<profile>/examples/`), then `PATH`. When nothing is found but we
//! run under `cargo run` inside the plotcast workspace, the viewer is built
//! in the background first.
//!
//! The server does not kill the viewer when dropped (it keeps showing the
//! final plot); how the process runs is in `spawn.rs`.
//!
//! Layout (each file imports only those above it in this list):
//! - `request`: [`LaunchRequest`], what the launch needs to know.
//! - `status`: [`ViewerLaunch`], what became of it, reported once.
//! - `find`: finding `plotcast-viewer` ([`VIEWER_BIN`]).
//! - `spawn`: starting the process and reaping it; named threads.
//! - `build`: building a viewer with cargo in the background.
//! - `viewer_bin`: a viewer of the user's own, by binary name.
//! - here: [`launch`], which picks one of them.

mod build;
mod find;
mod request;
mod spawn;
mod status;
mod viewer_bin;

use std::sync::{Arc, Mutex};

use plotcast_protocol::util::lock;

use self::build::{build_in_background, cargo_workspace};
use self::find::find_viewer;
use self::spawn::{spawn_named, start};
use self::status::not_found;
use self::viewer_bin::launch_bin;

pub use self::find::VIEWER_BIN;
pub(crate) use self::request::{connect_addr, extra_args, LaunchRequest, ViewerSource};
pub use self::status::ViewerLaunch;

/// Finds and starts the viewer, writing the outcome to `status`; builds it
/// first on a background thread when running from the plotcast workspace.
/// Prints one line on stderr when there is none.
pub(crate) fn launch(req: LaunchRequest, status: &Arc<Mutex<ViewerLaunch>>) {
    if let Some(name) = req.bin_name.clone() {
        return launch_bin(&name, req, status, spawn_named);
    }
    match find_viewer(
        req.explicit_path.as_deref(),
        req.env_path.as_deref(),
        std::env::var_os("PATH"),
    ) {
        Ok(path) => *lock(status) = start(path, &req),
        Err((searched, named)) => match (named, cargo_workspace()) {
            (false, Some((cargo, root))) => {
                build_in_background(cargo, root, req, status, spawn_named);
            }
            _ => *lock(status) = not_found(searched, &req.source),
        },
    }
}
