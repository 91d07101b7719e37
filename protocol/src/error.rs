//! The one error type of the protocol crate.

use thiserror::Error;

/// Everything that can be wrong with bytes received from a peer, or with a
/// message we were asked to encode.
///
/// Each variant says what was wrong, with the figures needed to understand
/// it; none of them is ever produced by a panic or after a large allocation.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The handshake did not start with the plotcast magic bytes: the peer is
    /// not speaking plotcast (or is speaking something else on our port).
    #[error("bad magic bytes {found:02x?}: the peer is not speaking the plotcast protocol")]
    BadMagic {
        /// The first bytes the peer sent where the magic was expected.
        found: Vec<u8>,
    },

    /// The peer speaks another protocol version.
    #[error("unsupported protocol version {peer}: the peer is {} than this build (which speaks version {ours}); use matching plotcast and plotcast-viewer versions", if .peer > .ours { "newer" } else { "older" })]
    UnsupportedVersion {
        /// The version the peer announced.
        peer: u16,
        /// The version this build speaks.
        ours: u16,
    },

    /// A length prefix announced a frame longer than the receiver accepts.
    #[error("frame of {len} bytes is larger than the limit of {max} bytes")]
    FrameTooLarge {
        /// The length the peer announced.
        len: u64,
        /// The limit in force.
        max: u64,
    },

    /// A message ended before a part it declared.
    #[error("truncated {what}: needed {needed} bytes, only {available} present")]
    Truncated {
        /// Which part was cut short.
        what: &'static str,
        /// Bytes the part needed.
        needed: u64,
        /// Bytes that were there.
        available: u64,
    },

    /// A header longer than [`MAX_HEADER_BYTES`](crate::MAX_HEADER_BYTES)
    /// bytes on the wire: refused when received, never sent.
    #[error("{what} header of {len} bytes is larger than the limit of {max} bytes")]
    HeaderTooLarge {
        /// Which message's header.
        what: &'static str,
        /// Its length in bytes.
        len: u64,
        /// The limit.
        max: u64,
    },

    /// The dimensions declared in a header do not match the payload bytes.
    #[error(
        "length mismatch: the header declares {declared} payload bytes, the frame carries {actual}"
    )]
    LengthMismatch {
        /// Payload bytes implied by the header (saturated at `u64::MAX`).
        declared: u64,
        /// Payload bytes actually present.
        actual: u64,
    },

    /// A channel kind this build does not know (probably a newer peer).
    #[error("unknown channel kind {0}")]
    UnknownChannelKind(u8),

    /// A message tag this build does not know.
    #[error("unknown message tag 0x{0:02x}")]
    UnknownMessage(u8),

    /// An array element type this build does not know.
    #[error("unknown array element type {0}")]
    UnknownDType(u8),

    /// An enumerated field held a value this build does not know.
    #[error("unknown {what} value {value}")]
    UnknownValue {
        /// The field.
        what: &'static str,
        /// The value found.
        value: u8,
    },

    /// A data frame compressed with a codec the connection's handshake did
    /// not settle on (on a connection without compression, any codec).
    #[error("data frame compressed with codec {found} on a connection whose codec is {negotiated} ({})", if *.negotiated == crate::CODEC_NONE { "no compression" } else { "another one" })]
    CodecNotNegotiated {
        /// The frame's codec.
        found: u8,
        /// The connection's codec (`Welcome.codec`).
        negotiated: u8,
    },

    /// The serialized header could not be decoded: malformed, or a
    /// container that claims more elements than the header has bytes left.
    #[error("malformed {what} header: {reason}")]
    BadHeader {
        /// Which message's header.
        what: &'static str,
        /// What the decoder said.
        reason: String,
    },

    /// The header decoded, but its contents break a rule of the protocol
    /// (for example x and y of different lengths).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which message or part.
        what: &'static str,
        /// The rule that was broken.
        reason: String,
    },

    /// A message could not be encoded (for example a string too long for its
    /// field, or a frame larger than the protocol allows).
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// Which message.
        what: &'static str,
        /// Why.
        reason: String,
    },

    /// The transport failed while reading frames.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl ProtocolError {
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            reason: reason.into(),
        }
    }
}
