//! Slowloris: 200 connections that trickle a valid hello at one byte per
//! second, while a viewer that connected before them keeps reading.
//!
//! Promise: every trickling connection is closed by the handshake deadline
//! (default 2 s): those still pending then get the rejection that names the
//! deadline, not before 1.5 s and not after the deadline plus slack. The
//! server keeps at most 128 handshakes pending (`MAX_PENDING_HANDSHAKES` in
//! server/src/net.rs); beyond that each new connection cuts the *oldest*
//! pending one, which is closed at once without a word. None is ever
//! welcomed. The viewer is served throughout, and a new viewer that
//! connects *during* the wave gets in: it sends its hello at once, so the
//! trickling peers cannot lock it out (an earlier version refused the
//! newest connection instead, which let 128 trickling peers keep every new
//! viewer out; this test found it).
//!
//! The server runs in this process (200 sockets each side, well within the
//! descriptor limit); the trickling peers are tasks of one current-thread
//! tokio runtime on a thread of their own.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use plotcast_protocol::{Message, RejectCode};
use plotcast_testkit::start_server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{hello_bytes, messages, Publishing, TestPeer};

const CONNECTIONS: usize = 200;
/// Slack on top of the 2 s deadline for a loaded machine.
const CLOSE_BOUND: Duration = Duration::from_secs(2 + 6);
/// The deadline rule may not cut a connection much before the deadline.
const NOT_BEFORE: Duration = Duration::from_millis(1500);

/// What one trickling peer saw.
struct Trickle {
    /// From the connect to the server's close; `None` if still open at the
    /// bound.
    closed_after: Option<Duration>,
    /// Everything the server sent.
    received: Vec<u8>,
}

/// Sends `hello` one byte per second and reads whatever comes, until the
/// server closes or `CLOSE_BOUND` passes.
async fn trickle(addr: SocketAddr, hello: Bytes) -> Trickle {
    // Timed from before the connect: the server's deadline starts later
    // (at accept), so an early cut cannot hide behind a late start here.
    let started = Instant::now();
    let stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("a slowloris peer cannot connect: {e}"));
    let (mut rd, mut wr) = stream.into_split();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let mut sent = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = tokio::time::sleep(CLOSE_BOUND);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => return Trickle { closed_after: None, received },
            read = rd.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            },
            _ = tick.tick(), if sent < hello.len() => {
                if wr.write_all(&hello[sent..=sent]).await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
    }
    Trickle {
        closed_after: Some(started.elapsed()),
        received,
    }
}

#[test]
fn trickling_handshakes_are_cut_at_the_deadline_and_viewers_are_served() {
    let server = start_server("slowloris");
    let addr = server.local_addr();
    let _publishing = Publishing::start(server.line("l"), 3, Duration::from_millis(20));
    let mut good = TestPeer::connect(addr);
    let mut last = good.batch().last_seq();

    let attack = thread::Builder::new()
        .name("slowloris".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async {
                let hello = hello_bytes(None);
                let tasks: Vec<_> = (0..CONNECTIONS)
                    .map(|_| tokio::spawn(trickle(addr, hello.clone())))
                    .collect();
                let mut out = Vec::with_capacity(tasks.len());
                for t in tasks {
                    out.push(t.await.expect("a slowloris task"));
                }
                out
            })
        })
        .expect("starting the slowloris thread");

    // Served throughout: fresh frames keep coming while the wave lasts.
    let mut during = 0u32;
    let mut slowest_batch = Duration::ZERO;
    while !attack.is_finished() {
        let asked = Instant::now();
        let seq = good.batch().last_seq();
        slowest_batch = slowest_batch.max(asked.elapsed());
        assert!(seq > last, "the viewer got frame {seq} after {last}");
        last = seq;
        during += 1;
        if during == 25 {
            // About half a second in: the pending set is full of trickling
            // peers. A new viewer still gets in and receives data.
            let joined = Instant::now();
            let mut newcomer = TestPeer::connect(addr);
            newcomer.batch().last_seq();
            println!(
                "slowloris: a viewer joining during the wave got its first frame after {} ms",
                joined.elapsed().as_millis()
            );
        }
    }
    assert!(
        during > 25,
        "the wave ended before a viewer could join during it"
    );
    let peers = attack.join().expect("the slowloris thread");

    let mut deadline_cut = Vec::new();
    let mut refused_at_once = 0;
    for (i, p) in peers.iter().enumerate() {
        let after = p.closed_after.unwrap_or_else(|| {
            panic!("slowloris connection {i} is still open after {CLOSE_BOUND:?}")
        });
        let msgs = messages(&p.received);
        assert!(
            !msgs.iter().any(|m| matches!(m, Message::Welcome(_))),
            "slowloris connection {i} was welcomed"
        );
        match msgs.as_slice() {
            [] => refused_at_once += 1,
            [Message::Reject(r)] => {
                assert_eq!(r.code, RejectCode::BadHandshake, "connection {i}");
                assert!(
                    r.reason.contains("no handshake within 2000 ms"),
                    "connection {i}: rejection {:?}",
                    r.reason
                );
                assert!(
                    after >= NOT_BEFORE,
                    "connection {i} was cut after {after:?}, before the 2 s deadline"
                );
                deadline_cut.push(after);
            }
            other => panic!("slowloris connection {i} got {other:?}"),
        }
    }
    let latest = deadline_cut.iter().max().copied().unwrap_or_default();
    let earliest = deadline_cut.iter().min().copied().unwrap_or_default();
    println!(
        "slowloris: {} connections cut at the deadline after {:.2}..{:.2} s, {refused_at_once} cut at once \
         (oldest beyond the pending-handshake limit); the viewer got {during} fresh frames meanwhile, slowest batch {} ms",
        deadline_cut.len(),
        earliest.as_secs_f64(),
        latest.as_secs_f64(),
        slowest_batch.as_millis()
    );
    assert!(
        deadline_cut.len() >= 100,
        "only {} connections were given a handshake slot",
        deadline_cut.len()
    );
    assert!(
        during >= 10,
        "the viewer got only {during} frames during the wave"
    );
    assert_eq!(
        server.viewer_count(),
        1,
        "no slowloris peer became a viewer"
    );
    // The slots are free again: a new viewer gets in.
    let mut late = TestPeer::connect(addr);
    late.batch().last_seq();
}
