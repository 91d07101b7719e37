//! A running viewer under test: killed and reaped when dropped, its stdout
//! and stderr collected as it runs, its `--ready-file` read for what it
//! presented, and every wait on it bounded and aware that it may exit.

use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use crate::kill_on_drop::{pid_of, KillOnDrop};
use crate::output_lines::OutputLines;
use crate::procs::{self, Signal};
use crate::viewer_files::{presented, ready_notes};
use crate::wait::Wait;

/// The most a finished viewer's last output may take to arrive.
const OUTPUT_GRACE: Duration = Duration::from_secs(10);

/// A viewer process started by a [`ViewerCommand`](crate::ViewerCommand).
#[derive(Debug)]
pub struct ViewerProcess {
    child: KillOnDrop,
    stdout: OutputLines,
    stderr: OutputLines,
    started: Instant,
    /// Its command line, for messages.
    describe: String,
    ready_file: Option<PathBuf>,
}

/// The end of a viewer run.
#[derive(Debug)]
pub struct Finished {
    /// How it exited.
    pub status: ExitStatus,
    /// All it wrote to stdout.
    pub stdout: String,
    /// All it wrote to stderr.
    pub stderr: String,
    /// From the start to the moment its exit was seen.
    pub elapsed: Duration,
}

impl Finished {
    /// Checks that the viewer exited successfully.
    ///
    /// # Panics
    /// When it did not, with `what` it was doing and its stderr.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what}: the viewer exited with {}; stderr:\n{}",
            self.status,
            self.stderr
        );
        self
    }

    /// Checks the viewer's exit status (2: refused, 3: timed out, ...).
    ///
    /// # Panics
    /// When it is another, with `what` it was doing and its stderr.
    pub fn assert_exit_code(&self, code: i32, what: &str) -> &Self {
        assert_eq!(
            self.status.code(),
            Some(code),
            "{what}: the viewer's exit status; stderr:\n{}",
            self.stderr
        );
        self
    }
}

impl ViewerProcess {
    pub(crate) fn new(mut child: Child, describe: String, ready_file: Option<PathBuf>) -> Self {
        let pid = pid_of(&child);
        let stdout = child.stdout.take().expect("the viewer's stdout is piped");
        let stderr = child.stderr.take().expect("the viewer's stderr is piped");
        Self {
            stdout: OutputLines::read(stdout, &format!("viewer-{pid}-out")),
            stderr: OutputLines::read(stderr, &format!("viewer-{pid}-err")),
            child: KillOnDrop(child),
            started: Instant::now(),
            describe,
            ready_file,
        }
    }

    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.child.pid()
    }

    /// Sends it `signal` (SIGSTOP freezes it, SIGKILL kills it).
    ///
    /// # Panics
    /// When the signal cannot be sent.
    pub fn signal(&self, signal: Signal) {
        procs::signal(self.pid(), signal)
            .unwrap_or_else(|e| panic!("cannot send {signal:?} to {}: {e}", self.describe));
    }

    /// What it wrote to stderr so far (its log).
    pub fn stderr_so_far(&mut self) -> &str {
        self.stderr.said()
    }

    /// The end of the run, if it has exited.
    ///
    /// # Panics
    /// When its state cannot be read.
    pub fn try_finished(&mut self) -> Option<Finished> {
        let status = self
            .child
            .0
            .try_wait()
            .unwrap_or_else(|e| panic!("the state of {}: {e}", self.describe))?;
        let elapsed = self.started.elapsed();
        Some(Finished {
            status,
            stdout: self.stdout.to_end(OUTPUT_GRACE).to_owned(),
            stderr: self.stderr.to_end(OUTPUT_GRACE).to_owned(),
            elapsed,
        })
    }

    /// Waits until its log (stderr) holds `needle`: it has reached a point
    /// it logs.
    ///
    /// # Panics
    /// After `timeout`, or as soon as the viewer exits.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) {
        let what = format!("{needle:?} in the log of {}", self.describe);
        Wait::new(&what, timeout).until(|| {
            self.assert_running(&what);
            self.stderr.said().contains(needle)
        });
    }

    /// Waits for it to exit.
    ///
    /// # Panics
    /// When it is still running after `timeout`: it is killed, and its
    /// stderr is in the message.
    pub fn wait(mut self, timeout: Duration) -> Finished {
        let what = format!("{} to exit", self.describe);
        let finished = Wait::new(&what, timeout)
            .every(Duration::from_millis(20))
            .poll(|| self.try_finished());
        finished.unwrap_or_else(|| {
            let stderr = self.kill();
            panic!("timed out after {timeout:?} waiting for {what}; killed. stderr:\n{stderr}")
        })
    }

    /// Kills it and returns its stderr.
    pub fn kill(mut self) -> String {
        self.stop()
    }

    /// Kills it (if it still runs) and returns its stderr, for a failure
    /// message.
    fn stop(&mut self) -> String {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
        self.stderr.to_end(OUTPUT_GRACE).to_owned()
    }

    /// Panics, with its stderr, if it has exited: a wait for a viewer that
    /// is gone would only time out.
    fn assert_running(&mut self, what: &str) {
        if let Some(finished) = self.try_finished() {
            panic!(
                "{what}: the viewer exited ({:?}):\n{}",
                finished.status, finished.stderr
            );
        }
    }

    fn ready_path(&self) -> &PathBuf {
        self.ready_file
            .as_ref()
            .expect("the viewer was started with ViewerCommand::ready_file")
    }

    /// Frames it has presented, from its ready file (0 before the first).
    ///
    /// # Panics
    /// When it was started without a ready file.
    pub fn presented(&self) -> u64 {
        presented(self.ready_path())
    }

    /// Waits until it has presented `frames` frames.
    ///
    /// # Panics
    /// After `timeout`, or as soon as the viewer exits; when it was started
    /// without a ready file.
    pub fn wait_presented(&mut self, frames: u64, timeout: Duration) {
        let what = format!("{} to present {frames} frames", self.describe);
        Wait::new(&what, timeout).until(|| {
            self.assert_running(&what);
            self.presented() >= frames
        });
    }

    /// The lines of its ready file now (`presented N`, then the status
    /// figures and what the overlay shows); empty before the first frame.
    ///
    /// # Panics
    /// When it was started without a ready file.
    pub fn notes(&self) -> Vec<String> {
        ready_notes(self.ready_path())
    }

    /// Presses `key` in the viewer's window (on `xvfb`) until the ready
    /// file shows its effect: without a window manager, keyboard focus set
    /// by xdotool is occasionally not in place yet when the key arrives on
    /// a loaded machine, and the key is lost. Each attempt waits long
    /// enough that a slow viewer is not mistaken for a lost key.
    ///
    /// # Panics
    /// As [`wait_for_notes`](Self::wait_for_notes) after three tries.
    pub fn key_until(
        &mut self,
        xvfb: &crate::Xvfb,
        key: &str,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        for _ in 0..3 {
            xvfb.focus("plotcast");
            xvfb.xdotool(&["key", key]);
            let attempt = Wait::new(what, Duration::from_secs(15))
                .every(Duration::from_millis(30))
                .poll(|| Some(self.notes()).filter(|l| check(l)));
            if let Some(lines) = attempt {
                return lines;
            }
        }
        self.wait_for_notes(what, timeout, check)
    }

    /// Waits until its ready file's lines pass `check`, and returns them.
    ///
    /// # Panics
    /// After `timeout` (with the last lines), or as soon as the viewer
    /// exits; when it was started without a ready file.
    pub fn wait_for_notes(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let mut seen = Vec::new();
        let found = Wait::new(what, timeout)
            .every(Duration::from_millis(30))
            .poll(|| {
                self.assert_running(what);
                seen = self.notes();
                check(&seen).then(|| seen.clone())
            });
        found.unwrap_or_else(|| {
            // What the viewer logged says why it never got there (a
            // source that never connected, a watch that stayed silent).
            let stderr = self.stop();
            panic!(
                "timed out after {timeout:?} waiting for {what}; seen last:\n{}\nits stderr:\n{stderr}",
                seen.join("\n")
            )
        })
    }
}
