//! Shared helpers of the plotcast examples and end-to-end tests.
//!
//! The examples live in `examples/`, the end-to-end tests in `tests/`; this
//! small library holds what both need, so each example stays a plain
//! computation and each test reads as its scenario.
//!
//! Layout:
//! - [`steps_from_env`]: how long an example runs;
//! - [`big`]: the big workload (a 2048² field, a 10⁶-point line);
//! - [`bins`]: where the viewer and example binaries are (built by cargo);
//! - [`client`]: the protocol test client (a typed viewer on a socket);
//! - [`conn`]: its framed connection, and raw-byte helpers;
//! - [`procs`]: child processes with deadlines, process state, zombies;
//! - [`xvfb`]: a private X server and screenshots of it;
//! - [`image`]: PNG reading and "is there a plot in here" checks;
//! - [`link`]: a TCP proxy that emulates a long or slow link;
//! - [`viewer_files`]: the numbered PNGs and ready file a viewer writes;
//! - [`heat`]: the heat demo's computation (the example and the recording
//!   tests share it).

#![warn(missing_docs)]

pub mod big;
pub mod bins;
pub mod client;
pub mod conn;
pub mod heat;
pub mod image;
pub mod link;
pub mod procs;
pub mod viewer_files;
pub mod xvfb;

/// Number of steps an example runs: `PLOTCAST_STEPS` if set (tests use it
/// to bound a run), else `default`.
///
/// # Panics
/// When `PLOTCAST_STEPS` is set but is not a whole number: an example
/// should refuse a typo rather than run forever.
pub fn steps_from_env(default: u64) -> u64 {
    match std::env::var("PLOTCAST_STEPS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PLOTCAST_STEPS must be a whole number, got {text:?}")),
        Err(_) => default,
    }
}

/// A fresh, empty folder under the system's temporary folder, removed on
/// drop (kept when the `PLOTCAST_KEEP_TEST_FILES` variable is set, to look
/// at what a failed test produced).
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// Creates `$TMPDIR/plotcast-<label>-<pid>-<n>`.
    ///
    /// # Panics
    /// When the folder cannot be created (a test cannot go on without it).
    pub fn new(label: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("plotcast-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Self(path)
    }

    /// The folder.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("PLOTCAST_KEEP_TEST_FILES").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
