//! The viewer binary against a server that breaks the protocol: what the
//! viewer never asked for or agreed to (a batch beyond its grants, a batch
//! end out of order, a codec it did not offer or does not know, a
//! compressed frame on a connection without compression) closes the
//! connection with a message naming the violation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use plotcast_protocol::CODEC_LZ4_SHUFFLE;
use plotcast_testkit::{Breach, FakeServer, Script, TempDir};

/// Generous bound for runs that take a second or two when all is well.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Runs a viewer that never reconnects against `script`; it must end the
/// connection, and its stderr name the violation in `words`.
fn refused(what: &str, script: Script, words: &[&str]) {
    let server = FakeServer::start(script);
    let dir = TempDir::new("strict");
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .frames(1000)
        .size(320, 240)
        .out(dir.join("f.png"))
        .timeout_secs(30)
        .run(RUN_LIMIT);
    run.assert_exit_code(1, what);
    for word in ["protocol violation by the server"].iter().chain(words) {
        assert!(
            run.stderr.contains(word),
            "{what}: {word:?} not said; stderr:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_codec_the_viewer_does_not_know_closes_the_connection() {
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.welcome_codec = 7;
    refused(
        "codec 7",
        script,
        &["the welcome names codec 7, which this viewer does not know"],
    );
}

#[test]
fn a_codec_the_viewer_did_not_offer_closes_the_connection() {
    // A viewer on this machine offers no compression.
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.welcome_codec = CODEC_LZ4_SHUFFLE;
    refused(
        "LZ4 not offered",
        script,
        &["the welcome names codec 1, which this viewer did not offer"],
    );
}

#[test]
fn a_compressed_frame_without_compression_closes_the_connection() {
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.breach = Some(Breach::CompressedData);
    refused(
        "compressed data",
        script,
        &["a data frame compressed with codec 1 on a connection whose codec is 0 (no compression)"],
    );
}

#[test]
fn a_batch_beyond_the_grants_closes_the_connection() {
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.breach = Some(Breach::BatchBeyondGrant);
    refused(
        "batch beyond the grants",
        script,
        &[
            "a data frame arrived after all",
            "batches this viewer granted had ended",
        ],
    );
}

#[test]
fn a_batch_end_out_of_order_closes_the_connection() {
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.breach = Some(Breach::RepeatedBatchEnd);
    refused(
        "batch end out of order",
        script,
        &["batch end 1 out of order: the next batch is 2"],
    );
}
