//! The viewer program under test, started one way everywhere: a builder of
//! its command line whose flags have names (`--headless`, `--out`,
//! `--frames`, `--timeout`, `--ready-file`, ...), that runs it as a
//! [`ViewerProcess`] (killed on drop, its output collected) or hands its
//! flags to a computation that launches it (`PLOTCAST_VIEWER_ARGS`).
//!
//! ```no_run
//! use std::time::Duration;
//! use plotcast_testkit::{TempDir, ViewerCommand};
//!
//! # let addr: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
//! let dir = TempDir::new("example");
//! let run = ViewerCommand::new()
//!     .source(addr)
//!     .headless()
//!     .frames(3)
//!     .out(dir.path().join("f{n}.png"))
//!     .run(Duration::from_secs(60));
//! assert!(run.status.success(), "{}", run.stderr);
//! ```
//!
//! Every viewer starts without the developer's `PLOTCAST_TOKEN` and with
//! its debug log on (`RUST_LOG=plotcast_viewer=debug`), so a failure shows
//! the viewer's whole story.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::viewer_process::{Finished, ViewerProcess};
use crate::xvfb::Xvfb;

/// A viewer command line, not started yet.
#[derive(Debug, Clone)]
#[must_use = "a ViewerCommand does nothing until it is spawned or run"]
pub struct ViewerCommand {
    program: PathBuf,
    /// The server address or the recording, first on the command line.
    source: Option<OsString>,
    flags: Vec<OsString>,
    /// `None`: removed from the environment.
    envs: Vec<(OsString, Option<OsString>)>,
    dir: Option<PathBuf>,
    ready_file: Option<PathBuf>,
}

impl Default for ViewerCommand {
    fn default() -> Self {
        Self::new()
    }
}

impl ViewerCommand {
    /// The `plotcast-viewer` binary of this build
    /// ([`bins::viewer`](crate::bins::viewer)).
    pub fn new() -> Self {
        Self::program(crate::bins::viewer())
    }

    /// Another viewer binary (a viewer of one's own).
    pub fn program(path: impl Into<PathBuf>) -> Self {
        Self {
            program: path.into(),
            source: None,
            flags: Vec::new(),
            envs: vec![
                ("PLOTCAST_TOKEN".into(), None),
                ("RUST_LOG".into(), Some("plotcast_viewer=debug".into())),
            ],
            dir: None,
            ready_file: None,
        }
    }

    /// What to show: a server's address (`127.0.0.1:PORT`) or a recording.
    pub fn source(mut self, source: impl ToString) -> Self {
        self.source = Some(source.to_string().into());
        self
    }

    /// A recording file to replay.
    pub fn recording(mut self, path: &Path) -> Self {
        self.source = Some(path.as_os_str().to_owned());
        self
    }

    /// One more flag or value, as given.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.flags.push(arg.as_ref().to_owned());
        self
    }

    /// More flags or values, as given.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.flags
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// `--headless`: PNG files instead of a window.
    pub fn headless(self) -> Self {
        self.arg("--headless")
    }

    /// `--size WxH`.
    pub fn size(self, width: u32, height: u32) -> Self {
        self.arg("--size").arg(format!("{width}x{height}"))
    }

    /// `--out PATH` (`{n}` in it: one numbered file per frame).
    pub fn out(self, path: impl AsRef<Path>) -> Self {
        self.arg("--out").arg(path.as_ref())
    }

    /// `--frames N`: exit after N frames.
    pub fn frames(self, n: u64) -> Self {
        self.arg("--frames").arg(n.to_string())
    }

    /// `--timeout SECS`: the viewer's own watchdog.
    pub fn timeout_secs(self, secs: u64) -> Self {
        self.arg("--timeout").arg(secs.to_string())
    }

    /// `--ready-file PATH`: the viewer writes `presented N` and what its
    /// overlay shows there ([`ViewerProcess::wait_presented`],
    /// [`ViewerProcess::wait_for_notes`]).
    pub fn ready_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ready_file = Some(path.as_ref().to_owned());
        self.arg("--ready-file").arg(path.as_ref())
    }

    /// `--no-reconnect`: exit when the server goes away.
    pub fn no_reconnect(self) -> Self {
        self.arg("--no-reconnect")
    }

    /// `--token TOKEN`.
    pub fn token(self, token: &str) -> Self {
        self.arg("--token").arg(token)
    }

    /// An environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// A window on `x`'s display (and none on Wayland, which would win).
    pub fn display(mut self, x: &Xvfb) -> Self {
        self.envs.push(("WAYLAND_DISPLAY".into(), None));
        self.env("DISPLAY", x.display())
    }

    /// Runs in `dir` (where the window's `s` and `e` keys save their files).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    /// The binary.
    pub fn program_path(&self) -> &Path {
        &self.program
    }

    /// The flags as `PLOTCAST_VIEWER_ARGS` takes them (split on white
    /// space), for a viewer a computation launches: the computation adds
    /// its address.
    ///
    /// # Panics
    /// When a source is set (the computation gives it) or a flag holds
    /// white space (it would be split).
    pub fn launch_args(&self) -> String {
        assert!(
            self.source.is_none(),
            "a launched viewer gets its address from the computation"
        );
        let flags: Vec<String> = self
            .flags
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        assert!(
            flags.iter().all(|f| !f.contains(char::is_whitespace)),
            "PLOTCAST_VIEWER_ARGS is split on white space: {flags:?}"
        );
        flags.join(" ")
    }

    /// The command line, for messages.
    fn describe(&self) -> String {
        let mut words = vec![self.program.display().to_string()];
        words.extend(self.source.iter().map(|s| s.to_string_lossy().into_owned()));
        words.extend(self.flags.iter().map(|f| f.to_string_lossy().into_owned()));
        words.join(" ")
    }

    /// Starts the viewer: stdin empty, stdout and stderr collected.
    ///
    /// # Panics
    /// When it cannot be started.
    pub fn spawn(&self) -> ViewerProcess {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.source)
            .args(&self.flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.envs {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let describe = self.describe();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {describe}: {e}"));
        ViewerProcess::new(child, describe, self.ready_file.clone())
    }

    /// Runs the viewer to its end.
    ///
    /// # Panics
    /// When it cannot be started, or is still running after `timeout`
    /// (then it is killed).
    pub fn run(&self, timeout: Duration) -> Finished {
        self.spawn().wait(timeout)
    }
}
