//! The server's first read: a handshake-sized codec and a Hello check, as
//! a stranger's bytes would meet them.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use plotcast_protocol::{decode, FrameCodec, Message, HANDSHAKE_MAX_FRAME_BYTES};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut codec = FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES);
    let mut buf = BytesMut::from(data);
    if let Ok(Some(body)) = codec.decode(&mut buf) {
        if let Ok(Message::Hello(hello)) = decode(body) {
            assert_eq!(hello.version, plotcast_protocol::VERSION);
        }
    }
    assert!(buf.capacity() <= data.len() + HANDSHAKE_MAX_FRAME_BYTES + 64);
});
