//! The valid cases of the suite: every message kind and every frame kind,
//! each with a sentence saying what it shows. The generator writes them
//! to `protocol/conformance/valid/`; the tests check the files against
//! this list and against themselves.

use bytes::Bytes;
use plotcast_protocol::relay::{ProcessInfo, RELAY_VERSION};
use plotcast_protocol::{
    custom, Ack, Array, BatchEnd, ChannelKind, ChannelOptions, ChannelSpec, DType, Frame, Goodbye,
    GoodbyeCode, GridCell, GridWindow, Hello, Layout, Lod, Message, Overview, Part, Ping, Pong,
    Ready, Reject, RejectCode, Scale, View, Welcome, CODECS_LZ4_SHUFFLE, CODEC_LZ4_SHUFFLE,
    CODEC_NONE, VERSION,
};

use super::describe::Item;
use super::wire::{self, Bincode};

/// 2026-01-01T00:00:00Z in µs since the Unix epoch: the time fields'
/// base, so the files read as plausible times.
pub const T0: u64 = 1_767_225_600_000_000;

/// How an implementation checks itself against a valid file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Encoding the description gives exactly these bytes.
    Exact,
    /// A compressed Data frame: the LZ4 block is one of many valid ones
    /// (these bytes are the reference encoder's), so another encoder
    /// checks that its frame decodes to the description instead.
    Compressed,
    /// A form receivers accept and encoders never write (a long varint,
    /// non-zero reserved bytes, an unknown code): decode only.
    DecodeOnly,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Exact => "exact",
            Encoding::Compressed => "compressed",
            Encoding::DecodeOnly => "decode-only",
        }
    }
}

/// One valid file.
pub struct Valid {
    pub name: &'static str,
    pub what: &'static str,
    /// What decoding the file gives.
    pub item: Item,
    pub encoding: Encoding,
    /// The bytes of a decode-only case, written by hand.
    pub bytes: Option<Vec<u8>>,
}

fn case(name: &'static str, what: &'static str, message: Message) -> Valid {
    Valid {
        name,
        what,
        item: Item::Message(message),
        encoding: Encoding::Exact,
        bytes: None,
    }
}

fn compressed(name: &'static str, what: &'static str, frame: Frame) -> Valid {
    Valid {
        encoding: Encoding::Compressed,
        ..case(name, what, Message::Data(frame))
    }
}

fn decode_only(name: &'static str, what: &'static str, message: Message, bytes: Vec<u8>) -> Valid {
    Valid {
        encoding: Encoding::DecodeOnly,
        bytes: Some(bytes),
        ..case(name, what, message)
    }
}

fn f64s(values: &[f64]) -> Array {
    Array::from_f64(values)
}

fn f32s(values: &[f32]) -> Array {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    Array::from_le_bytes(DType::F32, Bytes::from(bytes)).expect("whole f32 elements")
}

fn u8s(codes: &[u8]) -> Array {
    Array::from_le_bytes(DType::U8, Bytes::copy_from_slice(codes)).expect("whole u8 elements")
}

fn u16s(codes: &[u16]) -> Array {
    Array::from_le_bytes(DType::U16, Bytes::from(wire::u16s(codes))).expect("whole u16 elements")
}

fn part(name: &str, first_index: u64, x: Option<Array>, y: Array) -> Part {
    Part {
        name: name.into(),
        first_index,
        x,
        y,
    }
}

fn data(channel: u32, seq: u64, kind: ChannelKind, parts: Vec<Part>) -> Frame {
    Frame::new(channel, seq, T0 + seq * 1000, kind, parts)
}

fn grid(channel: u32, nx: u32, ny: u32, range: Option<(f64, f64)>, y: Array) -> Frame {
    Frame {
        nx,
        ny,
        range,
        ..data(channel, 1, ChannelKind::Heatmap, vec![part("", 0, None, y)])
    }
}

fn lod(source_values: u64, grid: Option<GridWindow>, replace: bool, ends: Vec<u64>) -> Option<Lod> {
    Some(Lod {
        source_values,
        grid,
        replace,
        ends,
    })
}

/// The layout of a figure with one channel of every kind, every option
/// set on one of them.
fn every_kind() -> Layout {
    let line = ChannelSpec::with_options(
        0,
        "profile",
        ChannelKind::Line,
        ChannelOptions {
            title: "Temperature profile".into(),
            x_label: "x (m)".into(),
            y_label: "T (µK)".into(),
            x_range: Some((0.0, 10.0)),
            link_x: "space".into(),
            ..ChannelOptions::default()
        },
    );
    let scatter = ChannelSpec::with_options(
        1,
        "walkers",
        ChannelKind::Scatter,
        ChannelOptions {
            y_scale: Scale::Log,
            y_range: Some((1e-3, 1e3)),
            cell: Some(GridCell {
                row: 1,
                col: 0,
                rows: 1,
                cols: 2,
            }),
            ..ChannelOptions::default()
        },
    );
    let heatmap = ChannelSpec::with_options(
        2,
        "field",
        ChannelKind::Heatmap,
        ChannelOptions {
            colormap: "inferno_r".into(),
            y_range: Some((-1.0, 1.0)),
            value_label: "T (K)".into(),
            extent: Some([-0.5, 0.5, 0.0, 2.0]),
            tile: Some([256, 0, 1024, 512]),
            ..ChannelOptions::default()
        },
    );
    let bars = ChannelSpec::with_options(
        3,
        "histogram",
        ChannelKind::Bars,
        ChannelOptions {
            x_scale: Scale::Log,
            ..ChannelOptions::default()
        },
    );
    let series = ChannelSpec::with_options(
        4,
        "loss",
        ChannelKind::Series,
        ChannelOptions {
            history_points: 5000,
            link_x: "space".into(),
            ..ChannelOptions::default()
        },
    );
    let quiver = ChannelSpec::custom(5, "flow", custom::QUIVER);
    Layout {
        title: "heat équation".into(),
        columns: 2,
        channels: vec![line, scatter, heatmap, bars, series, quiver],
    }
}

/// Smooth values, which compress well once shuffled.
fn wave(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i as f64 * 0.05).sin()).collect()
}

fn handshake() -> Vec<Valid> {
    vec![
        case(
            "hello",
            "Hello with an access token, offering LZ4 (codecs bit 0)",
            Message::Hello(Hello {
                version: VERSION,
                token: Some("s3cret".into()),
                peer_name: "plotcast-viewer@lab7".into(),
                codecs: CODECS_LZ4_SHUFFLE,
                overview: None,
            }),
        ),
        case(
            "hello_overview",
            "Hello asking for the first picture at once: batch 1 granted, reduced for a 1280 × 720 canvas (Option tag 1, two varints)",
            Message::Hello(Hello {
                version: VERSION,
                token: None,
                peer_name: "viewer".into(),
                codecs: CODECS_LZ4_SHUFFLE,
                overview: Some(Overview {
                    width_px: 1280,
                    height_px: 720,
                }),
            }),
        ),
        case(
            "hello_no_token",
            "Hello without a token (Option tag 0), offering no codec",
            Message::Hello(Hello {
                version: VERSION,
                token: None,
                peer_name: "viewer".into(),
                codecs: 0,
                overview: None,
            }),
        ),
        case(
            "welcome",
            "Welcome naming LZ4 for this connection's Data frames",
            Message::Welcome(Welcome {
                version: VERSION,
                server_name: "heat".into(),
                session_id: 0x1234_5678_9abc_def0,
                heartbeat_interval_ms: 2000,
                heartbeat_timeout_ms: 6000,
                codec: CODEC_LZ4_SHUFFLE,
            }),
        ),
        case(
            "welcome_heartbeat_0",
            "Welcome with heartbeat_timeout_ms 0 (the viewer keeps its own timeout) and no codec",
            Message::Welcome(Welcome {
                version: VERSION,
                server_name: String::new(),
                session_id: 1,
                heartbeat_interval_ms: 2000,
                heartbeat_timeout_ms: 0,
                codec: CODEC_NONE,
            }),
        ),
        case(
            "reject_version",
            "Reject code 2 naming both versions; server_version is a varint (the whole Reject is bincode)",
            Message::Reject(Reject {
                code: RejectCode::Version,
                reason: "protocol version mismatch: the viewer speaks version 3, this server speaks version 4".into(),
                server_version: VERSION,
            }),
        ),
        decode_only(
            "reject_unknown_code",
            "Reject code 9, which this version does not define: it reads as 255 (other)",
            Message::Reject(Reject {
                code: RejectCode::Other,
                reason: "busy".into(),
                server_version: VERSION,
            }),
            wire::frame(
                0x03,
                Bincode::new().u8(9).string("busy").var(4).bytes(),
                &[],
            ),
        ),
    ]
}

fn control() -> Vec<Valid> {
    let ping = Ping {
        nonce: 5,
        sent_us: T0,
    };
    vec![
        case(
            "ready",
            "Ready: batches up to 7 may come, at least 13 333 µs apart",
            Message::Ready(Ready {
                batch: 7,
                interval_us: 13_333,
            }),
        ),
        case(
            "ready_u64_max",
            "Ready for batch u64::MAX (the 0xFD varint form); a server cuts the grant to 16 beyond what it sent",
            Message::Ready(Ready::up_to(u64::MAX)),
        ),
        case(
            "ack",
            "Ack: 300 000 bytes of the server's stream received (a u32 varint, 0xFC)",
            Message::Ack(Ack {
                received_bytes: 300_000,
            }),
        ),
        case(
            "view",
            "View of a plot whose area starts left of the window (x_px −40, a zigzag varint), log x, autoscaled y",
            Message::View(View {
                channel: 2,
                x_px: -40,
                width_px: 640,
                height_px: 480,
                x_range: Some((0.5, 100.0)),
                y_range: None,
                x_log: true,
                y_log: false,
            }),
        ),
        case(
            "view_full",
            "View with width_px 0: full data for channel 3",
            Message::View(View::full(3)),
        ),
        case(
            "view_extremes",
            "View with x_px i32::MIN and width_px u32::MAX and height_px 0 (full data: a height of 0 asks for no reduction)",
            Message::View(View {
                channel: u32::MAX,
                x_px: i32::MIN,
                width_px: u32::MAX,
                height_px: 0,
                x_range: Some((-1e300, 1e300)),
                y_range: Some((0.0, 1.0)),
                x_log: false,
                y_log: true,
            }),
        ),
        case("ping", "Ping", Message::Ping(ping)),
        case(
            "pong",
            "Pong answering the ping above: held 250 µs by the answering side",
            Message::Pong(Pong::answer(&ping, T0 + 1_000, T0 + 1_250)),
        ),
        case(
            "batch_end",
            "BatchEnd of batch 12: 3 Data frames, 40 values skipped since the previous batch",
            Message::BatchEnd(BatchEnd {
                batch: 12,
                server_time_us: T0 + 5_000,
                frames: 3,
                skipped: 40,
            }),
        ),
        case(
            "goodbye",
            "Goodbye code 1: the computation finished",
            Message::Goodbye(Goodbye {
                code: GoodbyeCode::ComputationEnded,
                reason: "computation finished".into(),
            }),
        ),
        case(
            "goodbye_interrupted",
            "Goodbye code 4: interrupted",
            Message::Goodbye(Goodbye {
                code: GoodbyeCode::Interrupted,
                reason: "interrupted: SIGINT".into(),
            }),
        ),
        decode_only(
            "goodbye_unknown_code",
            "Goodbye code 77, which this version does not define: it reads as 255 (other)",
            Message::Goodbye(Goodbye {
                code: GoodbyeCode::Other,
                reason: "bye".into(),
            }),
            wire::frame(0x3F, Bincode::new().u8(77).string("bye").bytes(), &[]),
        ),
        decode_only(
            "ping_long_varints",
            "Ping whose nonce 5 is written 0xFB 05 00 and sent_us in the 0xFD form: longer varint forms that fit the field are accepted",
            Message::Ping(ping),
            wire::frame(
                0x30,
                Bincode::new()
                    .u8(0xFB)
                    .raw(&5u16.to_le_bytes())
                    .u8(0xFD)
                    .raw(&T0.to_le_bytes())
                    .bytes(),
                &[],
            ),
        ),
        decode_only(
            "ping_reserved_and_pad_bytes",
            "Ping with reserved bytes FF FF FF and pad bytes AA: receivers ignore both",
            Message::Ping(ping),
            wire::frame_with(
                0x30,
                [0xFF; 3],
                Bincode::new().var(5).var(T0).bytes(),
                0xAA,
                &[],
            ),
        ),
    ]
}

fn layouts() -> Vec<Valid> {
    vec![
        case(
            "layout_empty",
            "Layout of a figure with no channels yet; columns 0 leaves the grid to the viewer",
            Message::Layout(Layout::default()),
        ),
        case(
            "layout_every_kind",
            "Layout with one channel of each kind (line, scatter, heatmap, bars, series, custom quiver) and every option used",
            Message::Layout(every_kind()),
        ),
    ]
}

fn snapshots() -> Vec<Valid> {
    let special = [
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        f64::MAX,
    ];
    vec![
        case(
            "data_line",
            "Line, one unnamed part, no x (the index is x)",
            Message::Data(data(
                0,
                1,
                ChannelKind::Line,
                vec![part("", 0, None, f64s(&[0.0, 1.0, 4.0, 9.0, 16.0]))],
            )),
        ),
        case(
            "data_line_special_values",
            "Line whose values are −0, NaN, ±infinity, the smallest subnormal and the largest f64: the payload carries them bit for bit",
            Message::Data(data(
                0,
                2,
                ChannelKind::Line,
                vec![part("", 0, None, f64s(&special))],
            )),
        ),
        case(
            "data_line_named_parts",
            "Line with two named parts (legend entries), x in f64 and y in f32",
            Message::Data(data(
                0,
                3,
                ChannelKind::Line,
                vec![
                    part(
                        "measured",
                        0,
                        Some(f64s(&[0.0, 0.5, 1.0])),
                        f32s(&[1.0, 0.5, 0.25]),
                    ),
                    part(
                        "model",
                        0,
                        Some(f64s(&[0.0, 1.0])),
                        f32s(&[1.0, 0.375]),
                    ),
                ],
            )),
        ),
        case(
            "data_line_no_parts",
            "Line with no parts: an empty plot",
            Message::Data(data(0, 4, ChannelKind::Line, vec![])),
        ),
        case(
            "data_scatter",
            "Scatter: x required, as long as y",
            Message::Data(data(
                1,
                1,
                ChannelKind::Scatter,
                vec![part(
                    "walkers",
                    0,
                    Some(f64s(&[0.1, 0.7, -0.3])),
                    f64s(&[2.0, 30.0, 0.5]),
                )],
            )),
        ),
        case(
            "data_heatmap",
            "Heatmap 4 × 3 in f64, row-major with row 0 first, no range (autoscale)",
            Message::Data(grid(
                2,
                4,
                3,
                None,
                f64s(&(0..12).map(f64::from).collect::<Vec<_>>()),
            )),
        ),
        case(
            "data_heatmap_f32_range",
            "Heatmap 3 × 2 in f32 with its value range (−1, 1)",
            Message::Data(grid(
                2,
                3,
                2,
                Some((-1.0, 1.0)),
                f32s(&[-1.0, -0.5, 0.0, 0.25, 0.5, 1.0]),
            )),
        ),
        case(
            "data_bars_edges",
            "Bars with n + 1 edges for n heights",
            Message::Data(data(
                3,
                1,
                ChannelKind::Bars,
                vec![part(
                    "",
                    0,
                    Some(f64s(&[0.0, 1.0, 2.0, 4.0])),
                    f64s(&[5.0, 3.0, 1.0]),
                )],
            )),
        ),
        case(
            "data_bars_centres",
            "Bars with n centres for n heights",
            Message::Data(data(
                3,
                2,
                ChannelKind::Bars,
                vec![part(
                    "",
                    0,
                    Some(f64s(&[0.5, 1.5, 3.0])),
                    f64s(&[5.0, 3.0, 1.0]),
                )],
            )),
        ),
        case(
            "data_bars_heights",
            "Bars with heights only (bar i centred on i)",
            Message::Data(data(
                3,
                3,
                ChannelKind::Bars,
                vec![part("", 0, None, f64s(&[2.0, 7.0]))],
            )),
        ),
    ]
}

fn series() -> Vec<Valid> {
    vec![
        case(
            "data_series_append",
            "Series append: two named series, each part's first_index the index of its first point since the series was created; seq counts every point pushed",
            Message::Data(data(
                4,
                153,
                ChannelKind::Series,
                vec![
                    part(
                        "train",
                        100,
                        Some(f64s(&[10.0, 10.1, 10.2])),
                        f64s(&[0.9, 0.85, 0.8]),
                    ),
                    part("test", 50, Some(f64s(&[10.2])), f64s(&[0.95])),
                ],
            )),
        ),
        case(
            "data_series_replace",
            "Series reduced to a view: replace set, first_index the window's first raw point, ends[k] one past the last raw point part k covers (5000 and 2500 raw points, 4 sent each)",
            Message::Data(Frame {
                lod: lod(15_000, None, true, vec![6000, 2600]),
                ..data(
                    4,
                    8600,
                    ChannelKind::Series,
                    vec![
                        part(
                            "train",
                            1000,
                            Some(f64s(&[100.0, 120.5, 180.0, 599.9])),
                            f64s(&[0.9, 0.1, 0.7, 0.2]),
                        ),
                        part(
                            "test",
                            100,
                            Some(f64s(&[100.0, 300.0, 400.0, 599.9])),
                            f64s(&[0.95, 0.4, 0.6, 0.3]),
                        ),
                    ],
                )
            }),
        ),
        case(
            "data_series_replace_raw",
            "Series replace without reduction (the view changed, the window is small): every raw point of the window, source_values equal to the values sent",
            Message::Data(Frame {
                lod: lod(6, None, true, vec![23]),
                ..data(
                    4,
                    23,
                    ChannelKind::Series,
                    vec![part(
                        "",
                        20,
                        Some(f64s(&[20.0, 21.0, 22.0])),
                        f64s(&[1.0, 2.0, 3.0]),
                    )],
                )
            }),
        ),
    ]
}

fn customs() -> Vec<Valid> {
    vec![
        case(
            "data_custom_quiver",
            "Custom channel (plot type quiver): named arrays u and v of nx × ny values, no x",
            Message::Data(Frame {
                nx: 3,
                ny: 2,
                ..data(
                    5,
                    1,
                    ChannelKind::Custom,
                    vec![
                        part("u", 0, None, f64s(&[1.0, 0.0, -1.0, 1.0, 0.0, -1.0])),
                        part("v", 0, None, f64s(&[0.0, 1.0, 0.0, 0.0, -1.0, 0.0])),
                    ],
                )
            }),
        ),
        case(
            "data_custom_image_f32",
            "Custom channel (plot type image): one array rgb of 3 × nx × ny f32 values",
            Message::Data(Frame {
                nx: 2,
                ny: 1,
                ..data(
                    5,
                    2,
                    ChannelKind::Custom,
                    vec![part("rgb", 0, None, f32s(&[1.0, 0.0, 0.0, 0.0, 0.5, 1.0]))],
                )
            }),
        ),
        case(
            "data_custom_no_grid",
            "Custom channel without a grid (nx = ny = 0), arrays of any length and either float dtype, and a range for the plot type to read",
            Message::Data(Frame {
                range: Some((0.0, 10.0)),
                ..data(
                    5,
                    3,
                    ChannelKind::Custom,
                    vec![
                        part("spectrum", 0, None, f64s(&[0.5, 2.0, 8.0, 2.0, 0.5])),
                        part("peaks", 0, None, f32s(&[2.0])),
                        part("empty", 0, None, f64s(&[])),
                    ],
                )
            }),
        ),
        case(
            "data_custom_first_index",
            "Custom part with first_index 7: senders write 0, receivers ignore the value (not an error)",
            Message::Data(data(
                5,
                4,
                ChannelKind::Custom,
                vec![part("a", 7, None, f64s(&[1.0]))],
            )),
        ),
    ]
}

fn reduced() -> Vec<Valid> {
    let window = GridWindow {
        full_nx: 1000,
        full_ny: 800,
        x0: 100,
        x1: 500,
        y0: 0,
        y1: 800,
    };
    let codes: Vec<u16> = (0..16 * 16)
        .map(|i| ((i % 16) * 1000 + (i / 16) * 500) as u16)
        .collect();
    vec![
        case(
            "data_line_reduced",
            "Line reduced to a view: x always present, lod.source_values the values the frame stands for, ends empty (only series replace frames carry ends)",
            Message::Data(Frame {
                lod: lod(20_000, None, false, vec![]),
                ..data(
                    0,
                    9,
                    ChannelKind::Line,
                    vec![part(
                        "",
                        0,
                        Some(f64s(&[0.0, 3.0, 7.0, 9.0, 10.0, 12.0, 17.0, 19.0])),
                        f64s(&[0.0, -1.0, 1.0, 0.5, 0.4, -0.9, 0.95, 0.1]),
                    )],
                )
            }),
        ),
        case(
            "data_scatter_reduced",
            "Scatter reduced to a view: one point per pixel plus each axis's extremes",
            Message::Data(Frame {
                lod: lod(2_000_000, None, false, vec![]),
                ..data(
                    1,
                    2,
                    ChannelKind::Scatter,
                    vec![part(
                        "",
                        0,
                        Some(f64s(&[-5.0, 0.0, 5.0])),
                        f64s(&[0.0, 3.0, -2.0]),
                    )],
                )
            }),
        ),
        case(
            "data_heatmap_reduced",
            "Heatmap reduced: its 4 × 8 f32 grid stands for columns 100..500 and rows 0..800 of a 1000 × 800 grid; range the full data's colour range",
            Message::Data(Frame {
                lod: lod(800_000, Some(window), false, vec![]),
                ..grid(
                    2,
                    4,
                    8,
                    Some((-2.0, 2.0)),
                    f32s(&(0..32).map(|i| i as f32 / 8.0 - 2.0).collect::<Vec<_>>()),
                )
            }),
        ),
        case(
            "data_heatmap_reduced_u16",
            "Heatmap reduced as u16 codes over range (−1, 1): code q is lo + q·(hi − lo)/65534, 65535 is NaN; uncompressed (codec 0) even so",
            Message::Data(Frame {
                lod: lod(
                    40,
                    Some(GridWindow {
                        full_nx: 8,
                        full_ny: 5,
                        x0: 0,
                        x1: 8,
                        y0: 0,
                        y1: 5,
                    }),
                    false,
                    vec![],
                ),
                ..grid(
                    2,
                    3,
                    2,
                    Some((-1.0, 1.0)),
                    u16s(&[0, 16_383, 32_767, 49_151, 65_534, 65_535]),
                )
            }),
        ),
        case(
            "data_heatmap_reduced_u8",
            "Heatmap reduced as u8 codes over range (−1, 1), for a viewer whose Hello.codecs has bit 1: code q is lo + q·(hi − lo)/254, 255 is NaN",
            Message::Data(Frame {
                lod: lod(
                    40,
                    Some(GridWindow {
                        full_nx: 8,
                        full_ny: 5,
                        x0: 0,
                        x1: 8,
                        y0: 0,
                        y1: 5,
                    }),
                    false,
                    vec![],
                ),
                ..grid(2, 3, 2, Some((-1.0, 1.0)), u8s(&[0, 63, 127, 190, 254, 255]))
            }),
        ),
        case(
            "data_heatmap_u16_flat_range",
            "Heatmap of u16 codes over a range of no width (3, 3): allowed (low ≤ high), every code but 65535 is 3",
            Message::Data(grid(2, 2, 1, Some((3.0, 3.0)), u16s(&[0, 65_534]))),
        ),
        compressed(
            "data_heatmap_reduced_u16_compressed",
            "Heatmap reduced as 16 × 16 u16 codes over the range (0, 65534) (code q is q), compressed: codec 1, raw_len the codes' 512 bytes, payload an LZ4 block of the codes shuffled by byte position",
            Frame {
                lod: lod(
                    1_000_000,
                    Some(GridWindow {
                        full_nx: 1000,
                        full_ny: 1000,
                        x0: 0,
                        x1: 1000,
                        y0: 0,
                        y1: 1000,
                    }),
                    false,
                    vec![],
                ),
                ..grid(2, 16, 16, Some((0.0, 65_534.0)), u16s(&codes))
            },
        ),
        compressed(
            "data_line_compressed",
            "Line of 256 points with x, compressed: codec 1, each array shuffled by byte position on its own, one LZ4 block for the payload",
            data(
                0,
                10,
                ChannelKind::Line,
                vec![part(
                    "",
                    0,
                    Some(f64s(&(0..256).map(f64::from).collect::<Vec<_>>())),
                    f64s(&wave(256)),
                )],
            ),
        ),
    ]
}

fn relay() -> Vec<Valid> {
    vec![Valid {
        name: "relay_process_info",
        what: "The relay's ProcessInfo record (the value of key <run>.<process>.hello): bincode like a header, with no frame around it",
        item: Item::ProcessInfo(ProcessInfo {
            relay_version: RELAY_VERSION,
            protocol_version: VERSION,
            title: "heat".into(),
            process: "rank3".into(),
            host: "node7".into(),
            pid: 4242,
            session_id: 0x0123_4567_89ab_cdef,
            started_us: T0,
        }),
        encoding: Encoding::Exact,
        bytes: None,
    }]
}

/// Every valid case, in file-name order within each group.
pub fn valid() -> Vec<Valid> {
    [
        handshake(),
        control(),
        layouts(),
        snapshots(),
        series(),
        customs(),
        reduced(),
        relay(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
