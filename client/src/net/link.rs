//! What one connection shares with the network thread ([`Link`]) and with
//! its session: how it can end ([`End`]), the framed reader ([`Frames`])
//! and the one way to send a control message ([`send`]).

use std::time::Duration;

use plotcast_protocol::{encode, FrameCodec, GoodbyeCode, Message};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio::time::timeout;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use super::activity::ActivityReader;
use super::config::NetConfig;
use super::event::NetEvent;
use super::shared::Shared;
use crate::error::NetError;
use crate::recording::recorder::Recorder;

/// How a connection ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// We were asked to stop (window closed, enough frames).
    Cancelled,
    /// The server said goodbye.
    Goodbye {
        /// Its code.
        code: GoodbyeCode,
        /// Its words.
        reason: String,
    },
}

/// Everything one connection needs from the network thread.
pub(crate) struct Link<'a> {
    pub(crate) cfg: &'a NetConfig,
    pub(crate) shared: &'a Shared,
    pub(crate) wake: &'a (dyn Fn(NetEvent) + Send + Sync),
    pub(crate) presented: &'a mut watch::Receiver<u64>,
    pub(crate) cancel: &'a CancellationToken,
    /// Writes what arrives to a recording file (`--record`).
    pub(crate) recorder: &'a mut Option<Recorder>,
}

/// The server's messages, read with a sign of life for every byte.
pub(crate) type Frames = FramedRead<ActivityReader<OwnedReadHalf>, FrameCodec>;

/// Writes one message within `limit`. Control messages are tiny: a write
/// that cannot finish means the server stopped reading.
pub(crate) async fn send(
    write: &mut OwnedWriteHalf,
    msg: &Message,
    limit: Duration,
) -> Result<(), NetError> {
    let bytes = encode(msg)?;
    match timeout(limit, write.write_all(&bytes)).await {
        Ok(written) => Ok(written?),
        Err(_) => Err(NetError::Timeout {
            what: "sending to the server",
            after: limit,
        }),
    }
}
