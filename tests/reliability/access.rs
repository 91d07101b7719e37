//! Access: binding beyond loopback needs a token, and wrong tokens get
//! nothing.
//!
//! Promises:
//! - `bind("0.0.0.0:0")` with no token (and token generation off) refuses
//!   to start with a typed error whose message says a token is needed;
//! - 3000 handshakes with a wrong (or no) token each get exactly one
//!   rejection and not one byte of layout or data, cost the server no
//!   memory and no lasting file descriptors, and a viewer with the right
//!   token is served throughout.
//!
//! The token server runs in the helper publisher process, so its memory and
//! descriptor counts are its own.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use plotcast::{Server, ServerError};
use plotcast_protocol::{Message, RejectCode};

use crate::support::{
    fd_count, hello_bytes, messages, read_fresh_until_done, read_until_closed, wait_until,
    Publisher, TestPeer, MIB, TIMEOUT,
};

const TOKEN: &str = "the-right-token-0123456789";
const ATTEMPTS: usize = 3000;
const ATTACKERS: usize = 4;
const RSS_GROWTH_LIMIT: f64 = 32.0 * MIB;

#[test]
fn non_loopback_bind_without_a_token_refuses_to_start() {
    let err = Server::builder()
        .bind("0.0.0.0:0")
        .use_env(false)
        .launch_viewer(false)
        .generate_token(false)
        .start()
        .expect_err("an exposed server without a token must not start");
    match &err {
        ServerError::TokenRequired { addr } => {
            assert!(addr.ip().is_unspecified(), "the error names {addr}");
        }
        other => panic!("expected ServerError::TokenRequired, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("token") && text.contains("0.0.0.0"),
        "the message says a token is needed for 0.0.0.0: {text}"
    );
}

/// One bad handshake: exactly one rejection for a bad token, then the end.
fn bad_handshake(addr: SocketAddr, i: usize) {
    let token = match i % 3 {
        0 => None,
        1 => Some(format!("wrong-token-{i}")),
        // One character off: the comparison must not accept a near miss.
        _ => Some(format!("{}X", &TOKEN[..TOKEN.len() - 1])),
    };
    let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("bad-token attempt {i}: cannot connect: {e}"));
    s.write_all(&hello_bytes(token.as_deref()))
        .unwrap_or_else(|e| panic!("bad-token attempt {i}: cannot send the hello: {e}"));
    let closed = read_until_closed(&mut s, TIMEOUT, &format!("bad-token attempt {i}"));
    let got = messages(&closed.head);
    match got.as_slice() {
        [Message::Reject(r)] => assert_eq!(r.code, RejectCode::BadToken, "attempt {i}: {r:?}"),
        other => panic!(
            "bad-token attempt {i} must get one rejection and nothing else, got {} bytes: {other:?}",
            closed.total
        ),
    }
}

#[test]
fn wrong_tokens_get_a_rejection_and_nothing_else_at_no_cost() {
    let mut publisher = Publisher::start(&["--token", TOKEN, "--values", "1000"]);
    let addr = publisher.addr;
    let pid = publisher.pid();
    let mut good = TestPeer::connect_with(addr, Some(TOKEN));
    let mut last = good.batch().last_seq();
    let baseline_rss = publisher.rss();
    let baseline_fds = fd_count(pid);

    let attackers: Vec<_> = (0..ATTACKERS)
        .map(|a| {
            thread::Builder::new()
                .name(format!("bad-token-{a}"))
                .spawn(move || {
                    for i in (a..ATTEMPTS).step_by(ATTACKERS) {
                        bad_handshake(addr, i);
                    }
                })
                .expect("starting an attacker thread")
        })
        .collect();
    let fresh = read_fresh_until_done(&mut good, &mut last, &attackers);
    for a in attackers {
        a.join().expect("a bad-token attacker failed (see above)");
    }
    // Refused connections linger for at most a moment (the rejection is
    // written, the peer's close awaited briefly); then every descriptor is
    // back.
    wait_until(
        "the server's file descriptors to return to their baseline",
        Duration::from_secs(10),
        || fd_count(pid) <= baseline_fds,
    );
    let fds = fd_count(pid);
    let growth = publisher.peak_rss().saturating_sub(baseline_rss) as f64;
    println!(
        "access: {ATTEMPTS} bad-token handshakes each got one rejection and no data; \
         server peak RSS growth {:.1} MiB, fds {baseline_fds} before, {fds} after; \
         the good viewer got {fresh} fresh frames meanwhile",
        growth / MIB
    );
    assert!(
        growth < RSS_GROWTH_LIMIT,
        "{ATTEMPTS} bad tokens grew the server's RSS by {:.1} MiB",
        growth / MIB
    );
    assert!(fresh >= 5, "the good viewer got only {fresh} frames");
    assert!(
        good.batch().last_seq() > last,
        "the good viewer is still served"
    );
    assert_eq!(publisher.viewers(), 1, "no bad token became a viewer");
    publisher.quit();
}
