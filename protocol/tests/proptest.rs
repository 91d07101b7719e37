//! Property tests: random messages round-trip; random bytes never panic the
//! decoder (they decode or give a typed error).

#![allow(clippy::unwrap_used, missing_docs)]

use bytes::{Bytes, BytesMut};
use plotcast_protocol::{
    decode, encode, Array, BatchEnd, ChannelKind, ChannelOptions, ChannelSpec, Frame, FrameCodec,
    Goodbye, GoodbyeCode, GridCell, Hello, Layout, Message, Part, Ping, Pong, Ready, Reject,
    RejectCode, Scale, Welcome, DEFAULT_MAX_FRAME_BYTES, HANDSHAKE_MAX_FRAME_BYTES, VERSION,
};
use proptest::prelude::*;
use tokio_util::codec::Decoder;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Zµ0-9 _.-]{0,16}"
}

fn range() -> impl Strategy<Value = Option<(f64, f64)>> {
    prop::option::of((-1e9f64..1e9, -1e9f64..1e9))
}

fn spec() -> impl Strategy<Value = ChannelSpec> {
    (
        any::<u32>(),
        name(),
        prop::sample::select(ChannelKind::ALL.to_vec()),
        (name(), name(), name()),
        (any::<bool>(), any::<bool>()),
        (range(), range()),
        prop::option::of((0u16..8, 0u16..8, 1u16..3, 1u16..3)),
        name(),
        any::<u32>(),
        "[a-zA-Z0-9_.:-]{1,64}",
        (name(), name()),
        prop::option::of(prop::array::uniform4(-1e9f64..1e9)),
    )
        .prop_map(
            |(
                id,
                n,
                kind,
                (title, xl, yl),
                (xs, ys),
                (xr, yr),
                cell,
                cmap,
                hist,
                plot,
                (link, value_label),
                extent,
            )| {
                let scale = |log| if log { Scale::Log } else { Scale::Linear };
                let options = ChannelOptions {
                    title,
                    x_label: xl,
                    y_label: yl,
                    x_scale: scale(xs),
                    y_scale: scale(ys),
                    x_range: xr,
                    y_range: yr,
                    cell: cell.map(|(row, col, rows, cols)| GridCell {
                        row,
                        col,
                        rows,
                        cols,
                    }),
                    colormap: cmap,
                    history_points: hist,
                    link_x: link,
                    value_label,
                    extent,
                    tile: extent.map(|e| [e[0] as u32, e[1] as u32, 7, 9]),
                };
                ChannelSpec {
                    id,
                    name: n,
                    kind,
                    // Only custom channels name a plot type.
                    plot_type: if kind == ChannelKind::Custom {
                        plot
                    } else {
                        String::new()
                    },
                    options,
                }
            },
        )
}

fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        any::<f64>().prop_filter("NaN breaks equality", |v| !v.is_nan()),
        n,
    )
}

fn part(kind: ChannelKind) -> impl Strategy<Value = Part> {
    (0usize..40, name(), any::<u64>(), any::<bool>()).prop_flat_map(
        move |(n, nm, first, with_x)| {
            let x_len = match kind {
                ChannelKind::Scatter | ChannelKind::Series => Some(n),
                ChannelKind::Line => with_x.then_some(n),
                ChannelKind::Bars => with_x.then_some(n + 1),
                ChannelKind::Heatmap | ChannelKind::Custom => None,
            };
            (values(n), values(x_len.unwrap_or(0))).prop_map(move |(y, x)| Part {
                name: nm.clone(),
                first_index: first,
                x: x_len.map(|_| Array::from_f64(&x)),
                y: Array::from_f64(&y),
            })
        },
    )
}

fn data_frame() -> impl Strategy<Value = Frame> {
    prop::sample::select(ChannelKind::ALL.to_vec()).prop_flat_map(|kind| {
        let parts = if kind == ChannelKind::Heatmap {
            (1u32..8, 1u32..8)
                .prop_flat_map(|(nx, ny)| {
                    values((nx * ny) as usize).prop_map(move |v| {
                        (
                            nx,
                            ny,
                            vec![Part {
                                name: String::new(),
                                first_index: 0,
                                x: None,
                                y: Array::from_f64(&v),
                            }],
                        )
                    })
                })
                .boxed()
        } else if kind == ChannelKind::Custom {
            // Named arrays of any length with distinct names, any grid.
            (0u32..9, 0u32..9, prop::collection::vec(part(kind), 0..4))
                .prop_map(|(nx, ny, mut parts)| {
                    for (i, p) in parts.iter_mut().enumerate() {
                        p.name = format!("{i}{}", p.name);
                    }
                    (nx, ny, parts)
                })
                .boxed()
        } else {
            prop::collection::vec(part(kind), 0..4)
                .prop_map(|p| (0, 0, p))
                .boxed()
        };
        (any::<u32>(), any::<u64>(), any::<u64>(), range(), parts).prop_map(
            move |(channel, seq, timestamp_us, range, (nx, ny, parts))| Frame {
                channel,
                seq,
                timestamp_us,
                kind,
                nx,
                ny,
                range,
                parts,
                lod: None,
            },
        )
    })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (prop::option::of("[ -~]{0,64}"), name()).prop_map(|(token, peer_name)| {
            Message::Hello(Hello {
                version: VERSION,
                token,
                peer_name,
                codecs: 0,
                overview: None,
            })
        }),
        (name(), any::<u64>(), any::<u32>(), any::<u32>()).prop_map(|(n, s, i, t)| {
            Message::Welcome(Welcome {
                version: VERSION,
                server_name: n,
                session_id: s,
                heartbeat_interval_ms: i,
                heartbeat_timeout_ms: t,
                codec: 0,
            })
        }),
        (
            prop::sample::select(vec![
                RejectCode::BadToken,
                RejectCode::Version,
                RejectCode::Full,
                RejectCode::BadHandshake,
                RejectCode::Other
            ]),
            name(),
            any::<u16>()
        )
            .prop_map(|(code, reason, server_version)| Message::Reject(Reject {
                code,
                reason,
                server_version
            })),
        (name(), any::<u16>(), prop::collection::vec(spec(), 0..6)).prop_map(
            |(title, columns, channels)| Message::Layout(Layout {
                title,
                columns,
                channels
            })
        ),
        data_frame().prop_map(Message::Data),
        (any::<u64>(), any::<u64>(), any::<u32>(), any::<u64>()).prop_map(|(b, t, f, s)| {
            Message::BatchEnd(BatchEnd {
                batch: b,
                server_time_us: t,
                frames: f,
                skipped: s,
            })
        }),
        (any::<u64>(), any::<u32>())
            .prop_map(|(batch, interval_us)| Message::Ready(Ready { batch, interval_us })),
        (any::<u64>(), any::<u64>())
            .prop_map(|(nonce, sent_us)| Message::Ping(Ping { nonce, sent_us })),
        any::<[u64; 4]>().prop_map(|[nonce, ping_sent_us, received_us, sent_us]| Message::Pong(
            Pong {
                nonce,
                ping_sent_us,
                received_us,
                sent_us
            }
        )),
        (
            prop::sample::select(vec![
                GoodbyeCode::Normal,
                GoodbyeCode::ComputationEnded,
                GoodbyeCode::ProtocolError,
                GoodbyeCode::Timeout,
                GoodbyeCode::Other
            ]),
            name()
        )
            .prop_map(|(code, reason)| Message::Goodbye(Goodbye { code, reason })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_messages_round_trip(msg in message()) {
        let wire = encode(&msg).unwrap();
        let mut codec = FrameCodec::new(DEFAULT_MAX_FRAME_BYTES);
        let mut buf = BytesMut::from(wire.as_ref());
        let body = codec.decode(&mut buf).unwrap().unwrap();
        prop_assert!(buf.is_empty());
        prop_assert_eq!(decode(body).unwrap(), msg);
    }

    #[test]
    fn several_messages_split_anywhere_decode_in_order(
        msgs in prop::collection::vec(message(), 1..5),
        chunk in 1usize..64,
    ) {
        let mut stream = Vec::new();
        for m in &msgs {
            stream.extend_from_slice(&encode(m).unwrap());
        }
        let mut codec = FrameCodec::new(DEFAULT_MAX_FRAME_BYTES);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Some(body) = codec.decode(&mut buf).unwrap() {
                got.push(decode(body).unwrap());
            }
        }
        prop_assert!(codec.decode_eof(&mut buf).unwrap().is_none());
        prop_assert_eq!(got, msgs);
    }

    #[test]
    fn random_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(Bytes::from(bytes));
    }

    #[test]
    fn random_bodies_with_a_valid_prefix_never_panic(
        msg_tag in prop::sample::select(vec![0x01u8, 0x02, 0x03, 0x10, 0x11, 0x12, 0x20, 0x30, 0x31, 0x3F]),
        header in prop::collection::vec(any::<u8>(), 0..256),
        payload in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut b = vec![msg_tag, 0, 0, 0];
        b.extend_from_slice(&(header.len() as u32).to_le_bytes());
        b.extend_from_slice(&header);
        b.resize((12 + header.len()).div_ceil(8) * 8 - 4, 0);
        b.extend_from_slice(&payload);
        let _ = decode(Bytes::from(b));
    }

    #[test]
    fn random_streams_never_panic_the_codec(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let mut codec = FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES);
        let mut buf = BytesMut::from(bytes.as_slice());
        while let Ok(Some(body)) = codec.decode(&mut buf) {
            let _ = decode(body);
        }
        prop_assert!(buf.capacity() <= 1024 + HANDSHAKE_MAX_FRAME_BYTES + 64);
    }

    #[test]
    fn mutated_valid_frames_never_panic(msg in message(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let wire = encode(&msg).unwrap();
        let mut body = wire[4..].to_vec();
        if body.is_empty() { return Ok(()); }
        for (i, v) in flips {
            let at = i.index(body.len());
            body[at] = v;
        }
        let _ = decode(Bytes::from(body));
    }

    /// A layout whose title or channel count claims more elements than
    /// the header has bytes left is refused at the count (so before
    /// anything is allocated), whatever the count and the bytes after it.
    #[test]
    fn counts_beyond_the_bytes_left_are_refused(
        title in name(),
        columns in any::<u16>(),
        in_title in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..64),
        excess in 1u64..=u64::MAX,
    ) {
        let layout = Message::Layout(Layout { title, columns, channels: Vec::new() });
        let wire = encode(&layout).unwrap();
        let header_len = u32::from_le_bytes([wire[8], wire[9], wire[10], wire[11]]) as usize;
        // The header ends with the channel count (0): replace it, or the
        // whole header, with a count beyond the tail.
        let mut header = if in_title { Vec::new() } else { wire[12..12 + header_len - 1].to_vec() };
        let count = (tail.len() as u64).saturating_add(excess);
        header.push(0xFD);
        header.extend_from_slice(&count.to_le_bytes());
        header.extend_from_slice(&tail);
        let mut body = vec![0x10u8, 0, 0, 0];
        body.extend_from_slice(&(header.len() as u32).to_le_bytes());
        body.extend_from_slice(&header);
        body.resize((12 + header.len()).div_ceil(8) * 8 - 4, 0);
        let err = decode(Bytes::from(body)).unwrap_err();
        let reason = err.to_string();
        let expected = format!("claims {count} elements, but only {} bytes", tail.len());
        prop_assert!(reason.contains(&expected), "{}", reason);
    }
}
