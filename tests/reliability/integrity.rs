//! Integrity: 2000 frames of 128 KiB, published about every millisecond, read
//! by a viewer that pauses at random and reads in random chunk sizes, so
//! frames reach it split at arbitrary byte boundaries.
//!
//! Promise: every frame the viewer gets is whole (no torn frame: the
//! framing never loses sync), its sequence number is higher than the last
//! one, its payload is exactly what was published with that sequence
//! number, and every publish is accounted for (received or reported as
//! skipped in favour of a newer one).
//!
//! The server runs in this process: nothing here is a process-wide figure.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use plotcast_testkit::start_server;

use crate::support::{Rng, TestPeer};

const FRAMES: u64 = 2000;
/// f64 values per frame: 128 KiB.
const VALUES: usize = 16 * 1024;

/// Value `i` of the frame with sequence number `seq`: every value depends on
/// both, so a value from another frame or another place is caught. Small
/// integers, exact in an f64.
fn expected(seq: u64, i: usize) -> f64 {
    ((seq * 7919 + i as u64 * 104_729) % 1_048_576) as f64
}

#[test]
fn frames_arrive_whole_in_order_with_their_payload() {
    let server = start_server("integrity");
    let line = server.line("checked");
    let mut viewer = TestPeer::connect(server.local_addr());

    let done = Arc::new(AtomicBool::new(false));
    let publisher = {
        let done = Arc::clone(&done);
        thread::Builder::new()
            .name("integrity-publisher".into())
            .spawn(move || {
                let mut values = vec![0.0; VALUES];
                // One thread publishes: publish k gets sequence number k.
                for seq in 1..=FRAMES {
                    for (i, v) in values.iter_mut().enumerate() {
                        *v = expected(seq, i);
                    }
                    line.publish(&values);
                    // Paced, so the reader sees many frames, not only the last.
                    thread::sleep(Duration::from_millis(1));
                }
                done.store(true, Ordering::SeqCst);
            })
            .expect("starting the publisher thread")
    };

    let mut rng = Rng::new(7);
    let mut last = 0u64;
    let mut received = 0u64;
    let mut accounted = 0u64;
    while last < FRAMES {
        // Random read sizes, from a few bytes to 64 KiB: frame boundaries
        // fall anywhere in a read.
        viewer.io.chunk = 1 + rng.below(64 * 1024) as usize;
        viewer.ready();
        let batch = viewer.try_read_batch(|| {
            // Mostly short pauses, now and then a long one that lets the
            // server's socket buffer fill mid-frame.
            let pause = if rng.below(20) == 0 {
                rng.millis(40)
            } else {
                rng.millis(3)
            };
            thread::sleep(pause);
        });
        let batch = batch.unwrap_or_else(|e| panic!("{e}"));
        for frame in &batch.frames {
            assert!(
                frame.seq > last,
                "frame {} arrived after frame {last}",
                frame.seq
            );
            assert_eq!(frame.parts.len(), 1, "frame {}: one part", frame.seq);
            let y = frame.parts[0].y.to_f64();
            assert_eq!(y.len(), VALUES, "frame {}: value count", frame.seq);
            if let Some(i) = (0..VALUES).find(|&i| y[i] != expected(frame.seq, i)) {
                panic!(
                    "frame {}: value {i} is {}, published {}",
                    frame.seq,
                    y[i],
                    expected(frame.seq, i)
                );
            }
            last = frame.seq;
            received += 1;
        }
        accounted += batch.frames.len() as u64 + batch.end.skipped;
    }
    publisher.join().expect("the publisher thread");
    assert!(done.load(Ordering::SeqCst), "the publisher finished");
    println!(
        "integrity: {received} of {FRAMES} frames received whole and checked, {} skipped as stale",
        FRAMES - received
    );
    assert_eq!(
        accounted, FRAMES,
        "every publish is received or reported skipped"
    );
    let stats = server.stats();
    assert_eq!(stats.channels[0].publishes, FRAMES);
    let v = &stats.viewers[0];
    assert_eq!(
        (v.frames_sent, v.frames_skipped),
        (received, FRAMES - received),
        "the server's count agrees with the viewer's"
    );
    // A slow reader still sees a good share: latest-wins drops, it does
    // not starve.
    assert!(
        received >= 50,
        "only {received} of {FRAMES} frames reached the viewer"
    );
}
