//! One append channel's way into the series stream: a cursor (the next
//! point of each series not yet stored) and at most one chunk on its way.
//!
//! ```text
//! window   [first kept ……………………………… next)
//! cursor          ▲ next point not stored
//! chunk           [≤ CHUNK_POINTS points]  → plotcast.series.<run>.<process>.<channel>
//!                  Nats-Msg-Id <session>-<channel>-<n>: a retry after a timeout
//!                  (the first attempt may have been stored) is stored once
//! ```
//!
//! The cursor moves only when the stream acknowledged the chunk; a failed
//! chunk is sent again as it was (same points, same id). Points that left
//! the window before the relay got to them are skipped and counted: the
//! next chunk starts at the first kept index, and a viewer sees the gap.

use std::sync::Arc;

use bytes::Bytes;
use plotcast_protocol::relay::MAX_MESSAGE_BYTES;
use plotcast_protocol::util::{lock, unix_now_us};

use crate::hub::{Channel, Store};
use crate::series::Cursor;

use super::value::series_chunk;

/// Points in one chunk at most (16 bytes each: a time and a value), so a
/// chunk stays well under one NATS message.
pub(crate) const CHUNK_POINTS: usize = 48 * 1024;

/// A chunk ready to publish.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub(crate) body: Bytes,
    pub(crate) msg_id: String,
    /// The cursor once it is stored.
    cursor: Cursor,
    /// Points skipped before it (they left the window first).
    pub(crate) skipped: u64,
}

/// What building the next chunk gave.
#[derive(Debug)]
pub(crate) enum Next {
    /// Nothing new.
    Nothing,
    /// A chunk to publish.
    Chunk(Chunk),
    /// The points could not be made a chunk short enough for one message
    /// (very many series with long names): passed over, with why.
    Dropped(String),
}

/// One append channel's progress into the stream.
#[derive(Debug)]
pub(crate) struct SeriesChunks {
    channel: Arc<Channel>,
    session_id: u64,
    cursor: Option<Cursor>,
    pending: Option<Chunk>,
    chunks_made: u64,
}

impl SeriesChunks {
    pub(crate) fn new(channel: Arc<Channel>, session_id: u64) -> Self {
        Self {
            channel,
            session_id,
            cursor: None,
            pending: None,
            chunks_made: 0,
        }
    }

    pub(crate) fn channel(&self) -> &Arc<Channel> {
        &self.channel
    }

    /// Whether there is something to publish: a chunk that failed, or
    /// points not stored yet. Cheap (a lock and some arithmetic).
    pub(crate) fn has_news(&self) -> bool {
        if self.pending.is_some() {
            return true;
        }
        match &self.channel.store {
            Store::Series(store) => lock(store).pending(&self.cursor) > 0,
            Store::Snapshot(_) => false,
        }
    }

    /// The chunk to publish next: the one that failed last time, else the
    /// oldest points not stored yet (at most [`CHUNK_POINTS`]), encoded on
    /// a blocking thread.
    pub(crate) async fn next(&mut self) -> Next {
        if let Some(chunk) = &self.pending {
            return Next::Chunk(chunk.clone());
        }
        let Store::Series(store) = &self.channel.store else {
            return Next::Nothing;
        };
        let mut cursor = self.cursor.clone();
        // Only references are taken under the lock (see `series.rs`).
        let (snapshot, skipped) = lock(store).snapshot_bounded(&mut cursor, CHUNK_POINTS);
        let Some(snapshot) = snapshot else {
            self.cursor = cursor;
            return Next::Nothing;
        };
        let (id, seq) = (
            self.channel.id,
            self.channel.seq.load(std::sync::atomic::Ordering::Relaxed),
        );
        let encoded =
            tokio::task::spawn_blocking(move || series_chunk(&snapshot, id, seq, unix_now_us()))
                .await;
        let body = match encoded {
            Ok(Ok(body)) if body.len() <= MAX_MESSAGE_BYTES => body,
            Ok(Ok(body)) => {
                self.cursor = cursor;
                return Next::Dropped(format!(
                    "a chunk of series channel {:?} is {} bytes, over {MAX_MESSAGE_BYTES}: passed over",
                    self.channel.name,
                    body.len()
                ));
            }
            Ok(Err(err)) => {
                self.cursor = cursor;
                return Next::Dropped(format!(
                    "cannot encode a chunk of series channel {:?}: {err}",
                    self.channel.name
                ));
            }
            Err(err) => return Next::Dropped(format!("encoding a series chunk failed: {err}")),
        };
        self.chunks_made += 1;
        let chunk = Chunk {
            body,
            msg_id: format!("{:016x}-{}-{}", self.session_id, id, self.chunks_made),
            cursor: cursor.unwrap_or_default(),
            skipped,
        };
        self.pending = Some(chunk.clone());
        Next::Chunk(chunk)
    }

    /// The pending chunk was stored: the cursor moves past its points.
    pub(crate) fn stored(&mut self) {
        if let Some(chunk) = self.pending.take() {
            self.cursor = Some(chunk.cursor);
        }
    }
}
