//! Building a viewer with cargo on a background thread, then starting it:
//! `plotcast-viewer` when we run under `cargo run` inside the plotcast
//! workspace, and the machinery `viewer_bin.rs` builds a viewer of the
//! user's own with.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use plotcast_protocol::util::lock;

use crate::SpawnError;

use super::find::VIEWER_BIN;
use super::request::LaunchRequest;
use super::spawn::{start, Spawner};
use super::status::{failed, ViewerLaunch};

/// The plotcast workspace this crate was compiled from, when we run under
/// `cargo run` inside it.
pub(crate) fn cargo_workspace() -> Option<(PathBuf, PathBuf)> {
    let cargo = std::env::var_os("CARGO")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    root.join("client/Cargo.toml")
        .is_file()
        .then(|| (PathBuf::from(cargo), root.to_path_buf()))
}

/// The target dir and profile of the running executable
/// (`target/<profile>/[examples|deps]/exe`).
pub(crate) fn exe_target(exe: &Path) -> Option<(PathBuf, bool)> {
    let mut dir = exe.parent()?;
    if matches!(dir.file_name()?.to_str()?, "examples" | "deps") {
        dir = dir.parent()?;
    }
    let release = dir.file_name()? == "release";
    Some((dir.parent()?.to_path_buf(), release))
}

/// Builds the viewer with cargo on a background thread, then starts it.
pub(crate) fn build_in_background(
    cargo: PathBuf,
    root: PathBuf,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    let (target_dir, release) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe_target(&exe))
        .unwrap_or_else(|| (root.join("target"), false));
    eprintln!(
        "plotcast: building the viewer for the first run (cargo build{} -p {VIEWER_BIN}); the computation goes on meanwhile",
        if release { " --release" } else { "" }
    );
    let build = Box::new(move || {
        let profile = if release { "release" } else { "debug" };
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&root)
            .args(["build", "--quiet", "-p", VIEWER_BIN, "--target-dir"])
            .arg(&target_dir);
        if release {
            cmd.arg("--release");
        }
        run_cargo(&mut cmd).map(|()| target_dir.join(profile).join(VIEWER_BIN))
    });
    build_then_start(build, req, status, spawn);
}

/// Runs a cargo build; on failure, the last lines cargo wrote (or why it
/// could not run).
pub(crate) fn run_cargo(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", cmd.get_program().to_string_lossy()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
    Err(tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// A build that gives the viewer's path, or why it failed.
pub(crate) type BuildJob = Box<dyn FnOnce() -> Result<PathBuf, String> + Send>;

/// Runs `build` on a named thread and starts what it built (unless the
/// server is gone by then).
///
/// One writer per state: `Building` is written here, before the thread
/// exists; the thread writes the outcome, which so always comes last.
pub(crate) fn build_then_start(
    build: BuildJob,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    *lock(status) = ViewerLaunch::Building;
    let thread_status = Arc::clone(status);
    let work = Box::new(move || {
        let result = match build() {
            Ok(path) => {
                if !req.alive.load(Ordering::Acquire) {
                    return;
                }
                start(path, &req)
            }
            Err(why) => failed(SpawnError::Build(why)),
        };
        *lock(&thread_status) = result;
    });
    if let Err(err) = spawn("plotcast-viewer-build", work) {
        *lock(status) = failed(SpawnError::Build(format!(
            "cannot start the build thread: {err}"
        )));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::launch::build::*;
    use crate::launch::spawn::spawn_inline;

    #[test]
    fn the_build_outcome_is_written_after_building() {
        let status = Arc::new(Mutex::new(ViewerLaunch::Disabled));
        let req = LaunchRequest::for_test(None);
        // Even when the build ends before the spawner returns, its outcome
        // is the last word, not `Building`.
        let fake_cargo = PathBuf::from("/nonexistent/cargo");
        build_in_background(fake_cargo, std::env::temp_dir(), req, &status, spawn_inline);
        let outcome = lock(&status).clone();
        match outcome {
            ViewerLaunch::Failed { error } => {
                assert!(matches!(*error, SpawnError::Build(_)), "{error}");
                assert!(error.to_string().contains("/nonexistent/cargo"), "{error}");
            }
            other => panic!("expected the failed build, got {other:?}"),
        }
    }

    #[test]
    fn target_dir_and_profile_of_the_running_executable() {
        let t = |p: &str| exe_target(Path::new(p));
        assert_eq!(
            t("/w/target/debug/examples/heat"),
            Some((PathBuf::from("/w/target"), false))
        );
        assert_eq!(
            t("/w/target/release/examples/heat"),
            Some((PathBuf::from("/w/target"), true))
        );
        assert_eq!(
            t("/w/target/release/deps/x-123"),
            Some((PathBuf::from("/w/target"), true))
        );
        assert_eq!(
            t("/w/target/debug/app"),
            Some((PathBuf::from("/w/target"), false))
        );
    }
}
