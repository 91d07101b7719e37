//! Any byte stream fed through the frame codec and the message decoder must
//! give messages or typed errors: no panic, no allocation beyond the limit.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use plotcast_protocol::{decode, FrameCodec};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    // A generous limit, like a viewer's, but small enough for the fuzzer.
    let mut codec = FrameCodec::new(1 << 20);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(body)) = codec.decode(&mut buf) {
        let _ = decode(body);
    }
    // The body alone, without framing, must be just as safe.
    let _ = decode(bytes::Bytes::copy_from_slice(data));
});
