//! Shutdown: the server is dropped while 100 stalled viewers each have a
//! writer stuck in the middle of a 1 MiB frame.
//!
//! Promise: the drop returns within 5 s (the goodbye grace is 200 ms; a
//! frozen peer cannot hold it), the port is free again at once (it can be
//! bound while the process lives on), the network thread (`plotcast-net`)
//! is gone, every viewer connection is closed, and the computation goes on
//! publishing.
//!
//! The server runs in the helper publisher process: its thread list is
//! its own, and no other test's server can be mistaken for it.

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::support::{
    read_until_closed, stalled_peer, thread_names, wait_until, Nagger, Publisher, TIMEOUT,
};

const STALLED: usize = 100;
const DROP_BOUND: Duration = Duration::from_secs(5);
/// The name of the server's network thread (server/src/net.rs).
const NET_THREAD: &str = "plotcast-net";

/// Bytes waiting to be read on `s`, up to 64 KiB, without reading them.
fn waiting(s: &TcpStream) -> usize {
    let mut buf = [0u8; 64 * 1024];
    s.set_read_timeout(Some(Duration::from_millis(1)))
        .expect("setting a read timeout");
    s.peek(&mut buf).unwrap_or(0)
}

#[test]
fn dropping_the_server_with_stalled_viewers_is_bounded_and_frees_everything() {
    let mut publisher = Publisher::start(&[
        "--values",
        "131072",
        "--interval-ms",
        "10",
        "--max-viewers",
        "128",
        // No stalled viewer may be dropped before the server is: this
        // scenario is about dropping the server while they hang.
        "--heartbeat-timeout-ms",
        "60000",
    ]);
    let addr = publisher.addr;
    let pid = publisher.pid();
    let stalled: Vec<_> = (0..STALLED).map(|_| stalled_peer(addr)).collect();
    let nagger = Nagger::start(&stalled, Duration::from_millis(100));
    publisher.wait_viewers(STALLED, TIMEOUT);
    // Every stalled viewer has data piling up unread: its writer is busy
    // with a frame far larger than what the kernel buffers take.
    wait_until(
        "every stalled viewer to have 64 KiB of frame data waiting",
        TIMEOUT,
        || stalled.iter().all(|s| waiting(s) >= 64 * 1024),
    );
    assert!(
        thread_names(pid).iter().any(|t| t == NET_THREAD),
        "the server's network thread is named {NET_THREAD}: {:?}",
        thread_names(pid)
    );

    let ms: u64 = publisher
        .ask("drop", "dropped")
        .parse()
        .expect("the drop time in ms");
    let threads = thread_names(pid);
    let published_at_drop = publisher.published();
    println!(
        "shutdown: dropping the server with {STALLED} stalled viewers took {ms} ms; threads left: {threads:?}"
    );
    assert!(
        Duration::from_millis(ms) < DROP_BOUND,
        "dropping the server took {ms} ms (bound {DROP_BOUND:?})"
    );
    assert!(
        !threads.iter().any(|t| t.starts_with(NET_THREAD)),
        "the network thread outlived the server: {threads:?}"
    );
    // The port is free while the process lives on.
    let again = TcpListener::bind(addr)
        .unwrap_or_else(|e| panic!("cannot bind {addr} again after the server was dropped: {e}"));
    drop(again);

    drop(nagger);
    for (i, mut s) in stalled.into_iter().enumerate() {
        read_until_closed(
            &mut s,
            TIMEOUT,
            &format!("stalled viewer {i} after the server was dropped"),
        );
    }
    // The computation does not depend on the server.
    wait_until("the computation to publish on", TIMEOUT, || {
        publisher.published() > published_at_drop
    });
    publisher.quit();
}
