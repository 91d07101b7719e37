//! What a child process says on one of its pipes, line by line: a named
//! thread reads the pipe as the lines come (so the child never blocks on a
//! full pipe), and the test waits for a line with a deadline, or shows
//! everything the process said when something fails.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The lines read from one pipe of a child.
#[derive(Debug)]
pub struct OutputLines {
    lines: Receiver<String>,
    /// Every line taken from the reader so far, each ended by `\n`.
    said: String,
    /// False once the pipe reached its end (the child closed it or exited).
    open: bool,
}

impl OutputLines {
    /// Starts reading `pipe` on a thread called `name`. Bytes that are not
    /// UTF-8 are replaced, not lost: a test may check what a process printed
    /// from hostile input.
    ///
    /// # Panics
    /// When the thread cannot be started.
    pub fn read(pipe: impl Read + Send + 'static, name: &str) -> Self {
        let (tx, lines) = mpsc::channel();
        thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut reader = BufReader::new(pipe);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let text = String::from_utf8_lossy(&line);
                            let text = text.strip_suffix('\n').unwrap_or(&text);
                            if tx.send(text.to_owned()).is_err() {
                                break;
                            }
                        }
                    }
                }
            })
            .unwrap_or_else(|e| panic!("cannot start the {name} thread: {e}"));
        Self {
            lines,
            said: String::new(),
            open: true,
        }
    }

    fn keep(&mut self, line: &str) {
        self.said.push_str(line);
        self.said.push('\n');
    }

    /// Everything said so far (the lines read until now, without waiting).
    pub fn said(&mut self) -> &str {
        while let Ok(line) = self.lines.try_recv() {
            self.keep(&line);
        }
        &self.said
    }

    /// The next line, if one comes within `timeout`; `None` also when the
    /// pipe has ended.
    pub fn try_next_line(&mut self, timeout: Duration) -> Option<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                self.keep(&line);
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.open = false;
                None
            }
            Err(RecvTimeoutError::Timeout) => None,
        }
    }

    /// The next line.
    ///
    /// # Panics
    /// When none comes within `timeout`, naming `what` was awaited and
    /// showing what the process said.
    pub fn next_line(&mut self, what: &str, timeout: Duration) -> String {
        self.try_next_line(timeout).unwrap_or_else(|| {
            panic!(
                "no line within {timeout:?} while waiting for {what}; it said:\n{}",
                self.said
            )
        })
    }

    /// The next line that contains `needle` (the lines before it are kept
    /// in [`said`](Self::said)).
    ///
    /// # Panics
    /// When none comes within `timeout` or the pipe ends first, showing
    /// everything the process said.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.try_next_line(left) {
                Some(line) if line.contains(needle) => return line,
                Some(_) => {}
                None => panic!(
                    "no line with {needle:?} within {timeout:?}{}; it said:\n{}",
                    if self.open { "" } else { " (its output ended)" },
                    self.said
                ),
            }
        }
    }

    /// Everything said, once the pipe has ended (the process exited); at
    /// most `timeout` for the last lines (a grandchild may hold the pipe
    /// open: then what came so far).
    pub fn to_end(&mut self, timeout: Duration) -> &str {
        let deadline = Instant::now() + timeout;
        while self.open {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.try_next_line(left);
        }
        self.said()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_waited_for_and_kept() {
        let text: &[u8] = b"starting\nserving on 127.0.0.1:9\n\xffdone";
        let mut out = OutputLines::read(text, "test-lines");
        let line = out.wait_for_line("serving on", Duration::from_secs(5));
        assert_eq!(line, "serving on 127.0.0.1:9");
        assert_eq!(
            out.to_end(Duration::from_secs(5)),
            "starting\nserving on 127.0.0.1:9\n\u{fffd}done\n"
        );
    }
}
