//! The invalid cases: one file per refusal rule of PROTOCOL.md, each
//! built by hand from the byte rules (the encoder refuses to write them),
//! with the rule it breaks and the error the reference decoder gives.

use plotcast_protocol::{
    compress::MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_FRAME_BYTES, HANDSHAKE_MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
};

use super::wire::{self, Bincode, DataHeader, LodDesc, PartDesc};

/// Where a receiver refuses the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Splitting the stream into frames, with a frame limit of this many
    /// body bytes (the refusal comes before the body is read).
    Frame(usize),
    /// Decoding the one complete frame the file holds.
    Decode,
}

/// One invalid file.
pub struct Invalid {
    pub name: &'static str,
    pub what: &'static str,
    /// The rule, as PROTOCOL.md states it.
    pub rule: &'static str,
    /// The reference decoder's error kind (see `error_kind`).
    pub error: &'static str,
    pub stage: Stage,
    pub bytes: Vec<u8>,
}

fn decode(
    name: &'static str,
    what: &'static str,
    rule: &'static str,
    error: &'static str,
    bytes: Vec<u8>,
) -> Invalid {
    Invalid {
        name,
        what,
        rule,
        error,
        stage: Stage::Decode,
        bytes,
    }
}

const PING: u8 = 0x30;
const LAYOUT: u8 = 0x10;

fn ping_header() -> Bincode {
    Bincode::new().var(1).var(super::cases::T0)
}

/// A Layout header up to (and with) its channel count.
fn layout_start(channels: u64) -> Bincode {
    Bincode::new().string("").var(0).var(channels)
}

/// One ChannelSpec (id 0) after `b`: its name, kind, plot type and x
/// scale byte, every other option at its default.
fn spec(b: Bincode, name: &str, kind: u8, plot_type: &str, x_scale: u8) -> Bincode {
    b.var(0)
        .string(name)
        .u8(kind)
        .string(plot_type)
        // title, x_label, y_label
        .string("")
        .string("")
        .string("")
        .u8(x_scale)
        .u8(0)
        // x_range, y_range, cell
        .none()
        .none()
        .none()
        // colormap, history_points, link_x, value_label
        .string("")
        .var(0)
        .string("")
        .string("")
        // extent, tile
        .none()
        .none()
}

fn layout_with(kind: u8, plot_type: &str, x_scale: u8) -> Vec<u8> {
    wire::frame(
        LAYOUT,
        spec(layout_start(1), "c", kind, plot_type, x_scale).bytes(),
        &[],
    )
}

fn hello(magic: &[u8], version: u16) -> Vec<u8> {
    let header = Bincode::new()
        .magic(magic, version)
        .none()
        .string("viewer")
        .u8(0);
    wire::frame(0x01, header.bytes(), &[])
}

fn line(y: u64) -> DataHeader {
    DataHeader::new(0, vec![PartDesc::y("", (0, y))])
}

fn data(h: &DataHeader) -> Vec<u8> {
    h.frame(&vec![0u8; h.declared() as usize])
}

fn heatmap(nx: u32, ny: u32, y: (u8, u64), range: Option<(f64, f64)>) -> DataHeader {
    DataHeader {
        nx,
        ny,
        range,
        ..DataHeader::new(2, vec![PartDesc::y("", y)])
    }
}

fn framing() -> Vec<Invalid> {
    let ping = wire::frame(PING, ping_header().bytes(), &[]);
    let body = |bytes: &[u8]| wire::prefixed(bytes);
    vec![
        Invalid {
            name: "frame_too_large",
            what: "A length prefix of 4097 bytes where the receiver's limit is 4096 (a server reading a Hello); the body never comes",
            rule: "Receivers refuse a frame whose length exceeds their limit before reading or reserving it (Limits)",
            error: "frame_too_large",
            stage: Stage::Frame(HANDSHAKE_MAX_FRAME_BYTES),
            bytes: (HANDSHAKE_MAX_FRAME_BYTES as u32 + 1).to_be_bytes().to_vec(),
        },
        Invalid {
            name: "frame_truncated",
            what: "A Ping frame whose last 3 bytes never come: the stream ends inside a frame",
            rule: "A stream that ends inside a frame (prefix or body) is an error, not a message",
            error: "truncated",
            stage: Stage::Frame(DEFAULT_MAX_FRAME_BYTES),
            bytes: ping[..ping.len() - 3].to_vec(),
        },
        Invalid {
            name: "frame_truncated_prefix",
            what: "Two bytes of a length prefix, then the end of the stream",
            rule: "A stream that ends inside a frame (prefix or body) is an error, not a message",
            error: "truncated",
            stage: Stage::Frame(DEFAULT_MAX_FRAME_BYTES),
            bytes: vec![0, 0],
        },
        decode(
            "body_shorter_than_prefix",
            "A body of 5 bytes: shorter than tag, reserved bytes and header length",
            "A body holds at least the 8 bytes of tag, reserved bytes and header length",
            "truncated",
            body(&[PING, 0, 0, 0, 1]),
        ),
        decode(
            "header_beyond_body",
            "A header length of 100 in a body of 16 bytes",
            "A body is never shorter than P = ceil((12 + H) / 8) * 8 - 4",
            "truncated",
            body(&[PING, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
        ),
        decode(
            "padding_missing",
            "A Ping whose header is followed by no padding (the body ends at 8 + H, short of P)",
            "The padding is always present, even when there is no payload: a body is never shorter than P",
            "truncated",
            {
                let h = ping_header().0;
                let mut b = vec![PING, 0, 0, 0];
                b.extend_from_slice(&(h.len() as u32).to_le_bytes());
                b.extend_from_slice(&h);
                body(&b)
            },
        ),
        decode(
            "unknown_tag",
            "Tag 0x13, which no version defines",
            "An unknown tag is an error",
            "unknown_message",
            wire::frame(0x13, ping_header().bytes(), &[]),
        ),
        decode(
            "payload_on_ping",
            "A Ping with 8 payload bytes after its padding",
            "payload is present only in Data frames; any other message with payload bytes is an error",
            "length_mismatch",
            wire::frame(PING, ping_header().bytes(), &[0; 8]),
        ),
    ]
}

fn handshake() -> Vec<Invalid> {
    vec![
        decode(
            "hello_bad_magic",
            "A Hello whose magic reads PLOTCAXT",
            "Hello and Welcome open with the 8 bytes PLOTCAST; anything else is not plotcast (a server closes without a word)",
            "bad_magic",
            hello(b"PLOTCAXT", 3),
        ),
        decode(
            "hello_short_magic",
            "A Hello whose whole header is the 4 bytes PLOT",
            "Hello and Welcome open with the 8 bytes PLOTCAST",
            "bad_magic",
            wire::frame(0x01, b"PLOT", &[]),
        ),
        decode(
            "hello_missing_version",
            "A Hello whose header ends one byte into the fixed-width version",
            "The magic is followed by the version, a fixed-width u16 LE",
            "truncated",
            wire::frame(0x01, b"PLOTCAST\x03", &[]),
        ),
        decode(
            "hello_version_3",
            "A Hello of version 3 (older)",
            "A server accepts only Hellos of exactly its own version (Reject 2 naming both)",
            "unsupported_version",
            hello(b"PLOTCAST", 3),
        ),
        decode(
            "hello_version_5",
            "A Hello of version 5 (newer)",
            "A server accepts only Hellos of exactly its own version (Reject 2 naming both)",
            "unsupported_version",
            hello(b"PLOTCAST", 5),
        ),
        decode(
            "welcome_version_3",
            "A Welcome of version 3",
            "A viewer accepts only a Welcome of its own version",
            "unsupported_version",
            wire::frame(
                0x02,
                Bincode::new()
                    .magic(b"PLOTCAST", 3)
                    .string("heat")
                    .var(1)
                    .var(2000)
                    .var(6000)
                    .u8(0)
                    .bytes(),
                &[],
            ),
        ),
    ]
}

fn header_encoding() -> Vec<Invalid> {
    let ready = |interval: Bincode| {
        wire::frame(
            0x20,
            Bincode::new().var(7).raw(interval.bytes()).bytes(),
            &[],
        )
    };
    let view = |x_log: u8| {
        let h = Bincode::new()
            .var(0)
            .i32(0)
            .var(100)
            .var(100)
            .none()
            .none()
            .u8(x_log)
            .u8(0);
        wire::frame(0x21, h.bytes(), &[])
    };
    vec![
        decode(
            "varint_wider_than_field",
            "A Ready whose interval_us (a u32) is written with the 0xFD (u64) marker",
            "Receivers refuse a varint marker wider than the field (0xFC in a u16, 0xFD in a u32)",
            "bad_header",
            ready(Bincode::new().u8(0xFD).raw(&5u64.to_le_bytes())),
        ),
        decode(
            "varint_marker_fe",
            "A Ready whose interval_us starts with 0xFE (a 128-bit marker)",
            "Receivers refuse 0xFE (a 128-bit marker; plotcast has no such field)",
            "bad_header",
            ready(Bincode::new().u8(0xFE).raw(&[5; 16])),
        ),
        decode(
            "varint_marker_ff",
            "A Ready whose interval_us starts with 0xFF (reserved)",
            "Receivers refuse 0xFF (reserved)",
            "bad_header",
            ready(Bincode::new().u8(0xFF).raw(&[5; 8])),
        ),
        decode(
            "bool_not_0_or_1",
            "A View whose x_log byte is 2",
            "A bool other than 0 or 1 is an error",
            "bad_header",
            view(2),
        ),
        decode(
            "option_tag_2",
            "A Hello whose token Option tag is 2",
            "An Option tag other than 0 or 1 is an error",
            "bad_header",
            wire::frame(
                0x01,
                Bincode::new()
                    .magic(b"PLOTCAST", 4)
                    .u8(2)
                    .string("viewer")
                    .u8(0)
                    .bytes(),
                &[],
            ),
        ),
        decode(
            "string_not_utf8",
            "A Goodbye whose reason holds the byte 0xFF",
            "A String is UTF-8; other bytes are an error",
            "bad_header",
            wire::frame(
                0x3F,
                Bincode::new().u8(0).var(2).raw(&[b'o', 0xFF]).bytes(),
                &[],
            ),
        ),
        decode(
            "trailing_header_bytes",
            "A Ping header with one byte after its last field",
            "Every header must be consumed exactly: trailing header bytes are an error",
            "bad_header",
            wire::frame(PING, ping_header().u8(0).bytes(), &[]),
        ),
        decode(
            "header_cut_short",
            "A BatchEnd header that ends before its last field (skipped)",
            "A header holds every field of its message",
            "bad_header",
            wire::frame(
                0x12,
                Bincode::new().var(1).var(super::cases::T0).var(0).bytes(),
                &[],
            ),
        ),
        decode(
            "count_beyond_header",
            "A Layout that claims 1 000 000 channels in a 3-byte header",
            "A count is bounded by the bytes present: a container whose declared count could not fit in the header's remaining bytes is refused before anything is allocated",
            "bad_header",
            wire::frame(LAYOUT, layout_start(1_000_000).bytes(), &[]),
        ),
        decode(
            "string_length_beyond_header",
            "A Goodbye whose reason claims 1000 bytes and holds 4",
            "A count is bounded by the bytes present",
            "bad_header",
            wire::frame(
                0x3F,
                Bincode::new().u8(0).var(1000).raw(b"oops").bytes(),
                &[],
            ),
        ),
    ]
}

fn layouts() -> Vec<Invalid> {
    vec![
        decode(
            "layout_unknown_kind",
            "A Layout channel of kind 6",
            "An unknown channel kind is an error (UnknownChannelKind)",
            "unknown_channel_kind",
            layout_with(6, "", 0),
        ),
        decode(
            "layout_unknown_scale",
            "A Layout channel whose x_scale is 2",
            "x_scale and y_scale are 0 (linear) or 1 (log); another value is an error",
            "bad_header",
            layout_with(0, "", 2),
        ),
        decode(
            "layout_custom_without_plot_type",
            "A custom channel (kind 5) with an empty plot type",
            "A custom channel with an empty or otherwise invalid plot-type name is an error",
            "invalid",
            layout_with(5, "", 0),
        ),
        decode(
            "layout_plot_type_bad_char",
            "A custom channel whose plot type is \"my plot\" (a space)",
            "Plot-type names are 1 to 64 bytes of ASCII letters, digits, _, -, . and :",
            "invalid",
            layout_with(5, "my plot", 0),
        ),
        decode(
            "layout_plot_type_on_line",
            "A line channel with plot type quiver",
            "Another kind with a non-empty plot type is an error",
            "invalid",
            layout_with(0, "quiver", 0),
        ),
    ]
}

fn data_frames() -> Vec<Invalid> {
    let mut unknown_kind = line(1);
    unknown_kind.kind = 9;
    let mut raw_len = line(3);
    raw_len.raw_len = Some(32);
    let mut unknown_codec = line(3);
    unknown_codec.codec = 2;
    let mut grid_on_line = line(4);
    (grid_on_line.nx, grid_on_line.ny) = (2, 2);
    vec![
        decode(
            "data_unknown_kind",
            "A Data frame of kind 9",
            "An unknown channel kind is an error (UnknownChannelKind)",
            "unknown_channel_kind",
            data(&unknown_kind),
        ),
        decode(
            "data_unknown_dtype",
            "An array of dtype 4",
            "dtype is 0 (f64), 1 (f32), 2 (u16) or 3 (u8); another is an error",
            "unknown_dtype",
            DataHeader::new(0, vec![PartDesc::y("", (4, 1))]).frame(&[0; 8]),
        ),
        decode(
            "data_unknown_codec",
            "A Data frame whose codec is 2",
            "codec is 0 (none) or 1 (LZ4 over byte-shuffled arrays); another is an error",
            "unknown_value",
            data(&unknown_codec),
        ),
        decode(
            "data_payload_short",
            "A line that declares 3 f64 (24 bytes) and carries 16",
            "The sum of len × element size over all arrays must equal raw_len, and raw_len the payload length when codec is 0",
            "length_mismatch",
            line(3).frame(&[0; 16]),
        ),
        decode(
            "data_raw_len_wrong",
            "A line of 3 f64 (24 bytes, all present) whose raw_len says 32",
            "The sum of len × element size over all arrays must equal raw_len",
            "length_mismatch",
            data(&raw_len),
        ),
        decode(
            "data_heatmap_two_parts",
            "A heatmap frame with two parts",
            "A heatmap has exactly one part",
            "invalid",
            data(&DataHeader {
                nx: 1,
                ny: 1,
                ..DataHeader::new(
                    2,
                    vec![PartDesc::y("", (0, 1)), PartDesc::y("b", (0, 1))],
                )
            }),
        ),
        decode(
            "data_heatmap_cell_count",
            "A 3 × 2 heatmap carrying 5 values",
            "A heatmap's y holds nx × ny values",
            "invalid",
            data(&heatmap(3, 2, (0, 5), None)),
        ),
        decode(
            "data_heatmap_with_x",
            "A 2 × 1 heatmap with an x array",
            "A heatmap's part has no x",
            "invalid",
            data(&DataHeader {
                nx: 2,
                ny: 1,
                ..DataHeader::new(2, vec![PartDesc::xy("", (0, 2), (0, 2))])
            }),
        ),
        decode(
            "data_grid_on_line",
            "A line frame with nx = ny = 2",
            "nx and ny are 0 for every kind but heatmap and custom",
            "invalid",
            data(&grid_on_line),
        ),
        decode(
            "data_line_lengths_differ",
            "A line whose x has 3 values and y 2",
            "A line's x, when present, is as long as its y",
            "invalid",
            data(&DataHeader::new(0, vec![PartDesc::xy("", (0, 3), (0, 2))])),
        ),
        decode(
            "data_scatter_without_x",
            "A scatter part without x",
            "A scatter part has x, as long as y",
            "invalid",
            data(&DataHeader::new(1, vec![PartDesc::y("", (0, 2))])),
        ),
        decode(
            "data_series_without_x",
            "A series part without times",
            "A series part has x (times), as long as y",
            "invalid",
            data(&DataHeader::new(4, vec![PartDesc::y("", (0, 2))])),
        ),
        decode(
            "data_bars_bad_edges",
            "Bars with 3 heights and 5 edges",
            "Bars' x holds n + 1 edges or n centres for n heights",
            "invalid",
            data(&DataHeader::new(3, vec![PartDesc::xy("", (0, 5), (0, 3))])),
        ),
        decode(
            "data_custom_with_x",
            "A custom part with an x array",
            "Custom parts have no x",
            "invalid",
            data(&DataHeader::new(5, vec![PartDesc::xy("u", (0, 1), (0, 1))])),
        ),
        decode(
            "data_custom_duplicate_names",
            "A custom frame with two parts named u",
            "Names within a custom frame are distinct",
            "invalid",
            data(&DataHeader::new(
                5,
                vec![PartDesc::y("u", (0, 1)), PartDesc::y("u", (0, 1))],
            )),
        ),
    ]
}

fn u16_codes() -> Vec<Invalid> {
    vec![
        decode(
            "u16_in_x",
            "A line whose x array is u16",
            "u16 codes are heatmap y values only",
            "invalid",
            data(&DataHeader::new(0, vec![PartDesc::xy("", (2, 2), (0, 2))])),
        ),
        decode(
            "u16_on_line",
            "A line whose y array is u16 (with a range)",
            "u16 codes are heatmap y values only",
            "invalid",
            data(&DataHeader {
                range: Some((0.0, 1.0)),
                ..DataHeader::new(0, vec![PartDesc::y("", (2, 2))])
            }),
        ),
        decode(
            "u16_without_range",
            "A 2 × 1 heatmap of u16 codes with no range",
            "A frame of u16 codes carries its range, finite with low ≤ high",
            "invalid",
            data(&heatmap(2, 1, (2, 2), None)),
        ),
        decode(
            "u16_reversed_range",
            "A 2 × 1 heatmap of u16 codes over the range (1, 0)",
            "A frame of u16 codes carries its range, finite with low ≤ high; a reversed pair is refused, not swapped",
            "invalid",
            data(&heatmap(2, 1, (2, 2), Some((1.0, 0.0)))),
        ),
        decode(
            "u16_nan_range",
            "A 2 × 1 heatmap of u16 codes over the range (0, NaN)",
            "A frame of u16 codes carries its range, finite with low ≤ high",
            "invalid",
            data(&heatmap(2, 1, (2, 2), Some((0.0, f64::NAN)))),
        ),
    ]
}

fn level_of_detail() -> Vec<Invalid> {
    let window = |g: [u32; 6]| LodDesc {
        source_values: 100,
        grid: Some(g),
        ..LodDesc::default()
    };
    let reduced = |nx, ny, g| DataHeader {
        lod: Some(window(g)),
        ..heatmap(nx, ny, (1, u64::from(nx * ny)), Some((0.0, 1.0)))
    };
    let series = |lod: LodDesc| DataHeader {
        lod: Some(lod),
        ..DataHeader::new(4, vec![PartDesc::xy("a", (0, 1), (0, 1))])
    };
    vec![
        decode(
            "lod_grid_on_line",
            "A reduced line whose lod carries a grid window",
            "A receiver refuses a grid on another kind than heatmap",
            "invalid",
            data(&DataHeader {
                lod: Some(window([10, 10, 0, 10, 0, 10])),
                ..line(2)
            }),
        ),
        decode(
            "lod_grid_empty_window",
            "A reduced heatmap whose window covers columns 5..5 (none)",
            "A receiver refuses an empty window (x0 ≥ x1 or y0 ≥ y1)",
            "invalid",
            data(&reduced(1, 1, [10, 10, 5, 5, 0, 10])),
        ),
        decode(
            "lod_grid_outside",
            "A reduced heatmap whose window ends at column 11 of a 10-column grid",
            "A receiver refuses a window outside the full grid",
            "invalid",
            data(&reduced(1, 1, [10, 10, 0, 11, 0, 10])),
        ),
        decode(
            "lod_grid_more_cells_on_one_axis",
            "A reduced 2 × 2 heatmap over a window of 4 × 1 cells: 4 cells for 4, but 2 rows for 1",
            "A receiver refuses a reduced grid with more cells than its window covers on either axis (nx > x1 − x0 or ny > y1 − y0)",
            "invalid",
            data(&reduced(2, 2, [10, 10, 0, 4, 0, 1])),
        ),
        decode(
            "lod_replace_on_line",
            "A reduced line with replace set",
            "replace is for series only",
            "invalid",
            data(&DataHeader {
                lod: Some(LodDesc {
                    source_values: 10,
                    replace: true,
                    ..LodDesc::default()
                }),
                ..line(2)
            }),
        ),
        decode(
            "lod_ends_count",
            "A series replace frame of one part with two ends",
            "ends is empty or holds one index per part",
            "invalid",
            data(&series(LodDesc {
                source_values: 10,
                replace: true,
                ends: vec![5, 6],
                ..LodDesc::default()
            })),
        ),
    ]
}

fn compression() -> Vec<Invalid> {
    // 64 f64 ones, shuffled: 512 bytes that LZ4 packs into a few.
    let packed = lz4_flex::block::compress(&{
        let mut planes = vec![0u8; 512];
        let one = 1.0f64.to_le_bytes();
        for (k, b) in one.iter().enumerate() {
            planes[k * 64..(k + 1) * 64].fill(*b);
        }
        planes
    });
    let compressed = |y: u64, raw_len: Option<u64>| DataHeader {
        codec: 1,
        raw_len,
        ..line(y)
    };
    let too_big = MAX_DECOMPRESSED_BYTES / 8 + 1;
    vec![
        decode(
            "compressed_raw_len_mismatch",
            "A compressed line of 64 f64 (512 bytes) whose raw_len says 520",
            "A receiver checks that raw_len equals the arrays' declared size before it allocates",
            "length_mismatch",
            compressed(64, Some(520)).frame(&packed),
        ),
        decode(
            "compressed_over_limit",
            "A compressed line that declares 2^25 + 1 f64 (256 MiB + 8 bytes), raw_len equal, in a frame of a few bytes",
            "raw_len is at most 256 MiB (MAX_DECOMPRESSED_BYTES), checked before anything is allocated",
            "length_mismatch",
            compressed(too_big, Some(too_big * 8)).frame(&packed),
        ),
        decode(
            "compressed_damaged_block",
            "A compressed line whose payload is not an LZ4 block",
            "The payload of codec 1 is an LZ4 block that decompresses into exactly raw_len bytes",
            "bad_header",
            compressed(64, None).frame(&[0xFF; 16]),
        ),
        decode(
            "compressed_short_block",
            "A compressed line of 65 f64 (520 bytes) whose block holds 512",
            "The payload of codec 1 decompresses into exactly raw_len bytes (anything else is an error)",
            "length_mismatch",
            compressed(65, None).frame(&packed),
        ),
    ]
}

fn relay() -> Vec<Invalid> {
    let info = Bincode::new()
        .var(1)
        .var(4)
        .string("heat")
        .string("rank3")
        .string("node7")
        .var(4242)
        .var(1)
        .var(super::cases::T0);
    vec![Invalid {
        name: "relay_process_info_trailing",
        what: "A relay ProcessInfo record with one byte after its last field",
        rule: "A ProcessInfo record is read like a header: every byte used",
        error: "bad_header",
        stage: Stage::Decode,
        bytes: info.u8(0).0,
    }]
}

/// Every invalid case stored as a file.
pub fn invalid() -> Vec<Invalid> {
    [
        framing(),
        handshake(),
        header_encoding(),
        layouts(),
        data_frames(),
        u16_codes(),
        level_of_detail(),
        compression(),
        relay(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The channel name length that makes [`over_limit_layout`]'s header
/// one byte longer than the limit.
pub const OVER_LIMIT_NAME_BYTES: usize = MAX_HEADER_BYTES + 1 - OVER_LIMIT_OVERHEAD;

/// Header bytes of that Layout besides the name's own bytes: title (1),
/// columns (1), count (1), id (1), name length (0xFC + u32: 5), kind (1),
/// plot type (1), title, labels (3), scales (2), ranges and cell (3),
/// colormap (1), history (1), link (1), value label (1), extent, tile (2).
const OVER_LIMIT_OVERHEAD: usize = 25;

/// The generated case `header_over_limit`: a Layout whose header is
/// `MAX_HEADER_BYTES + 1` bytes (one channel with a very long name),
/// too large to store.
pub fn over_limit_layout() -> Vec<u8> {
    let name = "a".repeat(OVER_LIMIT_NAME_BYTES);
    let b = spec(layout_start(1), &name, 0, "", 0);
    assert_eq!(
        b.0.len(),
        MAX_HEADER_BYTES + 1,
        "the header is one byte over"
    );
    wire::frame(LAYOUT, b.bytes(), &[])
}
