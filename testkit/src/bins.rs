//! Where the binaries under test are: the viewer and the examples, in the
//! same target folder as the running test, (re)built by cargo.
//!
//! Cargo builds a package's own binaries for its integration tests
//! (`CARGO_BIN_EXE_<name>`), but not another package's binary nor the
//! examples a test runs; a binary merely present may be stale (built before
//! the last change). So each binary is built with cargo once per test
//! process, the first time a test asks for it: when it is fresh, cargo only
//! checks that it is.

use std::collections::HashSet;
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

/// The variables cargo sets for the crate it runs (besides `CARGO_PKG_*`
/// and `CARGO_BIN_EXE_*`), left out of nested builds.
const CRATE_VARS: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// The binaries built by this process so far. The lock also serialises
/// builds: cargo would block on its own lock anyway, and one message per
/// build is clearer.
static BUILT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn build(path: &Path, args: &[&str]) -> PathBuf {
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if built
        .get_or_insert_with(HashSet::new)
        .insert(path.to_path_buf())
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("building {} (cargo {})", path.display(), args.join(" "));
        let target_dir = profile_dir()
            .parent()
            .expect("the profile folder is inside the target folder")
            .to_path_buf();
        let release = profile_dir().ends_with("release");
        let mut command = Command::new(cargo);
        command
            .args(args)
            .args(release.then_some("--release"))
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // Cargo sets these for the test binary (its package's name, folder,
        // version); ring's build script reruns when they change, which
        // would rebuild ring, rustls, async-nats and the viewer for every
        // test crate that builds a binary.
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if CRATE_VARS.contains(&key_text.as_ref())
                || key_text.starts_with("CARGO_PKG_")
                || key_text.starts_with("CARGO_BIN_EXE_")
            {
                command.env_remove(&key);
            }
        }
        let status = command
            .status()
            .expect("running cargo to build a test dependency");
        assert!(status.success(), "cargo {} failed", args.join(" "));
    }
    assert!(path.exists(), "{} missing after the build", path.display());
    path.to_path_buf()
}

/// The `plotcast-viewer` binary of this build.
pub fn viewer() -> PathBuf {
    build(
        &profile_dir().join("plotcast-viewer"),
        &["build", "-p", "plotcast-viewer", "--bin", "plotcast-viewer"],
    )
}

/// The binary of example `name` of this build.
pub fn example(name: &str) -> PathBuf {
    build(
        &profile_dir().join("examples").join(name),
        &["build", "-p", "plotcast-suite", "--example", name],
    )
}

/// The binary of example `name` of another package of the workspace (cargo
/// puts every package's examples in the same folder).
pub fn package_example(package: &str, name: &str) -> PathBuf {
    build(
        &profile_dir().join("examples").join(name),
        &["build", "-p", package, "--example", name],
    )
}
