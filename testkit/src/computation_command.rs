//! A computation under test (an example, the `plotcast` command) started
//! one way everywhere: none of the developer's `PLOTCAST_*` variables, its
//! viewer given as a [`ViewerCommand`] (or none), and a
//! [`ComputationProcess`] that is killed on drop and collects what it says.
//!
//! ```no_run
//! use std::time::Duration;
//! use plotcast_testkit::{ComputationCommand, TempDir, ViewerCommand};
//!
//! let dir = TempDir::new("heat");
//! let viewer = ViewerCommand::new().headless().out(dir.path().join("f{n}.png"));
//! let mut heat = ComputationCommand::example("heat").steps(600).viewer(&viewer).spawn();
//! let status = heat.wait_exit("heat to finish", Duration::from_secs(120));
//! assert!(status.success(), "{}", heat.said());
//! ```

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::computation_process::ComputationProcess;
use crate::viewer_command::ViewerCommand;
use crate::xvfb::Xvfb;

/// The variables through which a computation finds its viewer and its
/// address; a test sets the ones it means.
const PLOTCAST_VARS: [&str; 6] = [
    "PLOTCAST_ADDR",
    "PLOTCAST_TOKEN",
    "PLOTCAST_NO_VIEWER",
    "PLOTCAST_VIEWER",
    "PLOTCAST_VIEWER_ARGS",
    "PLOTCAST_STEPS",
];

/// A computation's command, not started yet.
#[derive(Debug)]
#[must_use = "a ComputationCommand does nothing until it is spawned"]
pub struct ComputationCommand {
    cmd: Command,
    name: String,
}

impl ComputationCommand {
    /// The program at `path`, called `name` in messages.
    pub fn program(path: impl Into<PathBuf>, name: &str) -> Self {
        let mut cmd = Command::new(path.into());
        for var in PLOTCAST_VARS {
            cmd.env_remove(var);
        }
        // The computation's own log (not a launched viewer's) at its
        // default level, whatever the developer's shell says.
        cmd.env_remove("RUST_LOG");
        Self {
            cmd,
            name: name.into(),
        }
    }

    /// Example `name` of the root package ([`bins::example`](crate::bins::example)).
    pub fn example(name: &str) -> Self {
        Self::program(crate::bins::example(name), &format!("example {name}"))
    }

    /// `PLOTCAST_STEPS`: how many steps an example runs.
    pub fn steps(self, steps: u64) -> Self {
        self.env("PLOTCAST_STEPS", steps.to_string())
    }

    /// Launches `viewer` (`PLOTCAST_VIEWER`, `PLOTCAST_VIEWER_ARGS`).
    pub fn viewer(self, viewer: &ViewerCommand) -> Self {
        self.env("PLOTCAST_VIEWER", viewer.program_path())
            .viewer_args(viewer)
    }

    /// Gives the viewer the computation finds itself (by name) the flags of
    /// `viewer` (`PLOTCAST_VIEWER_ARGS`).
    pub fn viewer_args(self, viewer: &ViewerCommand) -> Self {
        self.env("PLOTCAST_VIEWER_ARGS", viewer.launch_args())
    }

    /// Launches no viewer (`PLOTCAST_NO_VIEWER=1`).
    pub fn no_viewer(self) -> Self {
        self.env("PLOTCAST_NO_VIEWER", "1")
    }

    /// Serves on `addr` (`PLOTCAST_ADDR`; port 0: any free port, printed).
    pub fn addr(self, addr: &str) -> Self {
        self.env("PLOTCAST_ADDR", addr)
    }

    /// Requires `token` of viewers (`PLOTCAST_TOKEN`).
    pub fn token(self, token: &str) -> Self {
        self.env("PLOTCAST_TOKEN", token)
    }

    /// Its viewer's window on `x`'s display.
    pub fn display(mut self, x: &Xvfb) -> Self {
        self.cmd.env_remove("WAYLAND_DISPLAY");
        self.env("DISPLAY", x.display())
    }

    /// An environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Arguments, as given.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// The command itself, for what has no method here (a process group).
    pub fn command(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Starts it: stdin a pipe the test holds (the `plotcast` command reads
    /// it; closing it ends the input), stdout discarded, stderr collected.
    ///
    /// # Panics
    /// When it cannot be started.
    pub fn spawn(mut self) -> ComputationProcess {
        let child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.name));
        ComputationProcess::new(child, self.name)
    }
}
