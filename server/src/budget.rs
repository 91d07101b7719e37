//! A global budget for the bytes that connection writers hold while viewers'
//! sockets make them wait.
//!
//! A frame is encoded once and shared by every viewer sent it, but a writer
//! keeps the frames of the batch it is sending until the last byte has gone:
//! a half-written frame cannot be dropped for a newer one without tearing
//! the stream. A viewer that stops reading therefore pins its batch until
//! the heartbeat drops it, and viewers that stall one after another, each
//! on another frame, pin one frame each.
//!
//! ```text
//! writer: collect batch ─▶ hold(frames) ─▶ write … write ─▶ BatchEnd ─▶ release
//!                          │ counts each buffer once, however many writers hold it
//!                          └ total > budget: drop the holders whose writes made
//!                            progress longest ago (never the new batch's writer)
//! ```
//!
//! The budget is [`ServerBuilder::stalled_write_budget_bytes`] when set, else
//! the larger of [`DEFAULT_STALLED_WRITE_BUDGET_BYTES`] and
//! [`STALLED_WRITE_BUDGET_FRAMES`] times the largest frame held so far, so a
//! few viewers stalled on the largest frames never count as too many.
//!
//! [`ServerBuilder::stalled_write_budget_bytes`]: crate::ServerBuilder::stalled_write_budget_bytes

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use plotcast_protocol::util::lock;

use crate::stats::ViewerStats;

/// Default floor of the budget: 64 MiB.
pub const DEFAULT_STALLED_WRITE_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// The default budget is at least this many of the largest frames held.
pub const STALLED_WRITE_BUDGET_FRAMES: usize = 4;

/// How a holder over the budget is told to go.
pub(crate) trait Evict: Send + Sync {
    /// Ends the connection with `reason`; its writer drops its frames.
    fn evict(&self, reason: String);
}

/// One writer in the middle of a batch.
struct Holder {
    /// Buffer identities (data pointers) of its frames.
    buffers: Vec<usize>,
    /// When it took the frames.
    since: Instant,
    stats: Arc<ViewerStats>,
    evict: Arc<dyn Evict>,
}

impl Holder {
    /// When its writes last made progress (taking the frames counts).
    fn last_progress(&self) -> Instant {
        self.stats
            .last_write()
            .map_or(self.since, |w| w.max(self.since))
    }
}

#[derive(Default)]
struct Held {
    /// Bytes and number of holders of each buffer.
    buffers: HashMap<usize, (usize, usize)>,
    total: usize,
    /// The largest buffer ever held.
    largest: usize,
    holders: HashMap<u64, Holder>,
}

impl Held {
    fn release(&mut self, conn_id: u64) -> Option<Holder> {
        let holder = self.holders.remove(&conn_id)?;
        for id in &holder.buffers {
            if let Some((len, count)) = self.buffers.get_mut(id) {
                *count -= 1;
                if *count == 0 {
                    self.total -= *len;
                    self.buffers.remove(id);
                }
            }
        }
        Some(holder)
    }
}

/// The budget shared by every connection of a server.
pub(crate) struct WriteBudget {
    /// The configured budget; `None`: the default rule.
    limit: Option<usize>,
    held: Mutex<Held>,
}

impl std::fmt::Debug for WriteBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBudget")
            .field("limit", &self.limit)
            .field("held_bytes", &self.held_bytes())
            .finish()
    }
}

/// Releases a writer's frames from the budget when dropped.
pub(crate) struct HoldGuard<'a> {
    budget: &'a WriteBudget,
    conn_id: u64,
}

impl Drop for HoldGuard<'_> {
    fn drop(&mut self) {
        lock(&self.budget.held).release(self.conn_id);
    }
}

impl WriteBudget {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        Self {
            limit,
            held: Mutex::new(Held::default()),
        }
    }

    /// Bytes held now, each buffer counted once.
    pub(crate) fn held_bytes(&self) -> usize {
        lock(&self.held).total
    }

    fn limit(&self, largest: usize) -> usize {
        self.limit.unwrap_or_else(|| {
            DEFAULT_STALLED_WRITE_BUDGET_BYTES
                .max(largest.saturating_mul(STALLED_WRITE_BUDGET_FRAMES))
        })
    }

    /// Records that connection `conn_id` holds `frames` until the guard
    /// drops. If the total goes over the budget, the other holders whose
    /// writes made progress longest ago are evicted until it fits.
    pub(crate) fn hold(
        &self,
        conn_id: u64,
        frames: &[Bytes],
        stats: &Arc<ViewerStats>,
        evict: Arc<dyn Evict>,
    ) -> HoldGuard<'_> {
        let mut evicted = Vec::new();
        {
            let mut held = lock(&self.held);
            // A writer holds one batch at a time; a stale entry (there is
            // none unless a guard leaked) would only be counted twice.
            held.release(conn_id);
            let mut buffers = Vec::with_capacity(frames.len());
            for frame in frames {
                let id = frame.as_ptr() as usize;
                if buffers.contains(&id) {
                    continue;
                }
                buffers.push(id);
                let len = frame.len();
                let entry = held.buffers.entry(id).or_insert((len, 0));
                entry.1 += 1;
                if entry.1 == 1 {
                    held.total += len;
                    held.largest = held.largest.max(len);
                }
            }
            held.holders.insert(
                conn_id,
                Holder {
                    buffers,
                    since: Instant::now(),
                    stats: Arc::clone(stats),
                    evict,
                },
            );
            let limit = self.limit(held.largest);
            while held.total > limit {
                let victim = held
                    .holders
                    .iter()
                    .filter(|(id, _)| **id != conn_id)
                    .min_by_key(|(_, h)| h.last_progress())
                    .map(|(id, _)| *id);
                let Some(victim) = victim else { break };
                let before = held.total;
                if let Some(holder) = held.release(victim) {
                    evicted.push((holder, before, limit));
                }
            }
        }
        // Told outside the lock: evicting takes the connection's own locks.
        for (holder, total, limit) in evicted {
            let stalled = holder.last_progress().elapsed().as_millis();
            let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
            holder.evict.evict(format!(
                "dropped to bound memory: its writes made no progress for {stalled} ms while \
                 writes to slow viewers held {:.1} MiB, over the server's budget of {:.1} MiB \
                 (ServerBuilder::stalled_write_budget_bytes)",
                mib(total),
                mib(limit)
            ));
        }
        HoldGuard {
            budget: self,
            conn_id,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Told(Mutex<Vec<String>>, AtomicUsize);

    impl Evict for Told {
        fn evict(&self, reason: String) {
            self.1.fetch_add(1, Ordering::SeqCst);
            lock(&self.0).push(reason);
        }
    }

    fn stats() -> Arc<ViewerStats> {
        Arc::new(ViewerStats::new("127.0.0.1:1".parse().unwrap(), "t".into()))
    }

    #[test]
    fn shared_buffers_count_once_and_the_oldest_holder_goes_first() {
        let budget = WriteBudget::new(Some(250));
        let a = Bytes::from(vec![0u8; 100]);
        let b = Bytes::from(vec![0u8; 100]);
        let c = Bytes::from(vec![0u8; 100]);
        let told: Vec<Arc<Told>> = (0..4).map(|_| Arc::new(Told::default())).collect();
        let s: Vec<_> = (0..4).map(|_| stats()).collect();
        let g0 = budget.hold(0, std::slice::from_ref(&a), &s[0], told[0].clone());
        // The same buffer again: no more bytes.
        let g1 = budget.hold(1, &[a.clone(), a.clone()], &s[1], told[1].clone());
        assert_eq!(budget.held_bytes(), 100);
        std::thread::sleep(std::time::Duration::from_millis(5));
        let g2 = budget.hold(2, &[b], &s[2], told[2].clone());
        assert_eq!(budget.held_bytes(), 200);
        // Holder 0 makes progress (progress is kept to the millisecond):
        // now 1 is the longest stalled, then 2.
        std::thread::sleep(std::time::Duration::from_millis(20));
        s[0].wrote_now();
        let g3 = budget.hold(3, &[c], &s[3], told[3].clone());
        // 300 > 250: holder 1 goes, but buffer `a` is still held by 0.
        assert_eq!(told[1].1.load(Ordering::SeqCst), 1);
        assert!(lock(&told[1].0)[0].contains("budget of 0.0 MiB"));
        // Still 300 then: the next oldest without progress, holder 2, goes.
        assert_eq!(told[2].1.load(Ordering::SeqCst), 1);
        assert_eq!(budget.held_bytes(), 200);
        assert_eq!(told[0].1.load(Ordering::SeqCst), 0);
        assert_eq!(told[3].1.load(Ordering::SeqCst), 0, "never the newcomer");
        // The evicted holders' guards release nothing more.
        drop((g1, g2));
        assert_eq!(budget.held_bytes(), 200);
        drop((g0, g3));
        assert_eq!(budget.held_bytes(), 0);
    }

    #[test]
    fn the_default_budget_grows_with_the_largest_frame() {
        let budget = WriteBudget::new(None);
        assert_eq!(budget.limit(1), DEFAULT_STALLED_WRITE_BUDGET_BYTES);
        assert_eq!(budget.limit(100 << 20), 400 << 20);
        assert_eq!(WriteBudget::new(Some(5)).limit(100 << 20), 5);
    }
}
