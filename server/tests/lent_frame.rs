//! Frames written in place and published without a copy
//! (`Heatmap::frame`, `Line::frame`), over real sockets on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use plotcast_protocol::{Message, View};
use plotcast_testkit::{start_server, TestPeer};

/// The y values of a frame as f64.
fn values(frame: &plotcast_protocol::Frame) -> Vec<f64> {
    frame.parts[0].y.iter().collect()
}

#[test]
fn a_lent_heatmap_frame_arrives_exactly_and_stays_readable() {
    let server = start_server("test");
    let heat = server.heatmap("field");
    let mut peer = TestPeer::connect(server.local_addr());
    let (nx, ny) = (7, 5);
    for round in 1..=3u32 {
        let mut frame = heat.frame(nx, ny);
        assert_eq!(frame.len(), nx * ny);
        for (k, v) in frame.iter_mut().enumerate() {
            *v = f64::from(round) * 1000.0 + k as f64 + 0.25;
        }
        let published = frame.publish();
        let expected: Vec<f64> = (0..nx * ny)
            .map(|k| f64::from(round) * 1000.0 + k as f64 + 0.25)
            .collect();
        // What the computation keeps is what it wrote.
        assert_eq!(&published[..], &expected[..]);
        let batch = peer.batch();
        let got = batch.frame(peer.channel("field")).expect("the field");
        assert_eq!((got.nx, got.ny), (nx as u32, ny as u32));
        assert_eq!(got.seq, u64::from(round));
        assert_eq!(values(got), expected, "round {round}");
    }
    assert_eq!(server.stats().channels[0].publishes, 3);
    assert_eq!(server.stats().channels[0].invalid, 0);
}

#[test]
fn a_lent_line_frame_is_reduced_for_a_view_like_a_copied_one() {
    let server = start_server("test");
    let lent = server.line("lent");
    let copied = server.line("copied");
    let mut peer = TestPeer::connect(server.local_addr());
    let n = 100_000;
    let y: Vec<f64> = (0..n).map(|i| (i as f64 * 1e-3).sin()).collect();
    let mut frame = lent.frame(n);
    frame.copy_from_slice(&y);
    drop(frame.publish());
    copied.publish(&y);
    let _ = peer.batch();
    for name in ["lent", "copied"] {
        peer.io
            .send(&Message::View(View {
                channel: peer.channel(name),
                x_px: 0,
                width_px: 300,
                height_px: 100,
                x_range: None,
                y_range: None,
                x_log: false,
                y_log: false,
            }))
            .unwrap();
    }
    let mut frame = lent.frame(n);
    frame.copy_from_slice(&y);
    drop(frame.publish());
    copied.publish(&y);
    let batch = peer.batch();
    let a = batch.frame(peer.channel("lent")).expect("the lent line");
    let b = batch
        .frame(peer.channel("copied"))
        .expect("the copied line");
    assert!(a.lod.is_some(), "the lent line was reduced");
    assert!(values(a).len() < n / 10, "{} points kept", values(a).len());
    assert_eq!(values(a), values(b), "reduced alike");
}

#[test]
fn a_buffer_no_one_holds_is_lent_again_and_one_still_held_is_not() {
    // No viewer: a frame is held only by the channel (until the next
    // publish replaces it) and by the computation's `Published`.
    let server = start_server("test");
    let heat = server.heatmap("field");
    let first = heat.frame(64, 64).publish();
    let first_at = first.as_ptr();
    drop(first);
    // The channel still holds the first frame as its newest: a new buffer.
    let second = heat.frame(64, 64).publish();
    assert_ne!(second.as_ptr(), first_at);
    // Publishing the second replaced the first, which no one holds now.
    let third = heat.frame(64, 64);
    assert_eq!(third.as_ptr(), first_at, "the first buffer is reused");
    // The second is still held (by `second` and the channel): not reused.
    let kept = second.as_ptr();
    let fourth = third.publish();
    assert_ne!(fourth.as_ptr(), kept);
    assert_eq!(
        second[0], 0.0,
        "a held frame's values are never overwritten"
    );
    // A different size never gets a buffer of another size.
    let other = heat.frame(10, 3);
    assert_eq!(other.len(), 30);
}
