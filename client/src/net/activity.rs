//! A reader that remembers when bytes last arrived.
//!
//! The heartbeat must not take a server for dead while a large frame is
//! still streaming in (a 128 MiB heatmap over a slow link takes longer than
//! the heartbeat timeout), so any bytes count as a sign of life, not only
//! complete messages.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Wraps a reader and records the time of the last read that returned
/// bytes, how many bytes arrived in all, and when bytes first arrived after
/// a mark (the start of a batch on the wire, for bandwidth estimates); it
/// signals when the bytes read pass a threshold (time to acknowledge them,
/// even in the middle of a large frame).
#[derive(Debug)]
pub struct ActivityReader<R> {
    inner: R,
    last: Instant,
    bytes: u64,
    since_mark: Option<Instant>,
    signal_at: u64,
    signal: Arc<Notify>,
}

impl<R> ActivityReader<R> {
    /// Wraps `inner`; the clock starts now.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            last: Instant::now(),
            bytes: 0,
            since_mark: None,
            signal_at: u64::MAX,
            signal: Arc::new(Notify::new()),
        }
    }

    /// Notified (once) when [`bytes_read`](Self::bytes_read) reaches
    /// `bytes`.
    pub fn signal_at(&mut self, bytes: u64) {
        self.signal_at = bytes;
        if self.bytes >= bytes {
            self.signal_at = u64::MAX;
            self.signal.notify_one();
        }
    }

    /// What [`signal_at`](Self::signal_at) notifies.
    pub fn signal(&self) -> Arc<Notify> {
        Arc::clone(&self.signal)
    }

    /// When bytes last arrived (or when this reader was made).
    pub fn last_activity(&self) -> Instant {
        self.last
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Forgets when bytes first arrived; the next read that returns bytes
    /// sets it again.
    pub fn mark(&mut self) {
        self.since_mark = None;
    }

    /// When bytes first arrived since the last [`mark`](Self::mark).
    pub fn first_since_mark(&self) -> Option<Instant> {
        self.since_mark
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for ActivityReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let got = buf.filled().len() - before;
        if got > 0 {
            let now = Instant::now();
            self.last = now;
            self.bytes += got as u64;
            self.since_mark.get_or_insert(now);
            if self.bytes >= self.signal_at {
                self.signal_at = u64::MAX;
                self.signal.notify_one();
            }
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test(flavor = "current_thread")]
    async fn reads_move_the_clock() {
        let mut reader = ActivityReader::new(&b"abc"[..]);
        let start = reader.last_activity();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let mut buf = [0u8; 2];
        assert_eq!(reader.read(&mut buf).await.ok(), Some(2));
        assert!(reader.last_activity() >= start + std::time::Duration::from_millis(20));
    }
}
