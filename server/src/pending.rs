//! Connections in their handshake: a bounded set, oldest evicted first.
//!
//! Strangers must not pile up connections that never finish a handshake, so
//! the set has a cap. When it is full, a new connection does not get
//! refused (a stream of slow connections, each renewed as it times out,
//! would then lock every real viewer out for as long as it lasts, token or
//! not); instead the *oldest* pending handshake is cut. A real viewer sends
//! its Hello within milliseconds of connecting, long before it becomes the
//! oldest of the set, so it gets through; a trickling attacker only ever
//! evicts other trickling connections.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use plotcast_protocol::util::lock;

/// The pending handshakes, oldest first.
#[derive(Debug)]
pub(crate) struct PendingHandshakes {
    cap: usize,
    queue: Mutex<VecDeque<(u64, CancellationToken)>>,
}

impl PendingHandshakes {
    /// A set holding at most `cap` handshakes (at least one).
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap: cap.max(1),
            queue: Mutex::new(VecDeque::new()),
        })
    }

    /// Registers connection `id`; when the set is full, cuts the oldest
    /// handshake (its token is cancelled). Returns whether one was cut, and
    /// the guard that removes `id` when the handshake ends either way.
    ///
    /// `cut` is a child of the server's shutdown token, so a handshake
    /// waits on one token for both.
    pub(crate) fn admit(
        self: &Arc<Self>,
        id: u64,
        shutdown: &CancellationToken,
    ) -> (PendingGuard, bool) {
        let cut = shutdown.child_token();
        let evicted = {
            let mut queue = lock(&self.queue);
            let evicted = if queue.len() >= self.cap {
                queue.pop_front()
            } else {
                None
            };
            queue.push_back((id, cut.clone()));
            evicted
        };
        let was_full = evicted.is_some();
        if let Some((_, token)) = evicted {
            token.cancel();
        }
        (
            PendingGuard {
                set: Arc::clone(self),
                id,
                cut,
            },
            was_full,
        )
    }

    /// Handshakes in progress now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.queue).len()
    }
}

/// One pending handshake; leaves the set when dropped.
#[derive(Debug)]
pub(crate) struct PendingGuard {
    set: Arc<PendingHandshakes>,
    id: u64,
    /// Cancelled when this handshake is evicted or the server stops.
    pub(crate) cut: CancellationToken,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        let mut queue = lock(&self.set.queue);
        if let Some(at) = queue.iter().position(|(id, _)| *id == self.id) {
            queue.remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_is_cut_when_full_and_guards_leave_on_drop() {
        let shutdown = CancellationToken::new();
        let set = PendingHandshakes::new(2);
        let (a, full_a) = set.admit(1, &shutdown);
        let (b, _) = set.admit(2, &shutdown);
        assert!(!full_a);
        let (c, full_c) = set.admit(3, &shutdown);
        assert!(full_c, "the third admission finds the set full");
        assert!(a.cut.is_cancelled(), "the oldest was cut");
        assert!(!b.cut.is_cancelled() && !c.cut.is_cancelled());
        assert_eq!(set.len(), 2);
        drop(a); // already out of the set: nothing else leaves
        assert_eq!(set.len(), 2);
        drop(b);
        assert_eq!(set.len(), 1);
        shutdown.cancel();
        assert!(c.cut.is_cancelled(), "shutdown reaches pending handshakes");
        drop(c);
        assert_eq!(set.len(), 0);
    }
}
