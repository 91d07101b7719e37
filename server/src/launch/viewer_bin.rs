//! A viewer of the user's own, named by its binary's name
//! ([`ServerBuilder::viewer_bin`](crate::ServerBuilder::viewer_bin)).
//!
//! Cargo puts a package's binaries in `target/<profile>/` and its examples
//! in `target/<profile>/examples/`, so a viewer built next to the
//! computation is found from the running executable: in its folder, in the
//! parent of an `examples` (or `deps`) folder, or in an `examples` folder
//! beside it. When it is not there and the computation runs under
//! `cargo run` (cargo sets `CARGO` and `CARGO_MANIFEST_DIR` for it), the
//! viewer is built in the background with the same profile and target
//! folder, as an example when the computation is one, else as a binary
//! (then the other way round if that fails), and started when built: the
//! computation does not wait.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use plotcast_protocol::util::lock;

use crate::SpawnError;

use super::build::{build_then_start, exe_target, run_cargo};
use super::find::is_executable;
use super::request::LaunchRequest;
use super::spawn::{start, Spawner};
use super::status::ViewerLaunch;

/// Where a binary called `name` built next to `exe` may be, in order.
pub(crate) fn candidates(name: &str, exe: &Path) -> Vec<PathBuf> {
    let Some(dir) = exe.parent() else {
        return Vec::new();
    };
    let mut out = vec![dir.join(name)];
    if matches!(
        dir.file_name().and_then(OsStr::to_str),
        Some("examples" | "deps")
    ) {
        if let Some(parent) = dir.parent() {
            out.push(parent.join(name));
            // From `deps`, the examples folder is a sibling.
            let sibling = parent.join("examples").join(name);
            if !out.contains(&sibling) {
                out.push(sibling);
            }
        }
    } else {
        out.push(dir.join("examples").join(name));
    }
    out
}

/// Finds and starts the viewer binary `name`, or builds it first when the
/// computation runs under cargo; writes the outcome to `status`.
pub(crate) fn launch_bin(
    name: &str,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    // A name with a folder in it is a path after all.
    if Path::new(name).components().count() > 1 {
        *lock(status) = start(PathBuf::from(name), &req);
        return;
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let searched = candidates(name, &exe);
    if let Some(found) = searched.iter().find(|p| is_executable(p)) {
        *lock(status) = start(found.clone(), &req);
        return;
    }
    let cargo = std::env::var_os("CARGO").map(PathBuf::from);
    let project = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    match (cargo, project, exe_target(&exe)) {
        (Some(cargo), Some(project), Some((target_dir, release))) => {
            let build = Build {
                cargo,
                project,
                target_dir,
                release,
                example_first: exe.parent().is_some_and(|d| d.ends_with("examples")),
            };
            build_in_background(name.to_owned(), build, req, status, spawn);
        }
        _ => {
            let err = SpawnError::BinNotFound {
                name: name.to_owned(),
                searched: searched
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            eprintln!("plotcast: {err}");
            *lock(status) = ViewerLaunch::NotFound {
                error: Arc::new(err),
            };
        }
    }
}

/// How to build the viewer with cargo.
#[derive(Debug, Clone)]
pub(crate) struct Build {
    pub(crate) cargo: PathBuf,
    /// Where to run cargo (the computation's package).
    pub(crate) project: PathBuf,
    pub(crate) target_dir: PathBuf,
    pub(crate) release: bool,
    /// Try `--example NAME` before `--bin NAME`.
    pub(crate) example_first: bool,
}

impl Build {
    /// The target kinds to try, in order, with where each puts the binary.
    fn attempts(&self, name: &str) -> [(&'static str, PathBuf); 2] {
        let profile = self
            .target_dir
            .join(if self.release { "release" } else { "debug" });
        let example = ("--example", profile.join("examples").join(name));
        let bin = ("--bin", profile.join(name));
        if self.example_first {
            [example, bin]
        } else {
            [bin, example]
        }
    }

    /// Runs `cargo build` for `name`; the built binary, or cargo's last
    /// words.
    fn run(&self, name: &str) -> Result<PathBuf, String> {
        let mut last = String::new();
        for (flag, path) in self.attempts(name) {
            let mut cmd = Command::new(&self.cargo);
            cmd.current_dir(&self.project)
                .args([
                    "build",
                    "--quiet",
                    "--workspace",
                    flag,
                    name,
                    "--target-dir",
                ])
                .arg(&self.target_dir);
            if self.release {
                cmd.arg("--release");
            }
            match run_cargo(&mut cmd) {
                Ok(()) => return Ok(path),
                Err(why) => last = why,
            }
        }
        Err(format!("viewer {name}: {last}"))
    }
}

/// Builds the viewer on a named thread, then starts it.
fn build_in_background(
    name: String,
    build: Build,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    eprintln!(
        "plotcast: building the viewer {name} (cargo build{} --example/--bin {name}); the computation goes on meanwhile",
        if build.release { " --release" } else { "" }
    );
    build_then_start(Box::new(move || build.run(&name)), req, status, spawn);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::launch::spawn::spawn_inline;
    use crate::launch::viewer_bin::*;

    #[test]
    fn candidates_cover_bins_and_examples_both_ways() {
        let c = candidates("v", Path::new("/w/target/debug/examples/sim"));
        assert_eq!(
            c,
            [
                PathBuf::from("/w/target/debug/examples/v"),
                PathBuf::from("/w/target/debug/v"),
            ]
        );
        let c = candidates("v", Path::new("/w/target/release/sim"));
        assert_eq!(
            c,
            [
                PathBuf::from("/w/target/release/v"),
                PathBuf::from("/w/target/release/examples/v"),
            ]
        );
    }

    #[test]
    fn example_computations_build_an_example_first() {
        let build = Build {
            cargo: PathBuf::from("/nonexistent/cargo"),
            project: std::env::temp_dir(),
            target_dir: PathBuf::from("/w/target"),
            release: true,
            example_first: true,
        };
        let [(first, path), (second, _)] = build.attempts("v");
        assert_eq!((first, second), ("--example", "--bin"));
        assert_eq!(path, PathBuf::from("/w/target/release/examples/v"));
        let err = build.run("v").unwrap_err();
        assert!(err.contains("/nonexistent/cargo"), "{err}");
    }

    #[test]
    fn a_failed_build_is_the_last_word() {
        let status = Arc::new(Mutex::new(ViewerLaunch::Disabled));
        let req = LaunchRequest::for_test(Some("v"));
        let build = Build {
            cargo: PathBuf::from("/nonexistent/cargo"),
            project: std::env::temp_dir(),
            target_dir: std::env::temp_dir(),
            release: false,
            example_first: false,
        };
        build_in_background("v".into(), build, req, &status, spawn_inline);
        let outcome = lock(&status).clone();
        match outcome {
            ViewerLaunch::Failed { error } => {
                assert!(error.to_string().contains("viewer v"), "{error}");
            }
            other => panic!("expected the failed build, got {other:?}"),
        }
    }
}
