//! What a viewer process leaves on disk for a test to read: the numbered
//! PNGs of `--out 'f{n}.png'` and the lines of its `--ready-file`
//! (`presented N`, then `key value` figures and what its overlay shows).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::procs::wait_all_gone;

/// How long a viewer launched by a computation may take to exit once the
/// computation has ended (it renders what it got, then sees the goodbye).
pub const LAUNCHED_VIEWER_EXIT: Duration = Duration::from_secs(30);

/// The numbered PNGs `f<n>.png` in `dir`, in frame order (highest last).
pub fn numbered_pngs(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let n = name.strip_prefix('f')?.strip_suffix(".png")?.parse().ok()?;
                    Some((n, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Waits until the viewer writing numbered PNGs into `dir` (one a
/// computation launched: not our child, found by `dir` on its command line)
/// has exited, so its files are complete, and returns them in frame order.
///
/// # Panics
/// When it is still running after [`LAUNCHED_VIEWER_EXIT`], or wrote no
/// PNG; the message shows `said`, what the computation said.
pub fn launched_viewer_pngs(dir: &Path, said: &str) -> Vec<PathBuf> {
    let marker = dir.display().to_string();
    wait_all_gone(&marker, "the headless viewer to exit", LAUNCHED_VIEWER_EXIT);
    let files: Vec<PathBuf> = numbered_pngs(dir).into_iter().map(|(_, p)| p).collect();
    assert!(
        !files.is_empty(),
        "the viewer wrote no PNG in {}; the computation said:\n{said}",
        dir.display()
    );
    files
}

/// The first file in `dir` whose name starts with `prefix` and ends with
/// `suffix` (what the window's `s` and `e` keys save).
pub fn file_named(dir: &Path, prefix: &str, suffix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let name = e.file_name().into_string().ok()?;
        (name.starts_with(prefix) && name.ends_with(suffix)).then(|| e.path())
    })
}

/// The lines of a `--ready-file` now; empty while it is not there.
pub fn ready_notes(ready: &Path) -> Vec<String> {
    std::fs::read_to_string(ready)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The text after `head ` in the first line that starts with it: `note(lines,
/// "status")` is the status line, `note(lines, "view 1")` plot 1's view.
pub fn note<'a>(lines: &'a [String], head: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(head)?.strip_prefix(' '))
}

/// Frames a viewer has presented, from its `--ready-file` (`presented N`);
/// 0 while the file is not there yet.
pub fn presented(ready: &Path) -> u64 {
    std::fs::read_to_string(ready)
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// A figure the viewer writes on the lines after `presented N` in its
/// `--ready-file` (`age_us 53000`, ...): `None` while the file or the
/// figure is not there.
pub fn ready_figure(ready: &Path, key: &str) -> Option<i64> {
    note(&ready_notes(ready), key)?.trim().parse().ok()
}
