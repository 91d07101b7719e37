//! What the drawing side (window or headless) was asked to do, and the few
//! file helpers both share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{Cli, Size};
use crate::error::RunError;
use crate::net::NetConfig;

/// Drawing-side settings.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Window or image size.
    pub size: Size,
    /// Headless output path (`{n}` is replaced by the frame number).
    pub out: PathBuf,
    /// Stop after this many frames.
    pub frames: Option<u64>,
    /// Give up after this long.
    pub timeout: Option<Duration>,
    /// Written once the first frame is shown.
    pub ready_file: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            size: Size {
                width: 1280,
                height: 720,
            },
            out: PathBuf::from("plotcast.png"),
            frames: None,
            timeout: None,
            ready_file: None,
        }
    }
}

impl RunOptions {
    /// The drawing-side part of the command line.
    pub fn from_cli(cli: &Cli) -> Self {
        Self {
            size: cli.size,
            out: cli.out.clone(),
            frames: cli.frames,
            timeout: cli.timeout,
            ready_file: cli.ready_file.clone(),
        }
    }

    /// The PNG path of frame `n` (from 1): `{n}` in `--out` replaced by `n`.
    pub fn frame_path(&self, n: u64) -> PathBuf {
        let text = self.out.to_string_lossy();
        if text.contains("{n}") {
            PathBuf::from(text.replace("{n}", &n.to_string()))
        } else {
            self.out.clone()
        }
    }

    /// "3 of 5 frames rendered" and the like, for messages.
    pub fn progress(&self, frames: u64, verb: &str) -> String {
        match self.frames {
            Some(wanted) => format!("after {frames} of {wanted} frames {verb}"),
            None => format!("after {frames} frames {verb}"),
        }
    }
}

/// The network-side part of the command line.
pub fn net_config(cli: &Cli) -> NetConfig {
    NetConfig {
        addr: cli.addr.clone(),
        token: cli.token.clone().filter(|t| !t.is_empty()),
        reconnect: !cli.no_reconnect,
        ..NetConfig::default()
    }
}

/// Writes a file atomically (a temporary beside it, then a rename), so a
/// reader polling for it never sees half of it.
///
/// # Errors
/// [`RunError::Image`] with the path and the reason.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), RunError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let fail = |reason: String| RunError::Image {
        path: path.to_owned(),
        reason,
    };
    write(&tmp).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))
}

/// Writes the `--ready-file`, once.
///
/// # Errors
/// [`RunError::Image`] when the file cannot be written.
pub fn write_ready_file(path: &Path, frames: u64) -> Result<(), RunError> {
    write_atomically(path, |tmp| {
        std::fs::write(tmp, format!("presented {frames}\n")).map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_paths() {
        let mut opts = RunOptions {
            out: PathBuf::from("/tmp/f{n}.png"),
            ..RunOptions::default()
        };
        assert_eq!(opts.frame_path(3), PathBuf::from("/tmp/f3.png"));
        opts.out = PathBuf::from("x.png");
        assert_eq!(opts.frame_path(3), PathBuf::from("x.png"));
    }
}
