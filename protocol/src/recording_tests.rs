//! Round trips of recordings, and the cut, damaged and foreign files the
//! reader must turn into a tail or a typed error.

#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use super::*;
use crate::{decode, encode, ChannelKind, ChannelSpec, FrameRef, Layout, Message, PartRef};

/// Encoded frame bodies: a layout, a large heatmap (compressible), a
/// small series frame.
fn bodies() -> Vec<Bytes> {
    let layout = Message::Layout(Layout {
        title: "t".into(),
        columns: 0,
        channels: vec![
            ChannelSpec::new(0, "temperature", ChannelKind::Heatmap),
            ChannelSpec::new(1, "energy", ChannelKind::Series),
        ],
    });
    let grid: Vec<f64> = (0..64 * 48).map(|i| (f64::from(i) * 0.01).sin()).collect();
    let mut heat = bytes::BytesMut::new();
    crate::encode_data(
        &FrameRef {
            channel: 0,
            seq: 1,
            timestamp_us: 5,
            kind: ChannelKind::Heatmap,
            nx: 64,
            ny: 48,
            range: None,
            parts: &[PartRef {
                name: "",
                first_index: 0,
                x: None,
                y: crate::ArrayRef::F64(&grid),
            }],
            lod: None,
        },
        &mut heat,
    )
    .unwrap();
    let mut series = bytes::BytesMut::new();
    crate::encode_data(
        &FrameRef {
            channel: 1,
            seq: 3,
            timestamp_us: 6,
            kind: ChannelKind::Series,
            nx: 0,
            ny: 0,
            range: None,
            parts: &[PartRef {
                name: "",
                first_index: 0,
                x: Some(crate::ArrayRef::F64(&[0.0, 1.0, 2.0])),
                y: crate::ArrayRef::F64(&[5.0, 6.0, 7.0]),
            }],
            lod: None,
        },
        &mut series,
    )
    .unwrap();
    let wire = [encode(&layout).unwrap(), heat.freeze(), series.freeze()];
    wire.iter()
        .map(|w| w.slice(LENGTH_PREFIX_BYTES..))
        .collect()
}

fn file(compress: bool) -> (Vec<u8>, Vec<Bytes>) {
    let bodies = bodies();
    let mut w = RecordWriter::new(
        Vec::new(),
        &FileHeader::new(1_700_000_000_000_000),
        compress,
    )
    .unwrap();
    for (k, body) in bodies.iter().enumerate() {
        w.write_body(k as u64 * 100_000, body).unwrap();
    }
    assert_eq!(w.records(), 3);
    let bytes_written = w.bytes_written();
    let out = w.into_inner().unwrap();
    assert_eq!(out.len() as u64, bytes_written);
    (out, bodies)
}

fn read_all(bytes: &[u8]) -> (Result<Vec<Record>, RecordingError>, Option<Tail>) {
    let mut reader = match RecordReader::new(Cursor::new(bytes)) {
        Ok(r) => r,
        Err(e) => return (Err(e), None),
    };
    let mut out = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(r)) => out.push(r),
            Ok(None) => return (Ok(out), reader.tail()),
            Err(e) => return (Err(e), reader.tail()),
        }
    }
}

#[test]
fn records_round_trip_stored_and_compressed() {
    for compress in [false, true] {
        let (bytes, bodies) = file(compress);
        let (records, tail) = read_all(&bytes);
        let records = records.unwrap();
        assert_eq!(tail, Some(Tail::Clean));
        assert_eq!(records.len(), bodies.len());
        for (k, (r, b)) in records.iter().zip(&bodies).enumerate() {
            assert_eq!(r.body, b, "record {k}");
            assert_eq!(r.time_us, k as u64 * 100_000);
            assert_eq!(r.index, k as u64);
            decode(r.body.clone()).unwrap();
            let mut cur = Cursor::new(&bytes);
            let again =
                read_record_at(&mut cur, r.offset, r.index, DEFAULT_MAX_FRAME_BYTES).unwrap();
            assert_eq!(&again, r);
        }
        let heat = &records[1];
        if compress {
            assert!(
                heat.file_bytes < heat.body.len() as u64,
                "the heatmap was compressed"
            );
        } else {
            assert_eq!(
                heat.file_bytes,
                (RECORD_HEADER_BYTES + LENGTH_PREFIX_BYTES + heat.body.len()) as u64
            );
        }
    }
}

#[test]
fn a_cut_file_reads_up_to_its_last_complete_record() {
    for compress in [false, true] {
        let (bytes, _) = file(compress);
        let (records, _) = read_all(&bytes);
        let ends: Vec<u64> = records
            .unwrap()
            .iter()
            .map(|r| r.offset + r.file_bytes)
            .collect();
        for len in FILE_HEADER_BYTES..bytes.len() {
            let (records, tail) = read_all(&bytes[..len]);
            let records = records.unwrap_or_else(|e| panic!("cut at {len}: {e}"));
            let complete = ends.iter().filter(|&&e| e <= len as u64).count();
            assert_eq!(records.len(), complete, "cut at {len}");
            let last_end = if complete == 0 {
                FILE_HEADER_BYTES as u64
            } else {
                ends[complete - 1]
            };
            let expect = if last_end == len as u64 {
                Tail::Clean
            } else {
                Tail::Truncated {
                    offset: last_end,
                    bytes: len as u64 - last_end,
                }
            };
            assert_eq!(tail, Some(expect), "cut at {len}");
        }
    }
}

#[test]
fn zeros_after_the_last_record_are_a_cut() {
    let (mut bytes, _) = file(true);
    let end = bytes.len() as u64;
    bytes.extend(std::iter::repeat_n(0u8, 5000));
    let (records, tail) = read_all(&bytes);
    assert_eq!(records.unwrap().len(), 3);
    assert_eq!(
        tail,
        Some(Tail::Truncated {
            offset: end,
            bytes: 5000
        })
    );
}

#[test]
fn every_damaged_byte_of_a_record_is_an_error_naming_it() {
    let (bytes, _) = file(true);
    let (records, _) = read_all(&bytes);
    let records = records.unwrap();
    for r in &records {
        for at in r.offset..r.offset + r.file_bytes {
            // Reserved bytes carry no meaning and are not checked... but
            // the header checksum covers them.
            let mut damaged = bytes.clone();
            damaged[at as usize] ^= 0x5a;
            let (read, _) = read_all(&damaged);
            match read {
                Err(RecordingError::Corrupt { index, offset, .. }) => {
                    assert_eq!((index, offset), (r.index, r.offset), "byte {at}");
                }
                other => panic!("byte {at} of record {}: {other:?}", r.index),
            }
        }
    }
    let err = {
        let mut damaged = bytes.clone();
        let at = records[1].offset as usize + RECORD_HEADER_BYTES + 100;
        damaged[at] ^= 1;
        read_all(&damaged).0.unwrap_err()
    };
    assert_eq!(
        err.to_string(),
        format!(
            "corrupt record 1 at byte {}: data checksum mismatch",
            records[1].offset
        )
    );
}

#[test]
fn foreign_short_and_future_files_get_clear_errors() {
    let (bytes, _) = file(false);
    let err = |b: &[u8]| {
        RecordReader::new(Cursor::new(b.to_vec()))
            .unwrap_err()
            .to_string()
    };
    assert!(err(b"\x89PNG\r\n\x1a\n....")
        .starts_with("not a plotcast recording (it starts with [89, 50, 4e, 47"));
    assert!(err(b"").contains("0 bytes, shorter than"), "{}", err(b""));
    assert!(err(&bytes[..10]).contains("10 bytes, shorter than"));
    let mut future = bytes.clone();
    future[8..10].copy_from_slice(&2u16.to_le_bytes());
    assert_eq!(
        err(&future),
        "recording format version 2, this plotcast-viewer reads version 1: it was written by a newer plotcast; update plotcast-viewer"
    );
    let mut wire = bytes.clone();
    wire[10..12].copy_from_slice(&(VERSION + 1).to_le_bytes());
    assert!(err(&wire).contains(&format!("protocol version {} frames", VERSION + 1)));
    let mut flags = bytes.clone();
    flags[12] = 4;
    assert!(err(&flags).contains("flags 0x4"));
}

#[test]
fn times_never_go_back() {
    // The writer clamps; a file that goes back anyway is corrupt.
    let body = &bodies()[0];
    let mut w = RecordWriter::new(Vec::new(), &FileHeader::new(0), false).unwrap();
    w.write_body(500, body).unwrap();
    w.write_body(100, body).unwrap();
    let bytes = w.into_inner().unwrap();
    let (records, _) = read_all(&bytes);
    let times: Vec<u64> = records.unwrap().iter().map(|r| r.time_us).collect();
    assert_eq!(times, [500, 500]);
    let mut w = RecordWriter::new(Vec::new(), &FileHeader::new(0), false).unwrap();
    w.write_body(500, body).unwrap();
    let first = w.bytes_written() as usize;
    let mut w2 = RecordWriter::new(Vec::new(), &FileHeader::new(0), false).unwrap();
    w2.write_body(100, body).unwrap();
    let mut bytes = w.into_inner().unwrap();
    bytes.extend_from_slice(&w2.into_inner().unwrap()[FILE_HEADER_BYTES..]);
    match read_all(&bytes).0 {
        Err(RecordingError::Corrupt {
            index: 1,
            offset,
            reason,
        }) => {
            assert_eq!(offset, first as u64);
            assert!(reason.contains("before the previous"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_huge_claimed_length_is_refused_before_allocating() {
    let mut bytes = FileHeader::new(0).to_bytes().to_vec();
    let mut header = [0u8; RECORD_HEADER_BYTES];
    header[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let crc = crc32fast::hash(&header[..16]);
    header[16..20].copy_from_slice(&crc.to_le_bytes());
    bytes.extend_from_slice(&header);
    let mut reader = RecordReader::with_max_frame_bytes(Cursor::new(bytes), 1 << 20).unwrap();
    let err = reader.next_record().unwrap_err().to_string();
    assert!(err.contains("claims 4294967295 bytes"), "{err}");
}

mod random {
    use super::*;
    use proptest::prelude::*;

    fn drain(bytes: &[u8]) -> usize {
        let Ok(mut reader) = RecordReader::with_max_frame_bytes(Cursor::new(bytes), 1 << 20) else {
            return 0;
        };
        let mut n = 0;
        while let Ok(Some(record)) = reader.next_record() {
            let _ = decode(record.body);
            n += 1;
        }
        n
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Random bytes, bare or behind a valid header, never panic the reader.
        #[test]
        fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600), with_header in any::<bool>()) {
            let mut bytes = if with_header { FileHeader::new(7).to_bytes().to_vec() } else { Vec::new() };
            bytes.extend_from_slice(&tail);
            drain(&bytes);
        }

        /// A real file with random bytes changed never panics the reader,
        /// and the records it still returns are the original ones.
        #[test]
        fn damaged_files_never_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), compress in any::<bool>(), cut in any::<usize>()) {
            let (mut bytes, bodies) = file(compress);
            for (at, value) in changes {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            let cut = FILE_HEADER_BYTES + cut % (bytes.len() - FILE_HEADER_BYTES + 1);
            bytes.truncate(cut);
            if let Ok(mut reader) = RecordReader::new(Cursor::new(&bytes)) {
                let mut k = 0;
                while let Ok(Some(record)) = reader.next_record() {
                    prop_assert_eq!(&record.body, &bodies[k]);
                    k += 1;
                }
            }
        }

        /// Random bytes behind a record header with valid checksums reach
        /// the frame and lz4 decoders, which must not panic either.
        #[test]
        fn random_records_with_valid_checksums_never_panic(stored in proptest::collection::vec(any::<u8>(), 0..400), codec in 0u8..3) {
            let mut bytes = FileHeader::new(0).to_bytes().to_vec();
            let mut header = [0u8; RECORD_HEADER_BYTES];
            header[8] = codec;
            header[12..16].copy_from_slice(&(stored.len() as u32).to_le_bytes());
            let crc = crc32fast::hash(&header[..16]);
            header[16..20].copy_from_slice(&crc.to_le_bytes());
            header[20..24].copy_from_slice(&crc32fast::hash(&stored).to_le_bytes());
            bytes.extend_from_slice(&header);
            bytes.extend_from_slice(&stored);
            drain(&bytes);
        }
    }
}
