//! Encode and decode of a 1e6-value f64 frame, next to a plain memcpy of
//! the same 8 MB, in one run: `cargo bench -p plotcast-protocol`.
//!
//! Criterion prints each as GiB/s (throughput = the array bytes).

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use plotcast_protocol::{decode, encode_data, ArrayRef, ChannelKind, FrameRef, Message, PartRef};

const N: usize = 1_000_000;

fn frame<'a>(parts: &'a [PartRef<'a>]) -> FrameRef<'a> {
    FrameRef::new(1, 1, 1, ChannelKind::Line, parts)
}

fn codec(c: &mut Criterion) {
    let ys: Vec<f64> = (0..N).map(|i| (i as f64 * 1e-3).sin()).collect();
    let bytes = N * 8;
    let parts = [PartRef {
        name: "y",
        first_index: 0,
        x: None,
        y: ArrayRef::F64(&ys),
    }];
    let mut g = c.benchmark_group("1e6 f64");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(30);

    let mut dst = vec![0u8; bytes];
    g.bench_function("memcpy into a warm buffer", |b| {
        b.iter(|| dst.copy_from_slice(bytemuck_bytes(black_box(&ys))))
    });
    g.bench_function("memcpy into a new Vec", |b| {
        b.iter(|| black_box(bytemuck_bytes(black_box(&ys)).to_vec()))
    });
    let mut reused = BytesMut::with_capacity(bytes + 1024);
    g.bench_function("encode into a warm buffer", |b| {
        b.iter(|| {
            reused.clear();
            encode_data(black_box(&frame(&parts)), &mut reused).unwrap();
        })
    });
    g.bench_function("encode into a new buffer", |b| {
        b.iter(|| {
            let mut out = BytesMut::new();
            encode_data(black_box(&frame(&parts)), &mut out).unwrap();
            black_box(out)
        })
    });
    let mut out = BytesMut::new();
    encode_data(&frame(&parts), &mut out).unwrap();
    // The frame as a reader would hold it: prefix first, in an aligned buffer.
    let body = out.freeze().slice(4..);
    g.bench_function("decode (zero-copy view)", |b| {
        b.iter(|| {
            let Message::Data(f) = decode(black_box(body.clone())).unwrap() else {
                unreachable!()
            };
            let view = f.parts[0]
                .y
                .as_f64_slice()
                .expect("aligned payload: no copy");
            black_box(view.len())
        })
    });
    g.bench_function("decode and copy out to Vec<f64>", |b| {
        b.iter(|| {
            let Message::Data(f) = decode(black_box(body.clone())).unwrap() else {
                unreachable!()
            };
            black_box(f.parts[0].y.to_f64().into_owned())
        })
    });
    g.finish();
}

/// The same reinterpretation the encoder uses on little-endian machines.
fn bytemuck_bytes(v: &[f64]) -> &[u8] {
    bytemuck::cast_slice(v)
}

criterion_group!(benches, codec);
criterion_main!(benches);
