//! [`Problems`]: input that could not be plotted, counted, the first few
//! reported with their line numbers, and a summary at the end.
//!
//! Bad input never stops the stream: every problem is a count and, for the
//! first [`Problems::new`]`(max_reports)` lines, one line on stderr.

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

/// Longest excerpt of a bad line quoted in a report.
const EXCERPT_CHARS: usize = 60;

/// Counts and reports problems; shared by the reader and parser threads.
pub struct Problems {
    max_reports: u64,
    quiet: bool,
    state: Mutex<State>,
    out: Mutex<Box<dyn Write + Send>>,
}

impl fmt::Debug for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problems")
            .field("max_reports", &self.max_reports)
            .field("counts", &self.counts())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    counts: Counts,
    notes: HashSet<String>,
}

/// What went wrong, in numbers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Lines skipped because they could not be read as data.
    pub skipped_lines: u64,
    /// Lines longer than the limit, skipped unread.
    pub long_lines: u64,
    /// Lines dropped unparsed because input came faster than it could be
    /// parsed (the oldest go first: latest value wins).
    pub dropped_lines: u64,
}

impl Problems {
    /// Reports the first `max_reports` bad lines on stderr; `quiet` reports
    /// none (counts are still kept).
    pub fn new(max_reports: u64, quiet: bool) -> Self {
        Self::with_output(max_reports, quiet, Box::new(std::io::stderr()))
    }

    /// Like [`new`](Self::new), writing reports to `out` (tests, benches).
    pub fn with_output(max_reports: u64, quiet: bool, out: Box<dyn Write + Send>) -> Self {
        Self {
            max_reports,
            quiet,
            state: Mutex::new(State::default()),
            out: Mutex::new(out),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn say(&self, message: fmt::Arguments<'_>) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // Nowhere left to report a failure to write to stderr.
        let _ = writeln!(out, "plotcast: {message}");
    }

    /// Line `line` (1-based) could not be plotted, because of `reason`.
    pub fn bad_line(&self, line: u64, reason: impl fmt::Display, text: &[u8]) {
        let n = {
            let mut state = self.state();
            state.counts.skipped_lines += 1;
            state.counts.skipped_lines
        };
        self.report(n, format_args!("line {line}: {reason}: {}", excerpt(text)));
    }

    /// Line `line` was longer than `limit` bytes and was skipped unread.
    pub fn long_line(&self, line: u64, limit: usize) {
        let n = {
            let mut state = self.state();
            state.counts.long_lines += 1;
            state.counts.skipped_lines + state.counts.long_lines
        };
        self.report(
            n,
            format_args!("line {line}: longer than {limit} bytes (--max-line-bytes), skipped"),
        );
    }

    fn report(&self, n: u64, message: fmt::Arguments<'_>) {
        if self.quiet {
            return;
        }
        if n <= self.max_reports {
            self.say(message);
        }
        if n == self.max_reports {
            self.say(format_args!(
                "further lines that cannot be plotted are only counted (summary at the end)"
            ));
        }
    }

    /// `lines` unparsed lines were dropped to keep up with the input.
    pub fn dropped(&self, lines: u64) {
        let first = {
            let mut state = self.state();
            let first = state.counts.dropped_lines == 0;
            state.counts.dropped_lines += lines;
            first
        };
        if first {
            self.note(format_args!(
                "input arrives faster than it can be parsed: dropping the oldest unparsed lines (latest value wins)"
            ));
        }
    }

    /// A note for the user, said once per distinct `key`.
    pub fn note_once(&self, key: &str, message: fmt::Arguments<'_>) {
        if self.state().notes.insert(key.to_owned()) {
            self.note(message);
        }
    }

    /// A note for the user (not said when quiet).
    pub fn note(&self, message: fmt::Arguments<'_>) {
        if !self.quiet {
            self.say(message);
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.state().counts
    }
}

/// A bad line as quoted in a report: lossy UTF-8, shortened, control
/// characters escaped.
fn excerpt(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text.trim_ascii_end());
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// What a [`Problems`] said, for the tests of the parsers.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct Said(std::sync::Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl Said {
    /// Problems reporting the first `max_reports` bad lines here.
    pub(crate) fn problems(&self, max_reports: u64) -> Problems {
        Problems::with_output(max_reports, false, Box::new(self.clone()))
    }

    /// Everything said so far.
    pub(crate) fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[cfg(test)]
impl Write for Said {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn first_reports_then_counts() {
        let out = Said::default();
        let p = out.problems(2);
        for line in 1..=5 {
            p.bad_line(line, "not a number", b"1 x 3\n");
        }
        p.dropped(10);
        p.dropped(5);
        p.note_once("k", format_args!("once"));
        p.note_once("k", format_args!("once"));
        let text = out.text();
        assert_eq!(text.matches("not a number").count(), 2, "{text}");
        assert!(text.contains("line 1: not a number: \"1 x 3\""), "{text}");
        assert!(text.contains("only counted"), "{text}");
        assert_eq!(text.matches("faster than").count(), 1, "{text}");
        assert_eq!(text.matches("once").count(), 1, "{text}");
        assert_eq!(
            p.counts(),
            Counts {
                skipped_lines: 5,
                long_lines: 0,
                dropped_lines: 15
            }
        );
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        let long = "x".repeat(200);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS + 3);
        assert_eq!(excerpt(b"a\tb\x1b[0m"), "\"a\\tb\\u{1b}[0m\"");
    }
}
