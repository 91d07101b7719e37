//! The viewer binary acknowledges the first bytes of every batch after a
//! batch end, before the rest of the batch arrives: the server measures
//! its round trip on them, and a round trip measured only after a batch's
//! first 8 KiB included the batch's own transfer time
//! on a slow link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use plotcast_testkit::frames::heatmap_frame;
use plotcast_testkit::{FakeServer, Script, TempDir};

/// Generous bound for a run of a few frames (a fake server that waits in
/// vain for an acknowledgement waits 5 s per batch).
const RUN_LIMIT: Duration = Duration::from_secs(90);

#[test]
fn the_first_frame_of_each_batch_is_acknowledged_before_the_rest() {
    // An 8×8 heatmap frame is about 600 bytes, under the 8 KiB between
    // two acknowledgements: only one armed at the batch end covers it.
    let mut script = Script::heatmap("acks", 1, 0.5);
    script.batch = Arc::new(|n| vec![heatmap_frame(1, n, 8, 8, |_, _| 0.5)]);
    script.first_frame_then_wait = true;
    let server = FakeServer::start(script);
    let dir = TempDir::new("acks");
    let run = server
        .viewer()
        .headless()
        .frames(8)
        .size(320, 240)
        .out(dir.join("f{n}.png"))
        .timeout_secs(60)
        .run(RUN_LIMIT);
    run.assert_success("the run");
    let acked = server.count(|s| &s.first_frames_acked);
    let batches = server.seen.batches.load(Ordering::SeqCst);
    // Every answer after the first batch was written apart; the viewer
    // drew eight frames, so several such answers went out.
    assert!(
        acked >= 3,
        "{acked} of the answers after the first had their first frame \
         acknowledged on its own ({batches} batches sent); stderr:\n{}",
        run.stderr
    );
}
