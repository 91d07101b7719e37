//! The one way every test waits: look at a condition again and again until
//! it holds, at most for a timeout, then panic with a message that names
//! what was awaited (and what was seen last, when the caller says).
//!
//! ```text
//! wait_until("the viewer to draw 3 frames", 60 s, || presented(&ready) >= 3)
//!     probe ─ no ─ sleep 10 ms ─ probe ─ no ─ … ─ probe ─ yes ─▶ returns
//!                                                  └─ 60 s passed ─▶ panic:
//!     "timed out after 60s waiting for the viewer to draw 3 frames"
//! ```
//!
//! [`Wait`] is the loop; [`wait_until`], [`wait_for`] and [`wait_for_file`]
//! are its common shapes, [`poll_for`] and [`poll_until`] the forms that
//! report a timeout instead of panicking (for the benchmarks, and for
//! helpers that panic with a message of their own).

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// How often a condition is looked at unless a wait says otherwise: often
/// enough that a test does not wait noticeably longer than it must, rarely
/// enough that polling costs nothing beside the programs under test.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// A wait for something: what it is (for the panic message), how long at
/// most, and how often to look.
#[derive(Debug, Clone)]
#[must_use = "a Wait does nothing until one of its `until`/`for_*` methods runs it"]
pub struct Wait {
    what: String,
    timeout: Duration,
    every: Duration,
}

impl Wait {
    /// A wait for `what`, at most `timeout`, looking every
    /// [`POLL_INTERVAL`].
    pub fn new(what: impl Into<String>, timeout: Duration) -> Self {
        Self {
            what: what.into(),
            timeout,
            every: POLL_INTERVAL,
        }
    }

    /// Looks every `interval` instead: for a costly look (a screenshot, a
    /// PNG to decode) or one that acts each time (publishes, sends).
    pub fn every(mut self, interval: Duration) -> Self {
        self.every = interval;
        self
    }

    /// Returns once `cond` holds.
    ///
    /// # Panics
    /// After the timeout, naming what was awaited.
    pub fn until(self, mut cond: impl FnMut() -> bool) {
        self.for_value(|| cond().then_some(()));
    }

    /// Returns the first value `probe` gives.
    ///
    /// # Panics
    /// After the timeout, naming what was awaited.
    pub fn for_value<T>(self, mut probe: impl FnMut() -> Option<T>) -> T {
        self.for_state(|| probe().ok_or_else(String::new))
    }

    /// Returns the first `Ok` of `probe`; an `Err` says what was seen
    /// instead, and the last one is in the panic message.
    ///
    /// # Panics
    /// After the timeout, naming what was awaited and what was seen last.
    pub fn for_state<T>(self, mut probe: impl FnMut() -> Result<T, String>) -> T {
        let mut seen = String::new();
        let outcome = self.poll(|| probe().map_err(|s| seen = s).ok());
        outcome.unwrap_or_else(|| {
            let (what, timeout) = (&self.what, self.timeout);
            if seen.is_empty() {
                panic!("timed out after {timeout:?} waiting for {what}");
            }
            panic!("timed out after {timeout:?} waiting for {what}; seen last:\n{seen}");
        })
    }

    /// Returns the value `probe` gives twice in a row, one interval apart,
    /// as judged by `same`: something in motion (wheel or drag events still
    /// arriving) that has come to rest.
    ///
    /// # Panics
    /// When it is still moving after the timeout.
    pub fn for_settled<T>(self, mut probe: impl FnMut() -> T, same: impl Fn(&T, &T) -> bool) -> T {
        let mut previous: Option<T> = None;
        self.for_value(|| {
            let now = probe();
            match previous.take() {
                Some(before) if same(&before, &now) => Some(now),
                _ => {
                    previous = Some(now);
                    None
                }
            }
        })
    }

    /// The first value `probe` gives, or `None` after the timeout: the
    /// loop every other wait runs.
    pub fn poll<T>(&self, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(value) = probe() {
                return Some(value);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            thread::sleep(self.every.min(left));
        }
    }
}

/// Returns once `cond` holds, looking every [`POLL_INTERVAL`].
///
/// # Panics
/// After `timeout`, with `what` in the message.
pub fn wait_until(what: &str, timeout: Duration, cond: impl FnMut() -> bool) {
    Wait::new(what, timeout).until(cond);
}

/// Returns the first value `probe` gives, looking every [`POLL_INTERVAL`].
///
/// # Panics
/// After `timeout`, with `what` in the message.
pub fn wait_for<T>(what: &str, timeout: Duration, probe: impl FnMut() -> Option<T>) -> T {
    Wait::new(what, timeout).for_value(probe)
}

/// Returns once `path` exists.
///
/// # Panics
/// After `timeout`, naming the file.
pub fn wait_for_file(path: &Path, timeout: Duration) {
    wait_until(&format!("the file {}", path.display()), timeout, || {
        path.exists()
    });
}

/// The first value `probe` gives within `timeout`, or `None`: [`wait_for`]
/// for callers that report a timeout themselves.
pub fn poll_for<T>(timeout: Duration, probe: impl FnMut() -> Option<T>) -> Option<T> {
    Wait::new("", timeout).poll(probe)
}

/// Whether `cond` held within `timeout`: [`wait_until`] for callers that
/// report a timeout themselves.
pub fn poll_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    poll_for(timeout, || cond().then_some(())).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_returns_the_first_value_and_panics_naming_what_it_awaited() {
        let mut n = 0;
        let got = wait_for("n to reach 3", Duration::from_secs(5), || {
            n += 1;
            (n >= 3).then_some(n)
        });
        assert_eq!(got, 3);
        let err = std::panic::catch_unwind(|| {
            Wait::new("the impossible", Duration::from_millis(30))
                .for_state(|| Err::<(), _>("still nothing".to_owned()))
        })
        .expect_err("a wait that never ends panics");
        let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("waiting for the impossible"), "{text}");
        assert!(text.contains("still nothing"), "{text}");
        assert!(!poll_until(Duration::from_millis(20), || false));
    }

    #[test]
    fn settled_needs_two_equal_looks_in_a_row() {
        let mut values = [1, 2, 2, 3].into_iter();
        let got = Wait::new("the value to settle", Duration::from_secs(5))
            .every(Duration::from_millis(1))
            .for_settled(|| values.next().unwrap_or(9), |a, b| a == b);
        assert_eq!(got, 2);
    }
}
