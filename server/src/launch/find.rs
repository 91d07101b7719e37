//! Finding `plotcast-viewer`: the binary named by the builder or
//! `PLOTCAST_VIEWER`, else next to the running executable, in its parent
//! folder, then on `PATH`.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The viewer binary's name.
pub const VIEWER_BIN: &str = "plotcast-viewer";

pub(crate) fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Where to look when nothing was named, in order.
fn default_candidates(path_var: Option<OsString>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            out.push(dir.join(VIEWER_BIN));
            if let Some(parent) = dir.parent() {
                out.push(parent.join(VIEWER_BIN));
            }
        }
    }
    if let Some(path) = path_var {
        out.extend(std::env::split_paths(&path).map(|d| d.join(VIEWER_BIN)));
    }
    out
}

/// Finds the viewer, or says where it looked.
pub(crate) fn find_viewer(
    explicit: Option<&Path>,
    env_path: Option<&Path>,
    path_var: Option<OsString>,
) -> Result<PathBuf, (String, bool)> {
    // A named binary is the user's choice: if it is missing, say so rather
    // than silently starting another one.
    if let Some(named) = explicit.or(env_path) {
        if is_executable(named) {
            return Ok(named.to_path_buf());
        }
        // A bare name (no folder) is looked up on PATH, like a shell would.
        if named.components().count() == 1 {
            if let Some(found) = path_var
                .iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join(named))
                .find(|p| is_executable(p))
            {
                return Ok(found);
            }
        }
        return Err((named.display().to_string(), true));
    }
    let candidates = default_candidates(path_var);
    match candidates.iter().find(|p| is_executable(p)) {
        Some(found) => Ok(found.clone()),
        None => Err((
            "next to the executable, its parent folder, PATH".into(),
            false,
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::launch::find::*;

    #[test]
    fn a_named_missing_viewer_is_reported_not_replaced() {
        let err = find_viewer(Some(Path::new("/nonexistent/pv")), None, None).unwrap_err();
        assert_eq!(err, ("/nonexistent/pv".to_string(), true));
    }

    #[test]
    fn path_is_searched() {
        let dir = std::env::temp_dir().join(format!("plotcast-find-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join(VIEWER_BIN);
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = find_viewer(None, None, Some(dir.clone().into_os_string())).unwrap();
        // A viewer next to the test executable would win; either is fine.
        assert!(found.ends_with(VIEWER_BIN));
        let named = find_viewer(
            None,
            Some(Path::new(VIEWER_BIN)),
            Some(dir.clone().into_os_string()),
        )
        .unwrap();
        assert_eq!(named, bin);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
