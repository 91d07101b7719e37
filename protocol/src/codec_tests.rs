//! Round trips of every message and the hostile inputs the protocol must
//! turn into typed errors.

#![allow(clippy::unwrap_used)]

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::*;
use crate::frame::PartWire;
use crate::{
    ArrayRef, BatchEnd, ChannelSpec, GridCell, GridWindow, Part, PartRef, Ping, Pong, Ready, Scale,
    View, HANDSHAKE_MAX_FRAME_BYTES,
};

/// Encodes, splits with the codec, decodes.
fn round_trip(msg: &Message) -> Message {
    let wire = encode(msg).unwrap();
    let mut buf = BytesMut::from(wire.as_ref());
    let mut codec = FrameCodec::new(crate::DEFAULT_MAX_FRAME_BYTES);
    let body = codec.decode(&mut buf).unwrap().expect("a whole frame");
    assert!(buf.is_empty(), "the codec consumed the whole frame");
    decode(body).unwrap()
}

/// A frame body built by hand: tag, header bytes, payload.
fn body(msg_tag: u8, header: &[u8], payload: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_u8(msg_tag);
    b.put_bytes(0, 3);
    b.put_u32_le(header.len() as u32);
    b.put_slice(header);
    b.put_bytes(0, payload_offset(header.len()) - 8 - header.len());
    b.put_slice(payload);
    b.freeze()
}

fn bincode_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, encode_config()).unwrap()
}

fn sample_layout() -> Layout {
    let mut heat = ChannelSpec::new(0, "temperature", ChannelKind::Heatmap);
    heat.options.colormap = "coolwarm".into();
    heat.options.y_range = Some((-1.0, 1.0));
    heat.options.cell = Some(GridCell {
        row: 0,
        col: 0,
        rows: 2,
        cols: 1,
    });
    let mut line = ChannelSpec::new(1, "profile", ChannelKind::Line);
    line.options.x_label = "x [m]".into();
    line.options.y_scale = Scale::Log;
    line.options.x_range = Some((0.0, 10.0));
    let mut series = ChannelSpec::new(2, "energy", ChannelKind::Series);
    series.options.history_points = 5000;
    series.options.link_x = "time".into();
    Layout {
        title: "heat".into(),
        columns: 2,
        channels: vec![
            heat,
            line,
            series,
            ChannelSpec::new(3, "walkers", ChannelKind::Scatter),
            ChannelSpec::new(4, "hist", ChannelKind::Bars),
            ChannelSpec::custom(5, "flow", "quiver"),
        ],
    }
}

#[test]
fn control_messages_round_trip() {
    let messages = [
        Message::Hello(Hello {
            version: VERSION,
            token: Some("s3cret".into()),
            peer_name: "viewer@host".into(),
            codecs: 0,
            overview: None,
        }),
        Message::Hello(Hello {
            version: VERSION,
            token: None,
            peer_name: String::new(),
            codecs: 0,
            overview: Some(crate::Overview {
                width_px: 1280,
                height_px: 720,
            }),
        }),
        Message::Welcome(Welcome {
            version: VERSION,
            server_name: "heat".into(),
            session_id: 0xDEAD_BEEF_0123,
            heartbeat_interval_ms: 2000,
            heartbeat_timeout_ms: 6000,
            codec: 0,
        }),
        Message::Reject(Reject {
            code: RejectCode::BadToken,
            reason: "wrong token".into(),
            server_version: VERSION,
        }),
        Message::Reject(Reject {
            code: RejectCode::Full,
            reason: "64 viewers already".into(),
            server_version: VERSION,
        }),
        Message::Layout(sample_layout()),
        Message::Layout(Layout::default()),
        Message::BatchEnd(BatchEnd {
            batch: 9,
            server_time_us: 1_700_000_000_000_000,
            frames: 3,
            skipped: 12,
        }),
        Message::Ready(Ready {
            batch: 1,
            interval_us: 16_000,
        }),
        Message::Ping(Ping {
            nonce: u64::MAX,
            sent_us: 17,
        }),
        Message::Pong(Pong {
            nonce: 0,
            ping_sent_us: u64::MAX,
            received_us: 1,
            sent_us: 2,
        }),
        Message::Goodbye(Goodbye {
            code: GoodbyeCode::ComputationEnded,
            reason: "done".into(),
        }),
    ];
    for msg in &messages {
        assert_eq!(&round_trip(msg), msg, "{} round trip", msg.name());
    }
}

fn frame(kind: ChannelKind, nx: u32, ny: u32, parts: Vec<Part>) -> Frame {
    Frame {
        channel: 7,
        seq: 42,
        timestamp_us: 1_700_000_000_123_456,
        kind,
        nx,
        ny,
        range: (kind == ChannelKind::Heatmap).then_some((0.0, 1.0)),
        parts,
        lod: None,
    }
}

fn part(name: &str, first_index: u64, x: Option<&[f64]>, y: &[f64]) -> Part {
    Part {
        name: name.into(),
        first_index,
        x: x.map(Array::from_f64),
        y: Array::from_f64(y),
    }
}

#[test]
fn data_frames_of_every_kind_round_trip() {
    let ys: Vec<f64> = (0..100).map(|i| f64::from(i).sin()).collect();
    let xs: Vec<f64> = (0..100).map(f64::from).collect();
    let f32_grid: Vec<f32> = (0..12).map(|i| i as f32 * 0.5).collect();
    let frames = [
        frame(ChannelKind::Line, 0, 0, vec![part("", 0, None, &ys)]),
        frame(
            ChannelKind::Line,
            0,
            0,
            vec![part("a", 0, Some(&xs), &ys), part("b", 0, None, &xs)],
        ),
        frame(
            ChannelKind::Scatter,
            0,
            0,
            vec![part("pts", 0, Some(&xs), &ys)],
        ),
        frame(ChannelKind::Heatmap, 10, 10, vec![part("", 0, None, &ys)]),
        frame(
            ChannelKind::Heatmap,
            4,
            3,
            vec![Part {
                name: String::new(),
                first_index: 0,
                x: None,
                y: Array::from_le_bytes(
                    DType::F32,
                    Bytes::copy_from_slice(bytemuck::cast_slice(&f32_grid)),
                )
                .unwrap(),
            }],
        ),
        frame(
            ChannelKind::Bars,
            0,
            0,
            vec![part("h", 0, Some(&xs[..11]), &ys[..10])],
        ),
        frame(ChannelKind::Bars, 0, 0, vec![part("h", 0, None, &ys[..10])]),
        frame(
            ChannelKind::Series,
            0,
            0,
            vec![part("e", 1234, Some(&xs), &ys)],
        ),
        frame(ChannelKind::Line, 0, 0, vec![]),
        frame(
            ChannelKind::Custom,
            10,
            10,
            vec![part("u", 0, None, &ys), part("v", 0, None, &ys)],
        ),
        // Custom arrays need not fill the grid, nor a grid exist.
        frame(
            ChannelKind::Custom,
            0,
            0,
            vec![part("peaks", 0, None, &ys[..3]), part("", 0, None, &xs)],
        ),
        frame(ChannelKind::Custom, 7, 1, vec![]),
    ];
    for f in frames {
        let msg = Message::Data(f);
        assert_eq!(round_trip(&msg), msg);
    }
}

#[test]
fn decoded_arrays_share_the_frame_buffer() {
    let ys: Vec<f64> = (0..1000).map(f64::from).collect();
    let wire = encode(&Message::Data(frame(
        ChannelKind::Line,
        0,
        0,
        vec![part("", 0, None, &ys)],
    )))
    .unwrap();
    let body = wire.slice(LENGTH_PREFIX_BYTES..);
    let range = body.as_ptr_range();
    let Message::Data(f) = decode(body.clone()).unwrap() else {
        panic!("not a data frame")
    };
    let y = f.parts[0].y.le_bytes();
    assert!(
        range.contains(&y.as_ptr()),
        "array points into the frame buffer"
    );
    assert_eq!(f.parts[0].y.to_f64().as_ref(), ys.as_slice());
    // The payload starts 8-aligned relative to the frame (prefix included).
    assert_eq!((y.as_ptr() as usize - wire.as_ptr() as usize) % 8, 0);
}

#[test]
fn encode_data_borrowed_matches_owned() {
    let ys: Vec<f64> = (0..64).map(f64::from).collect();
    let grid32: Vec<f32> = (0..64).map(|i| i as f32).collect();
    let parts = [PartRef {
        name: "",
        first_index: 0,
        x: None,
        y: ArrayRef::F32(&grid32),
    }];
    let mut out = BytesMut::new();
    let fr = FrameRef {
        channel: 1,
        seq: 2,
        timestamp_us: 3,
        kind: ChannelKind::Heatmap,
        nx: 8,
        ny: 8,
        range: None,
        parts: &parts,
        lod: None,
    };
    encode_data(&fr, &mut out).unwrap();
    let Message::Data(f) = decode(out.freeze().slice(4..)).unwrap() else {
        panic!("not a data frame")
    };
    assert_eq!(f.parts[0].y.dtype(), DType::F32);
    assert_eq!(f.parts[0].y.iter().collect::<Vec<_>>(), ys);
}

#[test]
fn shape_violations_are_refused_on_encode() {
    let ys = [1.0, 2.0, 3.0];
    let bad = [
        (ChannelKind::Heatmap, 2, 2, Some(&ys[..]), &ys[..]),
        (ChannelKind::Heatmap, 2, 2, None, &ys[..]),
        (ChannelKind::Scatter, 0, 0, None, &ys[..]),
        (ChannelKind::Line, 0, 0, Some(&ys[..2]), &ys[..]),
        (ChannelKind::Series, 0, 0, Some(&ys[..1]), &ys[..]),
        (ChannelKind::Bars, 0, 0, Some(&ys[..1]), &ys[..]),
        (ChannelKind::Line, 1, 1, None, &ys[..]),
        (ChannelKind::Custom, 3, 1, Some(&ys[..]), &ys[..]),
    ];
    for (kind, nx, ny, x, y) in bad {
        let parts = [PartRef {
            name: "",
            first_index: 0,
            x: x.map(ArrayRef::F64),
            y: ArrayRef::F64(y),
        }];
        let fr = FrameRef {
            channel: 0,
            seq: 0,
            timestamp_us: 0,
            kind,
            nx,
            ny,
            range: None,
            parts: &parts,
            lod: None,
        };
        let mut out = BytesMut::new();
        let err = encode_data(&fr, &mut out).unwrap_err();
        assert!(
            matches!(err, ProtocolError::Invalid { .. }),
            "{kind:?}: {err}"
        );
        assert!(out.is_empty(), "nothing written on error");
        // Known beforehand too.
        assert!(matches!(
            check_data(&fr),
            Err(ProtocolError::Invalid { .. })
        ));
    }
}

#[test]
fn a_frame_checked_beforehand_encodes() {
    let ys: &'static [f64] = Box::leak(
        (0..64)
            .map(f64::from)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let long = "n".repeat(MAX_NAME_BYTES + 1);
    let one = |ys: &'static [f64]| PartRef {
        name: "",
        first_index: 0,
        x: None,
        y: ArrayRef::F64(ys),
    };
    // About 46 header bytes each: more than a header may hold.
    let many: Vec<PartRef<'_>> = (0..(MAX_HEADER_BYTES / 40))
        .map(|_| PartRef {
            name: &long[..MAX_NAME_BYTES.min(40)],
            first_index: 0,
            x: None,
            y: ArrayRef::F64(&ys[..1]),
        })
        .collect();
    let cases: Vec<(ChannelKind, u32, u32, Vec<PartRef<'_>>)> = vec![
        (ChannelKind::Line, 0, 0, vec![one(ys)]),
        (ChannelKind::Heatmap, 8, 8, vec![one(ys)]),
        (
            ChannelKind::Line,
            0,
            0,
            vec![PartRef {
                name: &long,
                first_index: 0,
                x: None,
                y: ArrayRef::F64(ys),
            }],
        ),
        (ChannelKind::Line, 0, 0, many),
    ];
    for (kind, nx, ny, parts) in &cases {
        let fr = FrameRef {
            nx: *nx,
            ny: *ny,
            ..FrameRef::new(0, u64::MAX, u64::MAX, *kind, parts)
        };
        let checked = check_data(&fr);
        let encoded = encode_data(&fr, &mut BytesMut::new());
        // When the check passes, the encoding does; a refusal may be
        // cautious (the header's bound) but never wrong the other way.
        if checked.is_ok() {
            assert!(encoded.is_ok(), "{kind:?} {} parts", parts.len());
        }
        if let Err(err) = encoded {
            assert!(checked.is_err(), "{kind:?}: {err}");
        }
    }
    assert!(check_data(&FrameRef::new(0, 1, 1, ChannelKind::Line, &cases[0].3)).is_ok());
    assert!(check_data(&FrameRef::new(0, 1, 1, ChannelKind::Line, &cases[2].3)).is_err());
    let too_many = FrameRef::new(0, 1, 1, ChannelKind::Line, &cases[3].3);
    assert!(matches!(
        encode_data(&too_many, &mut BytesMut::new()),
        Err(ProtocolError::HeaderTooLarge { .. })
    ));
    assert!(matches!(
        check_data(&too_many),
        Err(ProtocolError::HeaderTooLarge { .. })
    ));
}

#[test]
fn length_prefix_of_all_ones_is_frame_too_large() {
    let mut codec = FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES);
    let mut buf = BytesMut::from(&[0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3][..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(
        matches!(err, ProtocolError::FrameTooLarge { len: 0xFFFF_FFFF, max } if max == HANDSHAKE_MAX_FRAME_BYTES as u64),
        "{err}"
    );
    // Nothing was reserved for the claimed 4 GiB.
    assert!(buf.capacity() < 1024 * 1024);
}

#[test]
fn header_claiming_2_pow_40_elements_is_a_length_mismatch() {
    let wire = FrameWire {
        channel: 0,
        seq: 0,
        timestamp_us: 0,
        kind: ChannelKind::Line as u8,
        nx: 0,
        ny: 0,
        range: None,
        parts: vec![PartWire {
            name: String::new(),
            first_index: 0,
            x: None,
            y: ArrayWire {
                dtype: DType::F64 as u8,
                len: 1 << 40,
            },
        }],
        codec: 0,
        lod: None,
        raw_len: 0,
    };
    let b = body(tag::DATA, &bincode_bytes(&wire), &[0u8; 64]);
    let err = decode(b).unwrap_err();
    assert!(
        matches!(err, ProtocolError::LengthMismatch { declared, actual: 64 } if declared == 8 << 40),
        "{err}"
    );
}

#[test]
fn header_claiming_2_pow_40_parts_fails_without_allocating() {
    // A Vec length of 2^40 in varint form: 0xFD then a u64 LE.
    let mut header = bincode_bytes(&(0u32, 0u64, 0u64, 0u8, 0u32, 0u32, None::<(f64, f64)>));
    header.push(0xFD);
    header.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let err = decode(body(tag::DATA, &header, &[])).unwrap_err();
    assert!(matches!(err, ProtocolError::BadHeader { .. }), "{err}");
}

#[test]
fn dimensions_that_disagree_with_the_payload_are_refused() {
    let ys = [1.0f64; 6];
    let parts = [PartRef {
        name: "",
        first_index: 0,
        x: None,
        y: ArrayRef::F64(&ys),
    }];
    let fr = FrameRef {
        channel: 0,
        seq: 0,
        timestamp_us: 0,
        kind: ChannelKind::Heatmap,
        nx: 3,
        ny: 2,
        range: None,
        parts: &parts,
        lod: None,
    };
    let mut out = BytesMut::new();
    encode_data(&fr, &mut out).unwrap();
    let good = out.freeze().slice(4..);
    // One byte short, and one element too many.
    let short = good.slice(..good.len() - 1);
    let err = decode(short).unwrap_err();
    assert!(matches!(err, ProtocolError::LengthMismatch { .. }), "{err}");
    let mut long = BytesMut::from(good.as_ref());
    long.put_f64_le(0.0);
    let err = decode(long.freeze()).unwrap_err();
    assert!(
        matches!(
            err,
            ProtocolError::LengthMismatch {
                declared: 48,
                actual: 56
            }
        ),
        "{err}"
    );
    // Header says 3x3 while 6 values are present.
    let header_len = u32::from_le_bytes(good[4..8].try_into().unwrap()) as usize;
    let mut wire: FrameWire = decode_header("data", &good[8..8 + header_len]).unwrap();
    wire.ny = 3;
    let err = decode(body(
        tag::DATA,
        &bincode_bytes(&wire),
        &good[good.len() - 48..],
    ))
    .unwrap_err();
    assert!(matches!(err, ProtocolError::Invalid { .. }), "{err}");
}

#[test]
fn wrong_magic_is_bad_magic() {
    let mut header = b"HTTP/1.1".to_vec();
    header.extend_from_slice(&VERSION.to_le_bytes());
    let err = decode(body(tag::HELLO, &header, &[])).unwrap_err();
    assert!(
        matches!(err, ProtocolError::BadMagic { ref found } if found == b"HTTP/1.1"),
        "{err}"
    );
    let err = decode(body(tag::HELLO, b"PLOT", &[])).unwrap_err();
    assert!(matches!(err, ProtocolError::BadMagic { .. }), "{err}");
}

#[test]
fn newer_and_older_versions_are_typed_errors() {
    for (peer, word) in [(VERSION + 1, "newer"), (0, "older")] {
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&peer.to_le_bytes());
        // Whatever follows a different version is never looked at.
        header.extend_from_slice(b"future fields");
        let err = decode(body(tag::HELLO, &header, &[])).unwrap_err();
        assert!(
            matches!(err, ProtocolError::UnsupportedVersion { peer: p, ours: VERSION } if p == peer),
            "{err}"
        );
        assert!(err.to_string().contains(word), "{err}");
    }
}

#[test]
fn unknown_kind_tag_and_dtype_are_typed_errors() {
    let mut wire = FrameWire {
        channel: 0,
        seq: 0,
        timestamp_us: 0,
        kind: 99,
        nx: 0,
        ny: 0,
        range: None,
        parts: vec![],
        codec: 0,
        lod: None,
        raw_len: 0,
    };
    let err = decode(body(tag::DATA, &bincode_bytes(&wire), &[])).unwrap_err();
    assert!(
        matches!(err, ProtocolError::UnknownChannelKind(99)),
        "{err}"
    );
    wire.kind = 0;
    wire.parts.push(PartWire {
        name: String::new(),
        first_index: 0,
        x: None,
        y: ArrayWire { dtype: 7, len: 1 },
    });
    let err = decode(body(tag::DATA, &bincode_bytes(&wire), &[0; 8])).unwrap_err();
    assert!(matches!(err, ProtocolError::UnknownDType(7)), "{err}");
    let err = decode(body(0x77, &[], &[])).unwrap_err();
    assert!(matches!(err, ProtocolError::UnknownMessage(0x77)), "{err}");
    let mut layout = LayoutWire::from(&sample_layout());
    layout.channels[1].kind = 200;
    let err = decode(body(tag::LAYOUT, &bincode_bytes(&layout), &[])).unwrap_err();
    assert!(
        matches!(err, ProtocolError::UnknownChannelKind(200)),
        "{err}"
    );
}

#[test]
fn truncated_bodies_are_typed_errors() {
    let err = decode(Bytes::from_static(&[tag::READY, 0, 0])).unwrap_err();
    assert!(matches!(err, ProtocolError::Truncated { .. }), "{err}");
    let mut b = BytesMut::new();
    b.put_u8(tag::READY);
    b.put_bytes(0, 3);
    b.put_u32_le(u32::MAX);
    let err = decode(b.freeze()).unwrap_err();
    assert!(
        matches!(err, ProtocolError::Truncated { what: "header", .. }),
        "{err}"
    );
    // A control message may not carry a payload.
    let ready = encode(&Message::Ready(Ready::up_to(1))).unwrap();
    let mut long = BytesMut::from(&ready[4..]);
    long.put_bytes(0, 8);
    let err = decode(long.freeze()).unwrap_err();
    assert!(matches!(err, ProtocolError::LengthMismatch { .. }), "{err}");
}

#[test]
fn codec_reports_a_stream_cut_mid_frame() {
    let wire = encode(&Message::Ping(Ping {
        nonce: 5,
        sent_us: 6,
    }))
    .unwrap();
    let mut codec = FrameCodec::new(64);
    let mut buf = BytesMut::from(&wire[..wire.len() - 1]);
    assert!(
        codec.decode(&mut buf).unwrap().is_none(),
        "incomplete: read more"
    );
    let err = codec.decode_eof(&mut buf).unwrap_err();
    assert!(
        matches!(err, ProtocolError::Truncated { what: "frame", .. }),
        "{err}"
    );
}

#[test]
fn raising_the_limit_after_the_handshake_admits_large_frames() {
    let ys = vec![0.5f64; 4096];
    let wire = encode(&Message::Data(frame(
        ChannelKind::Line,
        0,
        0,
        vec![part("", 0, None, &ys)],
    )))
    .unwrap();
    let mut codec = FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES);
    let err = codec
        .decode(&mut BytesMut::from(wire.as_ref()))
        .unwrap_err();
    assert!(matches!(err, ProtocolError::FrameTooLarge { .. }), "{err}");
    let mut codec = FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES);
    codec.set_max_frame_bytes(crate::DEFAULT_MAX_FRAME_BYTES);
    assert!(codec
        .decode(&mut BytesMut::from(wire.as_ref()))
        .unwrap()
        .is_some());
}

#[test]
fn oversized_names_are_refused_on_encode() {
    let msg = Message::Hello(Hello {
        version: VERSION,
        token: Some("x".repeat(crate::MAX_TOKEN_BYTES + 1)),
        peer_name: String::new(),
        codecs: 0,
        overview: None,
    });
    assert!(matches!(encode(&msg), Err(ProtocolError::Encode { .. })));
}

/// A smooth heatmap compresses (shuffled bytes), decodes to the same
/// values, and says it was compressed only on the wire.
#[test]
fn compressed_data_round_trips_and_shrinks() {
    let (nx, ny) = (128u32, 96u32);
    let values: Vec<f64> = (0..nx * ny)
        .map(|i| ((i % nx) as f64 * 0.05).sin() + (i / nx) as f64 * 0.01)
        .collect();
    let f = frame(
        ChannelKind::Heatmap,
        nx,
        ny,
        vec![part("", 0, None, &values)],
    );
    let raw = encode(&Message::Data(f.clone())).unwrap();
    let packed = compress_data(&raw)
        .unwrap()
        .expect("a smooth field compresses");
    // Shuffled, the sign, exponent and leading mantissa bytes of a smooth
    // field compress; the low mantissa bytes are noise (0.69 here).
    assert!(
        packed.len() * 100 < raw.len() * 85,
        "{} compressed vs {} raw",
        packed.len(),
        raw.len()
    );
    let mut buf = BytesMut::from(packed.as_ref());
    let body = FrameCodec::new(crate::DEFAULT_MAX_FRAME_BYTES)
        .decode(&mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(decode(body.clone()).unwrap(), Message::Data(f.clone()));
    // On a connection: read when its codec was settled on, refused on one
    // without compression (or with another codec); uncompressed always read.
    assert_eq!(
        decode_on(body.clone(), CODEC_LZ4_SHUFFLE).unwrap(),
        Message::Data(f.clone())
    );
    for negotiated in [CODEC_NONE, 9] {
        let err = decode_on(body.clone(), negotiated).unwrap_err();
        assert!(
            matches!(err, ProtocolError::CodecNotNegotiated { found: CODEC_LZ4_SHUFFLE, negotiated: n } if n == negotiated),
            "{err}"
        );
    }
    assert!(decode_on(body, CODEC_NONE)
        .unwrap_err()
        .to_string()
        .contains("no compression"));
    assert_eq!(
        decode_on(raw.slice(4..), CODEC_LZ4_SHUFFLE).unwrap(),
        Message::Data(f)
    );
    // Noise does not compress: the frame stays as it was.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<f64> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state)
        })
        .collect();
    let f = frame(ChannelKind::Line, 0, 0, vec![part("", 0, None, &noise)]);
    assert!(compress_data(&encode(&Message::Data(f)).unwrap())
        .unwrap()
        .is_none());
    // Control messages are never compressed.
    let ready = encode(&Message::Ready(Ready::up_to(3))).unwrap();
    assert!(compress_data(&ready).unwrap().is_none());
}

/// A compressed frame that claims more than its arrays, more than the
/// limit, or carries bytes that are not LZ4 is a typed error, and nothing
/// large is allocated first.
#[test]
fn hostile_compressed_frames_are_typed_errors() {
    let values = vec![1.0f64; 1000];
    let f = frame(ChannelKind::Line, 0, 0, vec![part("", 0, None, &values)]);
    let packed = compress_data(&encode(&Message::Data(f)).unwrap())
        .unwrap()
        .unwrap();
    let body_of = |wire: &FrameWire, payload: &[u8]| body(tag::DATA, &bincode_bytes(wire), payload);
    let header_len = u32::from_le_bytes(packed[8..12].try_into().unwrap()) as usize;
    let wire: FrameWire = decode_header("data", &packed[12..12 + header_len]).unwrap();
    let payload = &packed[4 + payload_offset(header_len)..];
    // The arrays say 8000 bytes; the header claims a gigabyte.
    let lying = FrameWire {
        raw_len: 1 << 30,
        ..decode_header("data", &packed[12..12 + header_len]).unwrap()
    };
    assert!(matches!(
        decode(body_of(&lying, payload)),
        Err(ProtocolError::LengthMismatch { .. })
    ));
    // Garbage in place of LZ4.
    assert!(decode(body_of(&wire, &[0xff; 40])).is_err());
    // An unknown codec.
    let unknown = FrameWire {
        codec: 9,
        ..decode_header("data", &packed[12..12 + header_len]).unwrap()
    };
    assert!(matches!(
        decode(body_of(&unknown, payload)),
        Err(ProtocolError::UnknownValue { value: 9, .. })
    ));
}

#[test]
fn views_and_reduced_frames_round_trip_and_are_checked() {
    let view = View {
        channel: 3,
        x_px: 57,
        width_px: 400,
        height_px: 300,
        x_range: Some((0.5, 9.5)),
        y_range: None,
        x_log: false,
        y_log: true,
    };
    assert_eq!(round_trip(&Message::View(view)), Message::View(view));
    let lod = Lod {
        source_values: 4096 * 4096,
        grid: Some(GridWindow {
            full_nx: 4096,
            full_ny: 4096,
            x0: 0,
            x1: 4096,
            y0: 1024,
            y1: 2048,
        }),
        replace: false,
        ends: Vec::new(),
    };
    let mut f = frame(
        ChannelKind::Heatmap,
        4,
        2,
        vec![part("", 0, None, &[1.0; 8])],
    );
    f.lod = Some(lod.clone());
    assert_eq!(
        round_trip(&Message::Data(f.clone())),
        Message::Data(f.clone())
    );
    // A grid window outside the full grid, or a replace on a heatmap.
    let mut bad = f.clone();
    bad.lod = Some(Lod {
        grid: Some(GridWindow {
            x1: 5000,
            ..lod.grid.unwrap()
        }),
        ..lod.clone()
    });
    assert!(decode(encode(&Message::Data(bad)).unwrap().slice(4..)).is_err());
    let mut bad = f;
    bad.lod = Some(Lod {
        replace: true,
        ..lod
    });
    assert!(decode(encode(&Message::Data(bad)).unwrap().slice(4..)).is_err());
}

#[test]
fn custom_rules_hold_on_encode_and_decode() {
    let ys = [1.0, 2.0];
    // Two parts with one name: which one would a plot type read?
    let parts = [
        PartRef {
            name: "u",
            first_index: 0,
            x: None,
            y: ArrayRef::F64(&ys),
        },
        PartRef {
            name: "u",
            first_index: 0,
            x: None,
            y: ArrayRef::F64(&ys),
        },
    ];
    let fr = FrameRef {
        channel: 0,
        seq: 1,
        timestamp_us: 0,
        kind: ChannelKind::Custom,
        nx: 2,
        ny: 1,
        range: None,
        parts: &parts,
        lod: None,
    };
    let err = encode_data(&fr, &mut BytesMut::new()).unwrap_err();
    assert!(err.to_string().contains("two parts are named"), "{err}");
    // The same frame from a peer that skipped the check.
    let wire = FrameWire {
        channel: 0,
        seq: 1,
        timestamp_us: 0,
        kind: ChannelKind::Custom as u8,
        nx: 2,
        ny: 1,
        range: None,
        parts: (0..2)
            .map(|_| PartWire {
                name: "u".into(),
                first_index: 0,
                x: None,
                y: ArrayWire { dtype: 0, len: 2 },
            })
            .collect(),
        codec: 0,
        lod: None,
        raw_len: 32,
    };
    let err = decode(body(tag::DATA, &bincode_bytes(&wire), &[0; 32])).unwrap_err();
    assert!(matches!(err, ProtocolError::Invalid { .. }), "{err}");

    // Layouts: a custom channel needs a valid plot type, others none.
    let mut layout = sample_layout();
    layout.channels[5].plot_type = "has space".into();
    assert!(encode(&Message::Layout(layout.clone())).is_err());
    let wire = LayoutWire::from(&layout);
    let err = decode(body(tag::LAYOUT, &bincode_bytes(&wire), &[])).unwrap_err();
    assert!(err.to_string().contains("plot type"), "{err}");
    layout.channels[5].plot_type = "quiver".into();
    layout.channels[0].plot_type = "quiver".into();
    let wire = LayoutWire::from(&layout);
    let err = decode(body(tag::LAYOUT, &bincode_bytes(&wire), &[])).unwrap_err();
    assert!(err.to_string().contains("heatmap"), "{err}");
}

#[test]
fn a_channel_spec_is_kind_plot_type_then_options_in_order() {
    // Documented in PROTOCOL.md (version 3): `plot_type` follows the kind
    // byte, then the options in their order: ..., `link_x`, `value_label`,
    // `extent`, `tile`.
    let mut spec = ChannelSpec::custom(1, "f", "quiver");
    let layout = |spec: ChannelSpec| Layout {
        title: String::new(),
        columns: 0,
        channels: vec![spec],
    };
    let header = bincode_bytes(&LayoutWire::from(&layout(spec.clone())));
    let kind_then_type = b"\x05\x06quiver";
    assert!(
        header
            .windows(kind_then_type.len())
            .any(|w| w == kind_then_type),
        "{header:?}"
    );
    assert!(header.ends_with(b"\x00\x00\x00\x00"), "{header:?}");
    spec.options.link_x = "t".into();
    spec.options.value_label = "K".into();
    let header = bincode_bytes(&LayoutWire::from(&layout(spec)));
    assert!(header.ends_with(b"\x01t\x01K\x00\x00"), "{header:?}");
}

/// `header_len` of a complete frame (length prefix included).
fn header_len_of(wire: &[u8]) -> usize {
    u32::from_le_bytes([wire[8], wire[9], wire[10], wire[11]]) as usize
}

/// `n` line channels named and labelled as a computation would.
fn many_channels(n: u32) -> Layout {
    Layout {
        title: "many".into(),
        columns: 0,
        channels: (0..n)
            .map(|i| {
                let mut spec = ChannelSpec::new(i, format!("channel {i}"), ChannelKind::Line);
                spec.options.x_label = "step".into();
                spec
            })
            .collect(),
    }
}

/// `n` one-value parts of a custom frame, named `a0`, `a1`, ...
fn named_arrays(n: usize) -> Frame {
    let names: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
    let parts = names
        .iter()
        .enumerate()
        .map(|(i, name)| part(name, 0, None, &[i as f64]))
        .collect();
    Frame {
        range: None,
        ..frame(ChannelKind::Custom, 0, 0, parts)
    }
}

/// The header limit counts bytes on the wire. bincode's `with_limit`
/// charged every value at its width in memory (8 for a one-byte varint)
/// and refused these real headers at about a third of the limit.
#[test]
fn headers_of_real_size_decode_20_000_channels_and_40_000_arrays() {
    let layout = Message::Layout(many_channels(20_000));
    let wire = encode(&layout).unwrap();
    let len = header_len_of(&wire);
    assert!(
        len > MAX_HEADER_BYTES / 3 && len <= MAX_HEADER_BYTES,
        "a layout header of {len} bytes"
    );
    assert_eq!(round_trip(&layout), layout);

    let custom = Message::Data(named_arrays(40_000));
    let wire = encode(&custom).unwrap();
    let len = header_len_of(&wire);
    assert!(
        len > MAX_HEADER_BYTES / 3 && len <= MAX_HEADER_BYTES,
        "a custom frame header of {len} bytes"
    );
    assert_eq!(round_trip(&custom), custom);
}

#[test]
fn headers_beyond_the_limit_are_refused_on_both_sides() {
    // A title of T bytes (T ≥ 65 536): count 252 + u32, the title, columns
    // 0, no channels: T + 7 header bytes.
    let titled = |len: usize| {
        Message::Layout(Layout {
            title: "t".repeat(len),
            columns: 0,
            channels: Vec::new(),
        })
    };
    let at_limit = titled(MAX_HEADER_BYTES - 7);
    assert_eq!(header_len_of(&encode(&at_limit).unwrap()), MAX_HEADER_BYTES);
    assert_eq!(round_trip(&at_limit), at_limit);

    let over = titled(MAX_HEADER_BYTES - 6);
    let mut out = BytesMut::from(&b"kept"[..]);
    let err = encode_into(&over, &mut out).unwrap_err();
    assert!(
        matches!(err, ProtocolError::HeaderTooLarge { what: "layout", len, max }
            if len == MAX_HEADER_BYTES as u64 + 1 && max == MAX_HEADER_BYTES as u64),
        "{err}"
    );
    assert_eq!(&out[..], b"kept", "nothing written");
    // The same header from a peer that skipped the check.
    let Message::Layout(layout) = &over else {
        unreachable!()
    };
    let header = bincode_bytes(&LayoutWire::from(layout));
    let err = decode(body(tag::LAYOUT, &header, &[])).unwrap_err();
    assert!(
        matches!(err, ProtocolError::HeaderTooLarge { len, .. } if len == header.len() as u64),
        "{err}"
    );
    // A custom frame whose array names take more than the limit cannot be
    // published.
    let err = encode(&Message::Data(named_arrays(100_000))).unwrap_err();
    assert!(
        matches!(err, ProtocolError::HeaderTooLarge { what: "data", .. }),
        "{err}"
    );
}

/// Counts that claim more elements than the header has bytes left are
/// refused at the count: a string, the layout's channels, a frame's parts
/// and a level of detail's end indices, each claiming up to 2^64 - 1.
#[test]
fn hostile_counts_are_refused_before_anything_is_allocated() {
    let huge = |count: u64| {
        let mut b = vec![0xFD];
        b.extend_from_slice(&count.to_le_bytes());
        b
    };
    for count in [9, 1 << 20, 1 << 40, u64::MAX] {
        // The layout's title.
        let mut header = huge(count);
        header.extend_from_slice(b"title");
        let err = decode(body(tag::LAYOUT, &header, &[])).unwrap_err();
        let reason = err.to_string();
        assert!(
            reason.contains(&format!("claims {count} elements")) && reason.contains("5 bytes"),
            "{reason}"
        );
        // The layout's channels.
        let mut header = bincode_bytes(&("title", 2u16));
        header.extend_from_slice(&huge(count));
        header.extend_from_slice(&[0; 8]);
        let err = decode(body(tag::LAYOUT, &header, &[])).unwrap_err();
        assert!(err.to_string().contains("claims"), "{err}");
        // A data frame's parts.
        let mut header = bincode_bytes(&(0u32, 0u64, 0u64, 0u8, 0u32, 0u32, None::<(f64, f64)>));
        header.extend_from_slice(&huge(count));
        let err = decode(body(tag::DATA, &header, &[])).unwrap_err();
        assert!(err.to_string().contains("claims"), "{err}");
        // A reduced frame's end indices (after no parts and a Some lod).
        let mut header = bincode_bytes(&(0u32, 0u64, 0u64, 1u8, 0u32, 0u32, None::<(f64, f64)>));
        header.extend_from_slice(&bincode_bytes(&(
            Vec::<u8>::new(),
            Some((0u64, None::<GridWindow>, false)),
        )));
        header.extend_from_slice(&huge(count));
        header.extend_from_slice(&[0; 3]);
        let err = decode(body(tag::DATA, &header, &[])).unwrap_err();
        assert!(err.to_string().contains("claims"), "{err}");
    }
}

#[test]
fn a_data_prefix_followed_by_the_values_is_the_whole_frame() {
    let values: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.5 - 3.0).collect();
    // Sequence numbers and times of every varint length, and a name: the
    // header's length (and so its padding) varies.
    for (seq, t, name) in [
        (1u64, 0u64, ""),
        (300, 1 << 40, ""),
        (u64::MAX, u64::MAX, "pressure"),
    ] {
        let parts = [PartRef {
            name,
            first_index: 0,
            x: None,
            y: ArrayRef::F64(&values),
        }];
        let frame = FrameRef {
            nx: 37,
            ny: 1,
            range: Some((-3.0, 15.0)),
            ..FrameRef::new(4, seq, t, ChannelKind::Heatmap, &parts)
        };
        let mut whole = BytesMut::new();
        encode_data(&frame, &mut whole).unwrap();
        let mut prefix = BytesMut::new();
        encode_data_prefix(&frame, &mut prefix).unwrap();
        assert_eq!(prefix.len() % 8, 0, "values start on a multiple of 8");
        for v in &values {
            prefix.put_f64_le(*v);
        }
        assert_eq!(prefix, whole, "seq {seq}, time {t}, name {name:?}");
    }
}

/// Decodes one data frame from its encoding.
fn data_round_trip(frame: &FrameRef<'_>) -> Result<Frame, ProtocolError> {
    let mut out = BytesMut::new();
    encode_data(frame, &mut out)?;
    match decode(out.freeze().slice(LENGTH_PREFIX_BYTES..))? {
        Message::Data(f) => Ok(f),
        other => panic!("decoded a {}", other.name()),
    }
}

#[test]
fn heatmap_codes_of_16_and_8_bits_decode_to_f32_over_the_range() {
    let range = (-1.0, 1.0);
    let u16_codes = [0u16, U16_TOP / 2, U16_TOP, U16_NAN];
    let u8_codes = [0u8, U8_TOP / 2, U8_TOP, U8_NAN];
    for (codes, bits) in [
        (ArrayRef::U16(&u16_codes), 16),
        (ArrayRef::U8(&u8_codes), 8),
    ] {
        let parts = [PartRef {
            name: "",
            first_index: 0,
            x: None,
            y: codes,
        }];
        let frame = FrameRef {
            nx: 2,
            ny: 2,
            range: Some(range),
            ..FrameRef::new(0, 1, 0, ChannelKind::Heatmap, &parts)
        };
        let f = data_round_trip(&frame).unwrap();
        let y = &f.parts[0].y;
        assert_eq!(y.dtype(), DType::F32, "{bits}-bit codes arrive as f32");
        assert_eq!(y.coded_bits(), bits);
        let v: Vec<f64> = y.iter().collect();
        assert_eq!(v[0], -1.0);
        assert!(v[1].abs() < 0.01, "the middle code is about 0: {}", v[1]);
        assert_eq!(v[2], 1.0);
        assert!(v[3].is_nan(), "the NaN code is NaN");
        // Codes as x, or in a line, or without a range: refused.
        let as_x = [PartRef {
            name: "",
            first_index: 0,
            x: Some(codes),
            y: ArrayRef::F64(&[1.0, 2.0, 3.0, 4.0]),
        }];
        let line = FrameRef::new(0, 1, 0, ChannelKind::Line, &as_x);
        assert!(data_round_trip(&line).is_err(), "{bits}-bit x refused");
        let line_y = FrameRef::new(0, 1, 0, ChannelKind::Line, &parts);
        assert!(data_round_trip(&line_y).is_err(), "{bits}-bit line refused");
        let no_range = FrameRef {
            range: None,
            ..frame
        };
        assert!(
            data_round_trip(&no_range).is_err(),
            "{bits}-bit without range refused"
        );
    }
}

#[test]
fn an_aligned_frame_is_the_same_frame_with_its_values_aligned_as_their_source() {
    let ys: Vec<f64> = (0..600).map(|i| f64::from(i) * 0.5).collect();
    let xs: Vec<f64> = (0..590).map(f64::from).collect();
    for skip in 0..8 {
        for with_x in [false, true] {
            let y = &ys[skip..skip + 590];
            let parts = [PartRef {
                name: "trace",
                first_index: 0,
                x: with_x.then_some(ArrayRef::F64(&xs)),
                y: ArrayRef::F64(y),
            }];
            let frame = FrameRef::new(3, 1000 + skip as u64, 77, ChannelKind::Line, &parts);
            let mut plain = BytesMut::new();
            encode_data(&frame, &mut plain).unwrap();
            for held in [0usize, 5] {
                let mut out = BytesMut::new();
                out.put_bytes(0xAB, held);
                let lead = encode_data_aligned(&frame, &mut out).unwrap();
                assert!(lead < 64, "lead {lead}");
                assert!(out[..held].iter().all(|&b| b == 0xAB));
                let ours = out.freeze().slice(held + lead..);
                assert_eq!(ours, plain.as_ref(), "skip {skip} x {with_x} held {held}");
                let Message::Data(f) = decode(ours.slice(4..)).unwrap() else {
                    panic!("not a data frame")
                };
                let first = f.parts[0].x.as_ref().unwrap_or(&f.parts[0].y);
                let source = if with_x { xs.as_ptr() } else { y.as_ptr() } as usize;
                assert_eq!(
                    (first.le_bytes().as_ptr() as usize).wrapping_sub(source) % 64,
                    0,
                    "skip {skip} x {with_x} held {held}"
                );
            }
        }
    }
}
