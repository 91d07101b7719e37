//! The reader: drains the input (stdin or a child's stdout) as fast as it
//! comes and hands whole lines to the parser through a [`Handoff`].
//!
//! It never waits for parsing or plotting, so a producer is never slowed by
//! plotcast. It waits in `poll(2)` with a short timeout, so it can be told
//! to stop: once cancelled it reads what is already waiting in the pipe
//! (everything a finished child wrote) and stops, even if a grandchild
//! still holds the pipe open.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use tokio_util::sync::CancellationToken;

use crate::handoff::{Block, CloseOnDrop, Handoff};
use crate::problems::Problems;

/// Default longest line read; a longer one is skipped (and reported).
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Bytes asked of each `read(2)`.
const READ_BYTES: usize = 256 << 10;

/// How the reader behaves.
#[derive(Debug, Clone)]
pub struct ReaderConfig {
    /// Longest line kept; longer lines are skipped and reported.
    pub max_line_bytes: usize,
    /// Copy every byte read to stdout as well (like `tee`).
    pub echo: bool,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            echo: false,
        }
    }
}

/// What the reader saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadTotals {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read (a final line without a newline counts).
    pub lines: u64,
}

/// Reads `input` to its end (or until `cancel` and nothing more waiting),
/// pushing whole lines into `handoff`, which is closed on return.
///
/// # Errors
/// A read error other than an interruption (the lines read before it are
/// kept and parsed). A pseudo-terminal's `EIO` after its writer is gone
/// counts as the end of input.
pub fn read_input<R: Read + AsFd>(
    mut input: R,
    handoff: &Handoff,
    cancel: &CancellationToken,
    config: &ReaderConfig,
    problems: &Problems,
) -> std::io::Result<ReadTotals> {
    let _close = CloseOnDrop(handoff);
    let mut chunk = vec![0u8; READ_BYTES];
    let mut line = Lines::new(config.max_line_bytes);
    let mut totals = ReadTotals::default();
    let mut echo = config.echo.then(std::io::stdout);
    loop {
        if !readable(&input, cancel)? {
            break;
        }
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.raw_os_error() == Some(5) => break, // EIO: pty closed
            Err(e) => {
                flush_tail(&mut line, handoff, problems, &mut totals);
                return Err(e);
            }
        };
        totals.bytes += n as u64;
        if let Some(out) = echo.as_mut() {
            if let Err(err) = out.write_all(&chunk[..n]).and_then(|()| out.flush()) {
                problems.note(format_args!(
                    "--echo stopped: cannot write to stdout: {err}"
                ));
                echo = None;
            }
        }
        if let Some(block) = line.take(&chunk[..n], problems) {
            totals.lines += block.lines;
            let dropped = handoff.push(block);
            if dropped > 0 {
                problems.dropped(dropped);
            }
        }
    }
    flush_tail(&mut line, handoff, problems, &mut totals);
    Ok(totals)
}

fn flush_tail(line: &mut Lines, handoff: &Handoff, problems: &Problems, totals: &mut ReadTotals) {
    if let Some(block) = line.finish() {
        totals.lines += block.lines;
        let dropped = handoff.push(block);
        if dropped > 0 {
            problems.dropped(dropped);
        }
    }
}

/// Waits until `input` has data or has ended. `false`: cancelled and
/// nothing is waiting, so stop.
fn readable(input: &impl AsFd, cancel: &CancellationToken) -> std::io::Result<bool> {
    loop {
        let cancelled = cancel.is_cancelled();
        let timeout = if cancelled {
            Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            }
        } else {
            Timespec {
                tv_sec: 0,
                // How often a blocked reader checks for cancellation.
                tv_nsec: 100_000_000,
            }
        };
        let mut fds = [PollFd::new(input, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) if cancelled => return Ok(false),
            Ok(0) => continue,
            // Data, end of input (HUP) or an error: read() tells which.
            Ok(_) => return Ok(true),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Cuts a byte stream into blocks of whole lines, skipping lines longer
/// than the limit.
#[derive(Debug)]
struct Lines {
    max_line_bytes: usize,
    /// The unfinished last line.
    partial: Vec<u8>,
    /// Inside a line that is too long: drop bytes until its newline.
    skipping: bool,
    /// Number of the next line to start.
    next_line: u64,
}

impl Lines {
    fn new(max_line_bytes: usize) -> Self {
        Self {
            max_line_bytes: max_line_bytes.max(1),
            partial: Vec::new(),
            skipping: false,
            next_line: 1,
        }
    }

    /// Takes freshly read bytes; returns the lines they complete.
    fn take(&mut self, mut bytes: &[u8], problems: &Problems) -> Option<Block> {
        if self.skipping {
            let nl = memchr::memchr(b'\n', bytes)?;
            self.skipping = false;
            self.next_line += 1;
            bytes = &bytes[nl + 1..];
        }
        let Some(last_nl) = memchr::memrchr(b'\n', bytes) else {
            self.partial.extend_from_slice(bytes);
            if self.partial.len() > self.max_line_bytes {
                problems.long_line(self.next_line, self.max_line_bytes);
                self.partial = Vec::new();
                self.skipping = true;
            }
            return None;
        };
        let (complete, rest) = bytes.split_at(last_nl + 1);
        let mut data = std::mem::take(&mut self.partial);
        data.extend_from_slice(complete);
        self.partial.extend_from_slice(rest);
        let lines = memchr::memchr_iter(b'\n', &data).count() as u64;
        let block = Block {
            first_line: self.next_line,
            lines,
            data,
        };
        self.next_line += lines;
        Some(block)
    }

    /// The final line, if the input did not end with a newline.
    fn finish(&mut self) -> Option<Block> {
        if self.skipping || self.partial.is_empty() {
            return None;
        }
        let block = Block {
            first_line: self.next_line,
            lines: 1,
            data: std::mem::take(&mut self.partial),
        };
        self.next_line += 1;
        Some(block)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn quiet() -> Problems {
        Problems::with_output(0, true, Box::new(std::io::sink()))
    }

    #[test]
    fn lines_split_across_reads() {
        let p = quiet();
        let mut l = Lines::new(100);
        assert!(l.take(b"1 2", &p).is_none());
        let b = l.take(b" 3\n4 5", &p).unwrap();
        assert_eq!(
            (b.first_line, b.lines, &b.data[..]),
            (1, 1, &b"1 2 3\n"[..])
        );
        let b = l.take(b"\n6\n7\n", &p).unwrap();
        assert_eq!(
            (b.first_line, b.lines, &b.data[..]),
            (2, 3, &b"4 5\n6\n7\n"[..])
        );
        assert!(l.take(b"8", &p).is_none());
        let b = l.finish().unwrap();
        assert_eq!((b.first_line, b.lines, &b.data[..]), (5, 1, &b"8"[..]));
    }

    #[test]
    fn long_lines_are_skipped_and_counted() {
        let p = quiet();
        let mut l = Lines::new(4);
        assert!(l.take(b"123", &p).is_none());
        assert!(l.take(b"456", &p).is_none(), "over the limit: skipping");
        assert!(l.take(b"789", &p).is_none());
        let b = l.take(b"0\n1\n", &p).unwrap();
        assert_eq!((b.first_line, b.lines, &b.data[..]), (2, 1, &b"1\n"[..]));
        assert_eq!(p.counts().long_lines, 1);
    }

    #[test]
    fn reads_a_pipe_to_its_end() {
        let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let h = Handoff::default();
        let p = quiet();
        let cancel = CancellationToken::new();
        std::thread::scope(|s| {
            s.spawn(move || {
                for i in 0..1000 {
                    writeln!(writer, "{i} {}", i * 2).unwrap();
                }
                write!(writer, "last").unwrap();
            });
            let totals = read_input(reader, &h, &cancel, &ReaderConfig::default(), &p).unwrap();
            assert_eq!(totals.lines, 1001);
        });
        let mut data = Vec::new();
        while let Some(b) = h.pop() {
            data.extend(b.data);
        }
        assert!(data.starts_with(b"0 0\n1 2\n"));
        assert!(data.ends_with(b"999 1998\nlast"));
    }

    #[test]
    fn cancel_stops_a_reader_whose_writer_stays_open() {
        let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        writer.write_all(b"1\n2\n").unwrap();
        let h = Handoff::default();
        let p = quiet();
        let cancel = CancellationToken::new();
        cancel.cancel();
        let totals = read_input(reader, &h, &cancel, &ReaderConfig::default(), &p).unwrap();
        assert_eq!(totals.lines, 2, "what was waiting is read");
        drop(writer);
    }
}
