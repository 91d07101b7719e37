//! Constants of the wire format and the default limits every reader applies.

/// The 8 bytes that open every `Hello` and `Welcome` header.
pub const MAGIC: [u8; 8] = *b"PLOTCAST";

/// The protocol version this build speaks. Any change to the wire format
/// bumps it; peers must announce exactly the same version (see PROTOCOL.md).
pub const VERSION: u16 = 4;

/// Wire versions whose server-to-viewer messages are byte for byte this
/// version's: recordings (which hold only those) and runs relayed through
/// NATS of these versions are read. Version 4 changed only the viewer's
/// side (it added `Ack`).
pub const SERVER_MESSAGE_VERSIONS: std::ops::RangeInclusive<u16> = 3..=VERSION;

/// Bytes of the length prefix in front of every frame (u32, big-endian).
pub const LENGTH_PREFIX_BYTES: usize = 4;

/// Bytes of the fixed body prefix: tag, three reserved bytes, header length.
pub const BODY_PREFIX_BYTES: usize = 8;

/// Largest frame a server accepts before the handshake has completed. A
/// `Hello` is well under this; keeping it small means a stranger can never
/// make the server reserve memory.
pub const HANDSHAKE_MAX_FRAME_BYTES: usize = 4 * 1024;

/// Largest frame a viewer accepts before the `Welcome` (a `Welcome` or a
/// `Reject` with its reason): a stranger on the port must not make the
/// viewer reserve memory.
pub const WELCOME_MAX_FRAME_BYTES: usize = 64 * 1024;

/// Largest frame a server accepts from a viewer after the handshake: viewers
/// only ever send small control messages.
pub const CONTROL_MAX_FRAME_BYTES: usize = 4 * 1024;

/// Default largest frame a viewer accepts from a server (a 4096 × 4096 f64
/// heatmap is 128 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 256 * 1024 * 1024;

/// Largest header any message may have, in bytes on the wire (the body
/// prefix's `header_len`). A receiver accepts every well-formed header up
/// to this size, whatever it holds, and refuses a longer one; an encoder
/// refuses to write one. Counts inside a header are bounded by the header's
/// own bytes (see `codec`), not by this.
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// Longest access token a `Hello` may carry, in bytes.
pub const MAX_TOKEN_BYTES: usize = 256;

/// Longest name (peer, channel, series) in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// Most batches a server sends beyond the last one it knows the viewer
/// received: a `Ready` that asks for more is taken as asking for this many.
/// Viewers size their window from their own measurements, well below this
/// on fast links.
pub const MAX_BATCHES_IN_FLIGHT: u64 = 16;

/// Largest clock offset between two peers a receiver believes, in µs
/// (24 hours): clocks further apart mean a broken or hostile peer, and a
/// Pong that says so is ignored (see `ClockSample::from_pong`).
pub const MAX_CLOCK_OFFSET_US: i64 = 24 * 60 * 60 * 1_000_000;
