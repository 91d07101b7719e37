//! A reader that remembers when bytes last arrived.
//!
//! The heartbeat must not take a server for dead while a large frame is
//! still streaming in (a 128 MiB heatmap over a slow link takes longer than
//! the heartbeat timeout), so any bytes count as a sign of life, not only
//! complete messages.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::Instant;

/// Wraps a reader and records the time of the last read that returned bytes.
#[derive(Debug)]
pub struct ActivityReader<R> {
    inner: R,
    last: Instant,
}

impl<R> ActivityReader<R> {
    /// Wraps `inner`; the clock starts now.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            last: Instant::now(),
        }
    }

    /// When bytes last arrived (or when this reader was made).
    pub fn last_activity(&self) -> Instant {
        self.last
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
        if buf.filled().len() > before {
            self.last = Instant::now();
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
