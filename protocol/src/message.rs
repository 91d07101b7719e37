//! Every message of the protocol, in both directions.

use serde::{Deserialize, Serialize};

use crate::{Frame, Layout, View};

/// Message tags: the first byte of every frame body.
pub mod tag {
    /// Viewer → server: the handshake.
    pub const HELLO: u8 = 0x01;
    /// Server → viewer: handshake accepted.
    pub const WELCOME: u8 = 0x02;
    /// Server → viewer: handshake refused, with a reason.
    pub const REJECT: u8 = 0x03;
    /// Server → viewer: the figure layout.
    pub const LAYOUT: u8 = 0x10;
    /// Server → viewer: one channel's data.
    pub const DATA: u8 = 0x11;
    /// Server → viewer: end of a batch.
    pub const BATCH_END: u8 = 0x12;
    /// Viewer → server: ready for the next batch.
    pub const READY: u8 = 0x20;
    /// Viewer → server: how a plot is drawn (level of detail).
    pub const VIEW: u8 = 0x21;
    /// Viewer → server: bytes of the server's stream received so far.
    pub const ACK: u8 = 0x22;
    /// Either way: heartbeat request.
    pub const PING: u8 = 0x30;
    /// Either way: heartbeat answer.
    pub const PONG: u8 = 0x31;
    /// Either way: the sender is closing, with a reason.
    pub const GOODBYE: u8 = 0x3F;
}

/// Viewer → server: opens every connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// Protocol version the viewer speaks (on the wire after the magic).
    pub version: u16,
    /// Access token, when the server requires one.
    pub token: Option<String>,
    /// Free-form name of the viewer (for the server's logs and statistics).
    pub peer_name: String,
    /// The data codecs the viewer reads, as bits (`CODECS_*` in
    /// [`crate::compress`]); 0: uncompressed only.
    pub codecs: u8,
    /// The first picture without waiting for Views (version 4): the Hello
    /// grants batch 1, which the server sends right after the Layout, each
    /// plot reduced for its share of this canvas. `None`: batch 1 waits
    /// for a Ready (the data then goes as the Views say, or in full).
    pub overview: Option<Overview>,
}

/// The canvas a viewer will draw on, in pixels: what the server reduces
/// the first batch for (see [`Hello::overview`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Canvas width in pixels.
    pub width_px: u32,
    /// Canvas height in pixels.
    pub height_px: u32,
}

/// Server → viewer: the handshake succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// Protocol version the server speaks.
    pub version: u16,
    /// Name of the computation (the figure title).
    pub server_name: String,
    /// Random id of this server run: a viewer that reconnects and sees a new
    /// id knows it talks to a new session and drops everything it had.
    pub session_id: u64,
    /// How often the server pings, in milliseconds.
    pub heartbeat_interval_ms: u32,
    /// How long the server waits for any message before it drops the viewer.
    pub heartbeat_timeout_ms: u32,
    /// The codec the server compresses data frames with on this connection
    /// (`CODEC_*` in [`crate::compress`]; one the viewer offered, or none).
    pub codec: u8,
}

/// Why a handshake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejectCode {
    /// The token was missing or wrong.
    BadToken = 1,
    /// The protocol versions differ.
    Version = 2,
    /// The server has its maximum number of viewers.
    Full = 3,
    /// The handshake was malformed.
    BadHandshake = 4,
    /// Any other reason (the text says which).
    Other = 255,
}

impl RejectCode {
    pub(crate) fn from_u8(value: u8) -> Self {
        match value {
            1 => RejectCode::BadToken,
            2 => RejectCode::Version,
            3 => RejectCode::Full,
            4 => RejectCode::BadHandshake,
            _ => RejectCode::Other,
        }
    }
}

/// Server → viewer: the handshake was refused. Its format is frozen across
/// versions so that a viewer of any version can read why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Machine-readable reason.
    pub code: RejectCode,
    /// Human-readable reason.
    pub reason: String,
    /// Protocol version of the server.
    pub server_version: u16,
}

/// Viewer → server: flow control. The viewer is ready to receive batches
/// numbered up to and including `batch` (counted from 1 on each
/// connection). It raises the number as it draws, keeping a small window of
/// batches in flight so that a long round trip does not slow the frame
/// rate; a number not above an earlier one changes nothing. The server
/// builds each batch when it sends it, from the newest values, so a window
/// never holds stale data back.
///
/// `interval_us` paces the server: it sends batches at least that far
/// apart (0: as soon as there is news). A viewer sets it a little below its
/// drawing period, so a window of batches travels spread out at the rate
/// the viewer draws instead of as one burst per round trip (a burst would
/// merge into one drawn frame at the far end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ready {
    /// Highest batch number the viewer is ready for.
    pub batch: u64,
    /// Shortest time between two batches, in µs.
    pub interval_us: u32,
}

impl Ready {
    /// Ready for batches up to `batch`, with no pacing.
    pub fn up_to(batch: u64) -> Self {
        Self {
            batch,
            interval_us: 0,
        }
    }
}

/// Viewer → server: the viewer has received `received_bytes` bytes of the
/// server's stream on this connection, counted from the first byte of the
/// `Welcome` (length prefixes included). Optional: a viewer that sends it
/// lets the server keep about one bandwidth-delay product of bytes in
/// flight instead of whole batches (a slow link then queues no stale
/// frames); a viewer that never sends it gets the batch bound alone.
/// Viewers send one every few kilobytes received and at every batch end.
/// The number never decreases; one above what the server wrote is a
/// protocol error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Bytes of the server's stream received, from the `Welcome`'s first.
    pub received_bytes: u64,
}

/// Server → viewer: the batch answering `Ready { batch }` is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEnd {
    /// The request this batch answers.
    pub batch: u64,
    /// Server clock when the batch was sent, µs since the Unix epoch.
    pub server_time_us: u64,
    /// Data frames in this batch.
    pub frames: u32,
    /// Values this viewer never received because newer ones replaced them
    /// before it asked (latest value wins), since its previous batch.
    pub skipped: u64,
}

/// Heartbeat and clock probe, either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    /// Echoed in the answer.
    pub nonce: u64,
    /// Sender's clock when the ping left, µs since the Unix epoch.
    pub sent_us: u64,
}

/// Heartbeat answer: the four timestamps of an NTP exchange, so the pinging
/// side learns the round trip and the offset between the two clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pong {
    /// The nonce of the ping answered.
    pub nonce: u64,
    /// The ping's `sent_us`, echoed (the pinging side's clock).
    pub ping_sent_us: u64,
    /// Answering side's clock when the ping arrived, µs since the epoch.
    pub received_us: u64,
    /// Answering side's clock when this pong left, µs since the epoch.
    pub sent_us: u64,
}

/// Why a peer is closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum GoodbyeCode {
    /// An ordinary close (the viewer window was closed).
    Normal = 0,
    /// The computation finished or the server was dropped.
    ComputationEnded = 1,
    /// The peer broke the protocol.
    ProtocolError = 2,
    /// The peer stopped answering.
    Timeout = 3,
    /// The computation did not finish: it was interrupted (Ctrl-C, a
    /// signal) or failed (an exception, a panic); the text says how.
    Interrupted = 4,
    /// Any other reason (the text says which).
    Other = 255,
}

impl GoodbyeCode {
    pub(crate) fn from_u8(value: u8) -> Self {
        match value {
            0 => GoodbyeCode::Normal,
            1 => GoodbyeCode::ComputationEnded,
            2 => GoodbyeCode::ProtocolError,
            3 => GoodbyeCode::Timeout,
            4 => GoodbyeCode::Interrupted,
            _ => GoodbyeCode::Other,
        }
    }
}

/// Either way: the sender is closing the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goodbye {
    /// Machine-readable reason.
    pub code: GoodbyeCode,
    /// Human-readable reason.
    pub reason: String,
}

/// Any message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// See [`Hello`].
    Hello(Hello),
    /// See [`Welcome`].
    Welcome(Welcome),
    /// See [`Reject`].
    Reject(Reject),
    /// See [`Layout`].
    Layout(Layout),
    /// See [`Frame`].
    Data(Frame),
    /// See [`BatchEnd`].
    BatchEnd(BatchEnd),
    /// See [`Ready`].
    Ready(Ready),
    /// See [`View`].
    View(View),
    /// See [`Ack`].
    Ack(Ack),
    /// See [`Ping`].
    Ping(Ping),
    /// See [`Pong`].
    Pong(Pong),
    /// See [`Goodbye`].
    Goodbye(Goodbye),
}

impl Message {
    /// The message's tag byte.
    pub fn tag(&self) -> u8 {
        match self {
            Message::Hello(_) => tag::HELLO,
            Message::Welcome(_) => tag::WELCOME,
            Message::Reject(_) => tag::REJECT,
            Message::Layout(_) => tag::LAYOUT,
            Message::Data(_) => tag::DATA,
            Message::BatchEnd(_) => tag::BATCH_END,
            Message::Ready(_) => tag::READY,
            Message::View(_) => tag::VIEW,
            Message::Ack(_) => tag::ACK,
            Message::Ping(_) => tag::PING,
            Message::Pong(_) => tag::PONG,
            Message::Goodbye(_) => tag::GOODBYE,
        }
    }

    /// A short name for logs and errors.
    pub fn name(&self) -> &'static str {
        tag_name(self.tag())
    }
}

/// The name of a message tag.
pub fn tag_name(tag: u8) -> &'static str {
    match tag {
        tag::HELLO => "hello",
        tag::WELCOME => "welcome",
        tag::REJECT => "reject",
        tag::LAYOUT => "layout",
        tag::DATA => "data",
        tag::BATCH_END => "batch-end",
        tag::READY => "ready",
        tag::VIEW => "view",
        tag::ACK => "ack",
        tag::PING => "ping",
        tag::PONG => "pong",
        tag::GOODBYE => "goodbye",
        _ => "unknown",
    }
}

/// Wire bodies of the messages whose public form is not itself serde.
#[derive(Serialize, Deserialize)]
pub(crate) struct HelloRest {
    pub(crate) token: Option<String>,
    pub(crate) peer_name: String,
    pub(crate) codecs: u8,
    pub(crate) overview: Option<Overview>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct WelcomeRest {
    pub(crate) server_name: String,
    pub(crate) session_id: u64,
    pub(crate) heartbeat_interval_ms: u32,
    pub(crate) heartbeat_timeout_ms: u32,
    pub(crate) codec: u8,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct RejectWire {
    pub(crate) code: u8,
    pub(crate) reason: String,
    pub(crate) server_version: u16,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct GoodbyeWire {
    pub(crate) code: u8,
    pub(crate) reason: String,
}
