//! The one test-support crate of plotcast, shared by every test crate and
//! the benchmark: what starts the programs under test, what waits for them,
//! and what looks at what they produced.
//!
//! ```no_run
//! use plotcast_testkit::procs::wait_until;
//! use plotcast_testkit::test_peer::TestPeer;
//!
//! # let addr = "127.0.0.1:1".parse().unwrap();
//! let mut peer = TestPeer::connect(addr);
//! let batch = peer.batch();
//! wait_until(std::time::Duration::from_secs(5), "nothing", || true);
//! # let _ = batch;
//! ```
//!
//! Layout:
//! - [`TempDir`]: a fresh folder per test, removed on drop;
//! - [`bins`]: where the viewer and example binaries are (built by cargo);
//! - [`test_peer`]: the protocol test peer (a typed viewer on a socket);
//! - [`conn`]: its framed connection, and raw-byte helpers;
//! - [`procs`]: waits, child processes with deadlines, process state;
//! - [`xvfb`]: a private X server and screenshots of it;
//! - [`rgb`]: PNG reading and "is there a plot in here" checks;
//! - [`link_proxy`]: a TCP proxy that emulates a long or slow link;
//! - [`viewer_files`]: the numbered PNGs and ready file a viewer writes.

#![warn(missing_docs)]

pub mod bins;
pub mod conn;
pub mod link_proxy;
pub mod procs;
pub mod rgb;
pub mod test_peer;
pub mod viewer_files;
pub mod xvfb;

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
