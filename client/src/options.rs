//! What the drawing side (window or headless) was asked to do, and the few
//! file helpers both share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{Cli, Size};
use crate::error::RunError;
use crate::model::Status;
use crate::net::relay::address::UrlAuth;
use crate::net::relay::config::RelayConfig;
use crate::net::NetConfig;
use crate::plot_types::PlotTypes;
use crate::recording::recorder::RecordOptions;

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
    /// Written when the first frame is shown, then updated with the count.
    pub ready_file: Option<PathBuf>,
    /// `--max-fps`: draws per second at most (0: unlimited; absent: the
    /// display's rate in a window, unlimited headless).
    pub max_fps: Option<u32>,
    /// `--page`: the page of plots shown first (from 0) when they do not
    /// all fit.
    pub page: usize,
    /// `--record` (and `--rate`): record while watching.
    pub record: Option<RecordOptions>,
    /// `--at`: replay time in seconds.
    pub at: Option<f64>,
    /// `--csv`: where `--export` writes (absent: standard output).
    pub csv: Option<PathBuf>,
    /// `--salvage`: replay a damaged recording up to the damage.
    pub salvage: bool,
    /// The plot types custom channels are drawn with.
    pub plots: PlotTypes,
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
            max_fps: None,
            page: 0,
            record: None,
            at: None,
            csv: None,
            salvage: false,
            plots: PlotTypes::default(),
        }
    }
}

impl RunOptions {
    /// The render options these settings imply (the plot types).
    pub fn render_options(&self) -> crate::render::RenderOptions {
        crate::render::RenderOptions {
            plots: self.plots.clone(),
            ..crate::render::RenderOptions::default()
        }
    }

    /// The drawing-side part of the command line.
    pub fn from_cli(cli: &Cli) -> Self {
        Self {
            size: cli.size,
            out: cli.out.clone(),
            frames: cli.frames,
            timeout: cli.timeout,
            ready_file: cli.ready_file.clone(),
            max_fps: cli.max_fps,
            page: cli
                .page
                .map_or(0, |p| usize::try_from(p - 1).unwrap_or(usize::MAX)),
            record: cli.record.as_ref().map(|path| RecordOptions {
                rate_hz: cli.rate,
                ..RecordOptions::new(path)
            }),
            at: cli.at,
            csv: cli.csv.clone(),
            salvage: cli.salvage,
            plots: PlotTypes::default(),
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
    let relay = cli.relay_address().map(|mut address| {
        // Credentials given apart from the address (a launched viewer gets
        // them in its environment), unless the address has its own.
        if address.auth.is_none() {
            if let (Some(user), Some(password)) = (&cli.nats_user, &cli.nats_password) {
                address.auth = Some(UrlAuth::UserPassword(user.clone(), password.clone()));
            }
        }
        address
    });
    let relay = relay.map(|address| RelayConfig {
        creds: cli.nats_creds.clone(),
        token: cli.nats_token.clone().filter(|t| !t.is_empty()),
        tls_ca: cli.tls_ca.clone(),
        tls_client: cli.tls_cert.clone().zip(cli.tls_key.clone()),
        ..RelayConfig::new(address)
    });
    NetConfig {
        // A relay address is shown without the password it may hold.
        addr: relay
            .as_ref()
            .map_or_else(|| cli.addr.clone(), |r| r.address.display()),
        relay,
        token: cli.token.clone().filter(|t| !t.is_empty()),
        reconnect: !cli.no_reconnect,
        compress: match (cli.compress, cli.no_compress) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        // A recording keeps every value the computation published (it is
        // looked at later, at any zoom), so a recorder asks for full data.
        level_of_detail: !cli.full_resolution && cli.record.is_none(),
        overview: Some((cli.size.width, cli.size.height)),
        ..NetConfig::default()
    }
}

/// `<stem>.<ext>` in the working directory, or `<stem>-2.<ext>`, `-3`, …
/// when it exists: two saves within a second must not overwrite each other.
pub fn unused_file_name(stem: &str, ext: &str) -> PathBuf {
    (1..)
        .map(|n| match n {
            1 => PathBuf::from(format!("{stem}.{ext}")),
            n => PathBuf::from(format!("{stem}-{n}.{ext}")),
        })
        .find(|p| !p.exists())
        .unwrap_or_default()
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

/// How often the `--ready-file` is rewritten with the frame count: often
/// enough for a script to see progress, rare enough to cost nothing.
const READY_REFRESH: std::time::Duration = std::time::Duration::from_millis(100);

/// The `--ready-file`: written (`presented N`) when the first frame is
/// shown, then rewritten at most every 100 ms (`READY_REFRESH`) with the number
/// of frames shown so far, so a script can wait for the window and then
/// for it to update. The lines after the first carry the status line's
/// figures at that frame, `key value` each (see [`ReadyFile::presented`]).
/// Each write is atomic (a reader never sees half a file). A frame shown
/// within 100 ms of the last write is written later ([`ReadyFile::due`],
/// [`ReadyFile::flush`]): the file always comes to say what was shown
/// last, even when nothing is shown after it.
#[derive(Debug, Default)]
pub struct ReadyFile {
    path: Option<PathBuf>,
    last: Option<std::time::Instant>,
    /// What a frame shown too soon after the last write would have written.
    pending: Option<String>,
}

impl ReadyFile {
    /// A ready file at `path`, or none.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            last: None,
            pending: None,
        }
    }

    /// Records that `frames` frames have been shown, the last one with
    /// `status` at `shown_us` (the viewer's clock, µs since the epoch).
    ///
    /// The figures: `age_us` (end-to-end age of the newest frame shown:
    /// publish on the server to this draw, through the clock offset),
    /// `newest_publish_us` (its publish time, server clock), `shown_us`,
    /// `round_trip_us`, `clock_offset_us` (server clock minus ours),
    /// `window` (batches in flight), `received`, `skipped`; a figure not
    /// known yet is left out.
    ///
    /// # Errors
    /// [`RunError::Image`] when the file cannot be written.
    pub fn presented(
        &mut self,
        frames: u64,
        status: &Status,
        shown_us: u64,
    ) -> Result<(), RunError> {
        self.presented_with(frames, status, shown_us, &[])
    }

    /// [`ReadyFile::presented`] with more lines at the end: what the
    /// overlay showed ([`RenderInfo::notes`](crate::view::RenderInfo::notes):
    /// `readout …`, `cursors …`, `view …`, `page …`).
    ///
    /// # Errors
    /// [`RunError::Image`] when the file cannot be written.
    pub fn presented_with(
        &mut self,
        frames: u64,
        status: &Status,
        shown_us: u64,
        notes: &[String],
    ) -> Result<(), RunError> {
        if self.path.is_none() {
            return Ok(());
        }
        let mut text = format!("presented {frames}\n");
        if let Some(age) = status.newest_age(shown_us) {
            text += &format!("age_us {}\n", age.as_micros());
        }
        if let Some((_, published)) = status.newest_frame {
            text += &format!("newest_publish_us {published}\n");
        }
        text += &format!("shown_us {shown_us}\n");
        if let Some(rtt) = status.round_trip {
            text += &format!("round_trip_us {}\n", rtt.as_micros());
        }
        text += &format!(
            "clock_offset_us {}\nwindow {}\nreceived {}\nskipped {}\n",
            status.clock_offset_us, status.window, status.frames_received, status.frames_skipped
        );
        for note in notes {
            text += note;
            text.push('\n');
        }
        self.pending = Some(text);
        if self
            .due()
            .is_some_and(|due| std::time::Instant::now() < due)
        {
            return Ok(());
        }
        self.flush()
    }

    /// When the last frame shown must be written, if it was not yet.
    pub fn due(&self) -> Option<std::time::Instant> {
        self.pending.as_ref()?;
        Some(
            self.last
                .map_or_else(std::time::Instant::now, |t| t + READY_REFRESH),
        )
    }

    /// Writes the last frame shown, if it was not written yet.
    ///
    /// # Errors
    /// [`RunError::Image`] when the file cannot be written.
    pub fn flush(&mut self) -> Result<(), RunError> {
        let (Some(path), Some(text)) = (&self.path, self.pending.take()) else {
            return Ok(());
        };
        self.last = Some(std::time::Instant::now());
        write_atomically(path, |tmp| {
            std::fs::write(tmp, text).map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_shown_too_soon_is_written_when_due() {
        let dir = std::env::temp_dir().join(format!("plotcast-ready-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let path = dir.join("ready");
        let mut ready = ReadyFile::new(Some(path.clone()));
        let status = Status::default();
        ready.presented(1, &status, 1).expect("written");
        assert_eq!(ready.due(), None, "the first frame is written at once");
        ready.presented(2, &status, 2).expect("kept for later");
        let read = || std::fs::read_to_string(&path).expect("the ready file");
        assert!(read().starts_with("presented 1\n"), "{}", read());
        let due = ready.due().expect("the second frame is owed");
        assert!(due > std::time::Instant::now(), "not yet due");
        ready.flush().expect("written");
        assert!(read().starts_with("presented 2\n"), "{}", read());
        assert_eq!(ready.due(), None, "nothing owed after the flush");
        let _ = std::fs::remove_dir_all(&dir);
    }

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
