//! Running the real `plotcast` binary in tests: with a headless viewer
//! writing PNGs, or with no viewer; stderr collected line by line; every
//! wait bounded.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use plotcast_testkit::procs::{alive, pids_with_cmdline, wait_timeout, wait_until, KillOnDrop};
use plotcast_testkit::rgb::Rgb;
use plotcast_testkit::viewer_files::numbered_pngs;
use plotcast_testkit::{bins, TempDir};

/// The longest a plotcast run in a test may take.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The `plotcast` binary under test.
pub fn plotcast() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plotcast"));
    for var in [
        "PLOTCAST_ADDR",
        "PLOTCAST_TOKEN",
        "PLOTCAST_NO_VIEWER",
        "PLOTCAST_VIEWER",
        "PLOTCAST_VIEWER_ARGS",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `plotcast` set up to launch a headless viewer that writes `f{n}.png`
/// into `dir`.
pub fn with_headless_viewer(dir: &TempDir) -> Command {
    let mut cmd = plotcast();
    cmd.env("PLOTCAST_VIEWER", bins::viewer()).env(
        "PLOTCAST_VIEWER_ARGS",
        format!(
            "--headless --size 800x600 --frames 100000 --timeout 60 --out {}",
            dir.path().join("f{n}.png").display()
        ),
    );
    cmd
}

/// A running plotcast whose stderr is collected.
pub struct Running {
    pub child: KillOnDrop,
    pub stderr: Receiver<String>,
    pub said: String,
}

impl Running {
    /// Starts `cmd` with piped stdin and stderr.
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting plotcast");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child: KillOnDrop(child),
            stderr: rx,
            said: String::new(),
        }
    }

    /// The next stderr line containing `needle`.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.said.push_str(&line);
                    self.said.push('\n');
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "plotcast said no line with {needle:?} within {timeout:?}; it said:\n{}",
                    self.said
                ),
            }
        }
    }

    /// The address from the "serving on ADDR" line.
    pub fn address(&mut self) -> SocketAddr {
        let line = self.wait_for_line("serving on ", Duration::from_secs(30));
        let rest = line.split("serving on ").nth(1).unwrap();
        rest.split(';').next().unwrap().trim().parse().unwrap()
    }

    /// Waits for the exit (closing stdin first) and returns the status and
    /// all of stderr.
    pub fn finish(mut self) -> (ExitStatus, String) {
        drop(self.child.0.stdin.take());
        let status = wait_timeout(&mut self.child.0, RUN_TIMEOUT).unwrap_or_else(|| {
            panic!(
                "plotcast did not end within {RUN_TIMEOUT:?}; it said:\n{}",
                self.said
            )
        });
        // The stderr thread ends with the pipe.
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(10)) {
            self.said.push_str(&line);
            self.said.push('\n');
        }
        (status, self.said)
    }
}

/// Runs plotcast with `input` on stdin to its end; returns status and
/// stderr.
pub fn run_with_input(cmd: Command, input: &[u8]) -> (ExitStatus, String) {
    let mut running = Running::start(cmd);
    let mut stdin = running.child.0.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = running.finish();
    writer.join().unwrap().expect("writing plotcast's input");
    out
}

/// Runs plotcast with `input` on stdin, keeps stdin open until the
/// headless viewer writing into `dir` has written a PNG that passes
/// `shows` (the newest one is polled), then closes it. Returns the status,
/// stderr and that PNG.
///
/// Waiting for the picture while the input is still open keeps the check
/// independent of when the viewer renders its last frame relative to the
/// server's goodbye.
pub fn run_until_png(
    cmd: Command,
    input: &[u8],
    dir: &TempDir,
    what: &str,
    shows: impl Fn(&Rgb) -> bool,
) -> (ExitStatus, String, Rgb) {
    let mut running = Running::start(cmd);
    let mut stdin = running.child.0.stdin.take().unwrap();
    stdin.write_all(input).expect("writing plotcast's input");
    let png = wait_for_png(dir, what, &mut running, shows);
    drop(stdin);
    let (status, said) = running.finish();
    (status, said, png)
}

/// Polls the newest PNG in `dir` until one passes `shows`.
pub fn wait_for_png(
    dir: &TempDir,
    what: &str,
    running: &mut Running,
    shows: impl Fn(&Rgb) -> bool,
) -> Rgb {
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        while let Ok(line) = running.stderr.try_recv() {
            running.said.push_str(&line);
            running.said.push('\n');
        }
        if let Some((_, newest)) = numbered_pngs(dir.path()).pop() {
            let img = Rgb::read_png(&newest);
            if shows(&img) {
                return img;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no PNG in {} showed {what} within {RUN_TIMEOUT:?}; plotcast said so far:\n{}",
            dir.path().display(),
            running.said
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the headless viewer writing into `dir` has exited (its
/// files are complete then) and returns its PNGs in frame order.
pub fn viewer_pngs(dir: &TempDir, said: &str) -> Vec<PathBuf> {
    let marker = dir.path().display().to_string();
    wait_until(
        Duration::from_secs(30),
        "the headless viewer to exit",
        || {
            pids_with_cmdline(&marker)
                .into_iter()
                .all(|pid| !alive(pid))
        },
    );
    let files: Vec<PathBuf> = numbered_pngs(dir.path())
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert!(
        !files.is_empty(),
        "the viewer wrote no PNG in {}; plotcast said:\n{said}",
        dir.path().display()
    );
    files
}

/// A viewer that completes the handshake, asks for as many batches as the
/// server allows, and then never reads: the worst a stalled viewer can do.
pub fn stalled_viewer(addr: SocketAddr) -> TcpStream {
    use plotcast_protocol::{encode, Message, Ready};
    let mut s = plotcast_testkit::test_peer::stalled_viewer(addr);
    s.write_all(&encode(&Message::Ready(Ready::up_to(1000))).unwrap())
        .unwrap();
    s
}
