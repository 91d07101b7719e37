//! How a computation ended, as its viewers are told: `finish` says it
//! finished, `interrupted` (Ctrl-C, a signal, an error) and a drop while a
//! panic unwinds say it was interrupted, with the words viewers show.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plotcast_protocol::{Goodbye, GoodbyeCode};
use plotcast_testkit::PeerError;
use plotcast_testkit::TestPeer;

fn server() -> plotcast::Server {
    plotcast::Server::builder()
        .title("goodbye")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .expect("server starts")
}

/// A viewer that has its first batch, then `end` stops the server: the
/// goodbye it reads.
fn goodbye_after(end: impl FnOnce(plotcast::Server)) -> Goodbye {
    let server = server();
    server.line("l").publish(&[1.0, 2.0]);
    let mut c = TestPeer::connect(server.local_addr());
    c.batch();
    end(server);
    // The server answers the next request with its goodbye.
    match c.try_batch() {
        Err(PeerError::Goodbye { goodbye, .. }) => goodbye,
        other => panic!("expected a goodbye, got {other:?}"),
    }
}

#[test]
fn finish_says_finished_and_a_plain_drop_says_stopped() {
    let bye = goodbye_after(|s| {
        s.finish(std::time::Duration::ZERO);
    });
    assert_eq!(bye.code, GoodbyeCode::ComputationEnded);
    assert_eq!(bye.reason, "the computation finished");
    let bye = goodbye_after(drop);
    assert_eq!(bye.code, GoodbyeCode::ComputationEnded);
}

#[test]
fn interrupted_says_how_also_through_finish() {
    let bye = goodbye_after(|s| {
        s.interrupted("interrupted: SIGINT");
        s.finish(std::time::Duration::ZERO);
    });
    assert_eq!(bye.code, GoodbyeCode::Interrupted);
    assert_eq!(bye.reason, "interrupted: SIGINT");
}

#[test]
fn a_server_dropped_while_a_panic_unwinds_says_it_panicked() {
    let bye = goodbye_after(|s| {
        let unwound = catch_unwind(AssertUnwindSafe(move || {
            let _server = s;
            panic!("the computation fails");
        }));
        assert!(unwound.is_err());
    });
    assert_eq!(bye.code, GoodbyeCode::Interrupted);
    assert_eq!(bye.reason, "the computation panicked");
}
