//! [`Handoff`]: whole lines passed from the reader thread to the parser
//! thread, bounded in bytes, and never blocking the reader.
//!
//! The reader must drain its input as fast as the producer writes: a pipe
//! that fills blocks the producer, which is the failure plotcast exists to
//! avoid. So `push` never waits. When the parser falls behind by more than
//! the byte budget, the oldest unparsed blocks are dropped (latest value
//! wins) and their lines counted. Small pushes are merged into the block
//! still waiting, so a producer writing one line at a time costs one lock
//! per read, not one wake-up of the parser per line.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Default byte budget of unparsed input held between the threads.
pub const DEFAULT_BUDGET_BYTES: usize = 64 << 20;

/// A waiting block smaller than this takes further pushes into itself.
const MERGE_BELOW_BYTES: usize = 256 << 10;

/// Consecutive whole lines of input.
#[derive(Debug, Default)]
pub struct Block {
    /// Line number (1-based) of the first line.
    pub first_line: u64,
    /// Number of lines (a final line without a newline counts).
    pub lines: u64,
    /// The bytes, ending with a newline unless this is the end of input.
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Queue {
    blocks: VecDeque<Block>,
    bytes: usize,
    closed: bool,
    dropped_lines: u64,
}

/// The bounded, non-blocking queue between reader and parser.
#[derive(Debug)]
pub struct Handoff {
    budget_bytes: usize,
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Default for Handoff {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET_BYTES)
    }
}

impl Handoff {
    /// A queue holding at most `budget_bytes` (always at least one block).
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget_bytes,
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `block` without waiting. Returns the number of lines dropped
    /// to make room (the oldest blocks first; the first block of the input,
    /// which may hold the header, is never dropped).
    pub fn push(&self, block: Block) -> u64 {
        if block.data.is_empty() {
            return 0;
        }
        let mut q = self.lock();
        q.bytes += block.data.len();
        match q.blocks.back_mut() {
            Some(last)
                if last.data.len() < MERGE_BELOW_BYTES
                    && last.first_line + last.lines == block.first_line =>
            {
                last.data.extend_from_slice(&block.data);
                last.lines += block.lines;
            }
            _ => q.blocks.push_back(block),
        }
        let mut dropped = 0;
        while q.bytes > self.budget_bytes && q.blocks.len() > 1 {
            let victim = if q.blocks.front().is_some_and(|b| b.first_line == 1) {
                1
            } else {
                0
            };
            let Some(old) = q.blocks.remove(victim) else {
                break;
            };
            q.bytes -= old.data.len();
            dropped += old.lines;
        }
        q.dropped_lines += dropped;
        drop(q);
        self.ready.notify_one();
        dropped
    }

    /// No more blocks will come; `pop` returns `None` once the queue is
    /// empty.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// The oldest waiting block; waits for one; `None` when closed and
    /// empty.
    pub fn pop(&self) -> Option<Block> {
        let mut q = self.lock();
        loop {
            if let Some(block) = q.blocks.pop_front() {
                q.bytes -= block.data.len();
                return Some(block);
            }
            if q.closed {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Lines dropped so far.
    pub fn dropped_lines(&self) -> u64 {
        self.lock().dropped_lines
    }
}

/// Closes the handoff when dropped, so the parser ends even if the reader
/// fails or panics.
#[derive(Debug)]
pub struct CloseOnDrop<'a>(pub &'a Handoff);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn block(first_line: u64, lines: u64, bytes: usize) -> Block {
        Block {
            first_line,
            lines,
            data: vec![b'\n'; bytes],
        }
    }

    #[test]
    fn small_pushes_merge() {
        let h = Handoff::new(1 << 20);
        h.push(block(1, 1, 2));
        h.push(block(2, 3, 6));
        h.close();
        let b = h.pop().unwrap();
        assert_eq!((b.first_line, b.lines, b.data.len()), (1, 4, 8));
        assert!(h.pop().is_none());
    }

    #[test]
    fn over_budget_drops_oldest_but_keeps_the_first_block() {
        let big = MERGE_BELOW_BYTES;
        let h = Handoff::new(3 * big);
        let mut first = 1;
        let mut dropped = 0;
        for _ in 0..6 {
            dropped += h.push(block(first, 10, big));
            first += 10;
        }
        assert_eq!(dropped, 30, "three blocks of 10 lines over budget");
        assert_eq!(h.dropped_lines(), 30);
        h.close();
        let starts: Vec<u64> = std::iter::from_fn(|| h.pop())
            .map(|b| b.first_line)
            .collect();
        assert_eq!(
            starts,
            vec![1, 41, 51],
            "the header block stays, then the newest"
        );
    }

    #[test]
    fn pop_waits_for_a_push() {
        let h = Handoff::new(1 << 20);
        std::thread::scope(|s| {
            let t = s.spawn(|| h.pop().map(|b| b.lines));
            h.push(block(1, 7, 7));
            assert_eq!(t.join().unwrap(), Some(7));
        });
    }
}
