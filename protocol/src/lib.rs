//! The plotcast wire protocol: message types, framing, handshake, limits and
//! errors. No I/O policy lives here; the server (`plotcast`) and the viewer
//! (`plotcast-viewer`) both build on it.
//!
//! Every frame is a big-endian `u32` length followed by a body: a tag byte,
//! a small bincode header, and for data frames the numeric arrays as raw
//! little-endian bytes. `PROTOCOL.md` in this crate describes it byte by
//! byte.
//!
//! ```
//! use plotcast_protocol::{decode, encode, FrameCodec, Message, Ready};
//! use tokio_util::codec::Decoder;
//!
//! let wire = encode(&Message::Ready(Ready::up_to(7)))?;
//! let mut codec = FrameCodec::new(plotcast_protocol::CONTROL_MAX_FRAME_BYTES);
//! let body = codec.decode(&mut wire.as_ref().into())?.expect("one whole frame");
//! assert_eq!(decode(body)?, Message::Ready(Ready::up_to(7)));
//! # Ok::<(), plotcast_protocol::ProtocolError>(())
//! ```
//!
//! Layout:
//! - [`codec`]: framing ([`FrameCodec`]), [`encode`], [`encode_data`] (and
//!   [`encode_data_prefix`] for values already in place,
//!   [`encode_data_aligned`] for values copied fastest, [`check_data`]
//!   to know beforehand that a frame encodes), [`decode`],
//!   [`decode_on`];
//!   `header_decoder`: how headers are read, each container bounded by
//!   the header's bytes; `data_header`: the data header written field by
//!   field for the publish path; `put_values`: the values copied in,
//!   around `memcpy`'s page-aliasing slow case;
//! - [`message`]: the [`Message`] enum and the control messages;
//! - [`layout`]: the figure [`Layout`] and [`ChannelSpec`];
//!   [`layout_encoder`]: a layout encoded one channel at a time
//!   ([`LayoutEncoder`]), refusing a channel that would pass the header
//!   limit;
//! - [`colormap`]: the colormap names every viewer draws ([`Colormap`]);
//! - [`custom`]: custom channels (plot-type names, their data rules, the
//!   built-in plot types);
//! - [`frame`]: data [`Frame`]s and their arrays;
//! - [`lod`]: level of detail: a viewer's [`View`], a reduced frame's [`Lod`];
//! - [`compress`]: LZ4 over byte-shuffled arrays, for slow links;
//! - [`limits`]: magic, version and size limits;
//! - [`chunked`]: [`ChunkedSeries`], the bounded window of an append
//!   series in shared chunks (server and viewer);
//! - [`clock`]: round trips and clock offsets from Ping/Pong ([`ClockEstimator`]);
//! - [`one_way_delays`]: the offset from each direction's smallest delay,
//!   right on a saturated link ([`OneWayDelays`]);
//! - [`recording`]: recording files (wire frames with receive times),
//!   [`RecordWriter`], [`RecordReader`]; `shuffle`: their compression;
//! - [`util`]: wall-clock microseconds, the host name, a poison-free lock;
//! - [`error`]: the one error type, [`ProtocolError`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod chunked;
pub mod clock;
pub mod codec;
pub mod colormap;
pub mod compress;
pub mod custom;
mod data_header;
pub mod error;
pub mod frame;
mod header_decoder;
pub mod layout;
pub mod layout_encoder;
pub mod limits;
pub mod lod;
pub mod message;
pub mod one_way_delays;
mod put_values;
pub mod recording;
pub mod relay;
mod shuffle;
pub mod util;
pub mod windowed;

pub use chunked::{ChunkedSeries, CHUNK_POINTS};
pub use clock::{ClockEstimator, ClockSample, ImpossibleSample};
pub use codec::{
    check_data, compress_data, decode, decode_on, encode, encode_data, encode_data_aligned,
    encode_data_prefix, encode_into, FrameCodec,
};
pub use colormap::{Colormap, UnknownColormap};
pub use compress::{CODECS_LZ4_SHUFFLE, CODECS_U8_CODES, CODEC_LZ4_SHUFFLE, CODEC_NONE};
pub use error::ProtocolError;
pub use frame::{
    Array, ArrayRef, DType, Frame, FrameRef, Part, PartRef, U16_NAN, U16_TOP, U8_NAN, U8_TOP,
};
pub use layout::{ChannelKind, ChannelOptions, ChannelSpec, GridCell, Layout, Scale};
pub use layout_encoder::LayoutEncoder;
pub use limits::*;
pub use lod::{GridWindow, Lod, View};
pub use message::{
    Ack, BatchEnd, Goodbye, GoodbyeCode, Hello, Message, Overview, Ping, Pong, Ready, Reject,
    RejectCode, Welcome,
};
pub use one_way_delays::OneWayDelays;
pub use recording::{
    read_record_at, FileHeader, Record, RecordReader, RecordWriter, RecordingError, Tail,
    FILE_HEADER_BYTES, RECORDING_MAGIC, RECORDING_VERSION, RECORD_HEADER_BYTES,
};
pub use windowed::Windowed;
