//! A running computation under test: killed and reaped on drop, its stderr
//! collected line by line (the address it serves on, its summary), its
//! stdin held until the test closes it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, ExitStatus};
use std::time::Duration;

use crate::kill_on_drop::{pid_of, KillOnDrop};
use crate::output_lines::OutputLines;
use crate::procs::{self, Signal};
use crate::rgb::Rgb;
use crate::viewer_files::numbered_pngs;
use crate::wait::Wait;

/// The most a finished computation's last output may take to arrive.
const OUTPUT_GRACE: Duration = Duration::from_secs(10);

/// A computation started by a
/// [`ComputationCommand`](crate::ComputationCommand).
#[derive(Debug)]
pub struct ComputationProcess {
    child: KillOnDrop,
    stdin: Option<ChildStdin>,
    stderr: OutputLines,
    name: String,
}

impl ComputationProcess {
    pub(crate) fn new(mut child: Child, name: String) -> Self {
        let pid = pid_of(&child);
        let stdin = child.stdin.take();
        let stderr = child
            .stderr
            .take()
            .expect("the computation's stderr is piped");
        Self {
            child: KillOnDrop(child),
            stdin,
            stderr: OutputLines::read(stderr, &format!("computation-{pid}-err")),
            name,
        }
    }

    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.child.pid()
    }

    /// Its stdin, to write its input (taken once; dropping it closes it).
    ///
    /// # Panics
    /// When it was taken already.
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin
            .take()
            .expect("the computation's stdin is taken once")
    }

    /// Sends it `signal`.
    ///
    /// # Panics
    /// When the signal cannot be sent.
    pub fn signal(&self, signal: Signal) {
        procs::signal(self.pid(), signal)
            .unwrap_or_else(|e| panic!("cannot send {signal:?} to {}: {e}", self.name));
    }

    /// What it said on stderr so far.
    pub fn said(&mut self) -> &str {
        self.stderr.said()
    }

    /// The next stderr line containing `needle`.
    ///
    /// # Panics
    /// When none comes within `timeout`, with all it said.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        self.stderr.wait_for_line(needle, timeout)
    }

    /// The address it serves viewers on, from its `serving on ADDR` line; an
    /// unspecified address (`0.0.0.0`, all interfaces) as the loopback one
    /// a test connects to.
    ///
    /// # Panics
    /// When it prints no such line within `timeout`.
    pub fn serving_addr(&mut self, timeout: Duration) -> SocketAddr {
        let line = self.wait_for_line("serving on ", timeout);
        let word = line
            .split("serving on ")
            .nth(1)
            .and_then(|rest| rest.split([' ', ';']).next())
            .unwrap_or_default();
        let mut addr: SocketAddr = word
            .parse()
            .unwrap_or_else(|_| panic!("{}: no address in {line:?}", self.name));
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        addr
    }

    /// Waits for it to exit.
    ///
    /// # Panics
    /// When it is still running after `timeout`, naming `what` was awaited
    /// and showing what it said.
    pub fn wait_exit(&mut self, what: &str, timeout: Duration) -> ExitStatus {
        let status = crate::kill_on_drop::wait_timeout(&mut self.child.0, timeout);
        status.unwrap_or_else(|| {
            panic!(
                "timed out after {timeout:?} waiting for {what}; {} said:\n{}",
                self.name,
                self.stderr.said()
            )
        })
    }

    /// Closes its stdin, waits for it to exit and returns its status and
    /// everything it said.
    ///
    /// # Panics
    /// When it is still running after `timeout`.
    pub fn finish(mut self, timeout: Duration) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let what = format!("{} to end", self.name);
        let status = self.wait_exit(&what, timeout);
        (status, self.stderr.to_end(OUTPUT_GRACE).to_owned())
    }

    /// Waits until the newest numbered PNG its launched viewer writes into
    /// `dir` passes `shows`, and returns it.
    ///
    /// # Panics
    /// After `timeout`, with what the computation said.
    pub fn wait_for_png(
        &mut self,
        dir: &Path,
        what: &str,
        timeout: Duration,
        shows: impl Fn(&Rgb) -> bool,
    ) -> Rgb {
        let what = format!("a PNG in {} showing {what}", dir.display());
        Wait::new(what, timeout)
            .every(Duration::from_millis(50))
            .for_state(|| {
                let newest = numbered_pngs(dir).pop().map(|(_, p)| Rgb::read_png(&p));
                match newest {
                    Some(img) if shows(&img) => Ok(img),
                    _ => Err(format!(
                        "{} said so far:\n{}",
                        self.name,
                        self.stderr.said()
                    )),
                }
            })
    }
}
