//! What a viewer process leaves on disk for a test to read: the numbered
//! PNGs of `--out 'f{n}.png'` and the frame count in its `--ready-file`.

use std::path::{Path, PathBuf};

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
    let text = std::fs::read_to_string(ready).ok()?;
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}
