//! Where the binaries under test are: the viewer and the examples, in the
//! same target folder as the running test, built with cargo when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The profile folder of the running test binary (`target/debug`), found
/// from `target/debug/deps/<test>`.
///
/// # Panics
/// When the executable's path has no such shape.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let deps = exe
        .parent()
        .expect("test binaries live in target/<profile>/deps");
    deps.parent()
        .expect("test binaries live in target/<profile>/deps")
        .to_path_buf()
}

/// Serialises builds: cargo would block on its lock anyway, and one
/// message per build is clearer.
static BUILD: Mutex<()> = Mutex::new(());

fn build_if_missing(path: &Path, args: &[&str]) -> PathBuf {
    let _guard = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("building {} (cargo {})", path.display(), args.join(" "));
        let target_dir = profile_dir()
            .parent()
            .expect("the profile folder is inside the target folder")
            .to_path_buf();
        let release = profile_dir().ends_with("release");
        let status = Command::new(cargo)
            .args(args)
            .args(release.then_some("--release"))
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("running cargo to build a test dependency");
        assert!(status.success(), "cargo {} failed", args.join(" "));
    }
    assert!(path.exists(), "{} missing after the build", path.display());
    path.to_path_buf()
}

/// The `plotcast-viewer` binary of this build.
pub fn viewer() -> PathBuf {
    build_if_missing(
        &profile_dir().join("plotcast-viewer"),
        &["build", "-p", "plotcast-viewer", "--bin", "plotcast-viewer"],
    )
}

/// The binary of example `name` of this build.
pub fn example(name: &str) -> PathBuf {
    build_if_missing(
        &profile_dir().join("examples").join(name),
        &["build", "-p", "plotcast-suite", "--example", name],
    )
}
