//! Hostile and broken peers: each is refused or dropped with a logged
//! reason while a good viewer keeps receiving.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use plotcast::{Line, Server, ServerError};
use plotcast_protocol::{encode, Message, Ready, RejectCode, VERSION};
use plotcast_testkit::frames::first_value;
use plotcast_testkit::test_peer::{hello, hello_bytes, TIMEOUT};
use plotcast_testkit::{server_builder, wait_until, Conn, PeerError, TestPeer};

/// Everything logged in this test binary.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .try_init()
            .unwrap();
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Waits until a log line mentions `addr` and `text`.
fn assert_logged(addr: SocketAddr, text: &str) {
    let logs = logs();
    let addr = addr.to_string();
    wait_until(
        &format!("a log line about {addr} with {text:?}"),
        TIMEOUT,
        || {
            let all = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
            all.lines().any(|l| l.contains(&addr) && l.contains(text))
        },
    );
}

struct Fixture {
    server: Server,
    line: Line,
    good: TestPeer,
    value: f64,
}

impl Fixture {
    fn new(token: Option<&str>) -> Self {
        logs();
        let mut b = server_builder("test").handshake_timeout(Duration::from_secs(1));
        if let Some(t) = token {
            b = b.token(t);
        }
        let server = b.start().unwrap();
        let line = server.line("l");
        let good = TestPeer::connect_with(server.local_addr(), token);
        Self {
            server,
            line,
            good,
            value: 0.0,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The good viewer gets a freshly published value.
    fn good_still_receives(&mut self) {
        self.value += 1.0;
        self.line.publish(&[self.value]);
        let v = self.value;
        let b = self.good.batch();
        assert_eq!(b.frames.len(), 1);
        assert_eq!(first_value(&b.frames[0]), v);
    }

    /// Connects a raw peer, sends `bytes`, and returns the connection.
    fn raw(&self, bytes: &[u8]) -> Conn {
        let mut s = TcpStream::connect(self.addr()).unwrap();
        s.write_all(bytes).unwrap();
        Conn::new(s)
    }
}

/// Reads the rejection, checks nothing follows it, and returns it.
fn rejection(io: &mut Conn) -> plotcast_protocol::Reject {
    let reject = match io.recv(TIMEOUT, "the rejection").unwrap() {
        Message::Reject(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    };
    assert_eq!(reject.server_version, VERSION);
    assert_closed(io);
    reject
}

/// Not a single further byte: the connection ends.
fn assert_closed(io: &mut Conn) {
    let mut rest = Vec::new();
    io.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let _ = io.stream.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{} bytes after the end", rest.len());
}

#[test]
fn wrong_or_missing_token_is_rejected_with_zero_data() {
    let mut f = Fixture::new(Some("secret-token"));
    f.good_still_receives();
    let mut wrong = f.raw(&hello_bytes(Some("secret-tokem")));
    let addr = wrong.stream.local_addr().unwrap();
    let r = rejection(&mut wrong);
    assert_eq!(r.code, RejectCode::BadToken);
    assert_eq!(r.reason, "wrong access token");
    assert_logged(addr, "wrong access token");

    let mut missing = f.raw(&hello_bytes(None));
    let addr = missing.stream.local_addr().unwrap();
    let r = rejection(&mut missing);
    assert_eq!(r.code, RejectCode::BadToken);
    assert!(
        r.reason.contains("requires an access token"),
        "{}",
        r.reason
    );
    assert_logged(addr, "requires an access token");
    f.good_still_receives();
    assert_eq!(f.server.viewer_count(), 1);
}

#[test]
fn bad_magic_is_dropped() {
    let mut f = Fixture::new(None);
    let mut hello = hello_bytes(None).to_vec();
    hello[12] = b'X'; // first magic byte, after the prefix and body prefix
    let mut io = f.raw(&hello);
    let addr = io.stream.local_addr().unwrap();
    assert_closed(&mut io);
    assert_logged(addr, "bad magic");
    f.good_still_receives();
}

/// A viewer of an older protocol version (here 3, which never
/// acknowledges bytes) gets a rejection it can read: Reject's layout is
/// frozen across versions.
#[test]
fn an_older_viewer_is_rejected_with_both_versions() {
    assert_eq!(VERSION, 4);
    let mut f = Fixture::new(None);
    let mut hello = hello_bytes(None).to_vec();
    hello[20..22].copy_from_slice(&3u16.to_le_bytes());
    let mut io = f.raw(&hello);
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::Version);
    assert_eq!(r.server_version, 4);
    assert!(
        r.reason.contains("viewer speaks version 3") && r.reason.contains("version 4"),
        "{}",
        r.reason
    );
    f.good_still_receives();
}

#[test]
fn newer_version_is_rejected_with_both_versions() {
    let mut f = Fixture::new(None);
    let mut hello = hello_bytes(None).to_vec();
    hello[20..22].copy_from_slice(&(VERSION + 1).to_le_bytes());
    let mut io = f.raw(&hello);
    let addr = io.stream.local_addr().unwrap();
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::Version);
    assert!(
        r.reason.contains(&format!("version {}", VERSION + 1))
            && r.reason.contains(&format!("version {VERSION}")),
        "{}",
        r.reason
    );
    assert_logged(addr, "protocol version mismatch");
    f.good_still_receives();
}

#[test]
fn oversized_handshake_frame_is_rejected() {
    let mut f = Fixture::new(None);
    let mut bytes = 1_000_000u32.to_be_bytes().to_vec();
    bytes.extend_from_slice(&[0u8; 8192]);
    let mut io = f.raw(&bytes);
    let addr = io.stream.local_addr().unwrap();
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::BadHandshake);
    assert!(r.reason.contains("larger than the limit"), "{}", r.reason);
    assert_logged(addr, "larger than the limit");
    f.good_still_receives();
}

#[test]
fn garbage_is_rejected() {
    let mut f = Fixture::new(None);
    let mut http = f.raw(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let addr = http.stream.local_addr().unwrap();
    assert_eq!(rejection(&mut http).code, RejectCode::BadHandshake);
    assert_logged(addr, "bad handshake");

    let mut junk = 16u32.to_be_bytes().to_vec();
    junk.extend_from_slice(&[0xAB; 16]);
    let mut io = f.raw(&junk);
    let addr = io.stream.local_addr().unwrap();
    let r = rejection(&mut io);
    assert!(r.reason.contains("truncated header"), "{}", r.reason);
    assert_logged(addr, "truncated header");

    // A short frame with an unknown tag.
    let mut junk = 8u32.to_be_bytes().to_vec();
    junk.extend_from_slice(&[0xAB, 0, 0, 0, 0, 0, 0, 0]);
    let mut io = f.raw(&junk);
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::BadHandshake);
    assert!(r.reason.starts_with("bad handshake: "), "{}", r.reason);

    let ready = encode(&Message::Ready(Ready::up_to(1))).unwrap();
    let mut io = f.raw(&ready);
    let r = rejection(&mut io);
    assert!(r.reason.contains("expected a hello"), "{}", r.reason);
    f.good_still_receives();
}

#[test]
fn silent_connection_is_dropped_after_the_handshake_deadline() {
    let mut f = Fixture::new(None);
    let mut io = f.raw(&[]);
    let addr = io.stream.local_addr().unwrap();
    let r = rejection(&mut io);
    assert!(
        r.reason.contains("no handshake within 1000 ms"),
        "{}",
        r.reason
    );
    assert_logged(addr, "no handshake within 1000 ms");
    f.good_still_receives();
}

#[test]
fn oversized_frame_after_the_handshake_drops_the_viewer() {
    let mut f = Fixture::new(None);
    let mut bad = TestPeer::connect(f.addr());
    let addr = bad.local_addr();
    wait_until("two viewers", TIMEOUT, || f.server.viewer_count() == 2);
    let mut big = 100_000u32.to_be_bytes().to_vec();
    big.extend_from_slice(&[0u8; 1024]);
    bad.io.stream.write_all(&big).unwrap();
    assert_logged(addr, "larger than the limit");
    wait_until("the bad viewer dropped", TIMEOUT, || {
        f.server.viewer_count() == 1
    });
    f.good_still_receives();
}

#[test]
fn non_loopback_bind_needs_a_token() {
    let err = server_builder("test")
        .bind("0.0.0.0:0")
        .generate_token(false)
        .start()
        .unwrap_err();
    assert!(matches!(err, ServerError::TokenRequired { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("needs an access token") && text.contains("PLOTCAST_TOKEN"),
        "{text}"
    );

    // By default a token is generated, and enforced (checked over loopback).
    let server = server_builder("test").bind("0.0.0.0:0").start().unwrap();
    let token = server.token().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    let port = server.local_addr().port();
    let local: SocketAddr = ([127, 0, 0, 1], port).into();
    match TestPeer::try_connect(local, hello(None)) {
        Err(PeerError::Rejected(r)) => assert_eq!(r.code, RejectCode::BadToken),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let _ok = TestPeer::connect_with(local, Some(&token));

    // The explicit opt-out.
    let open = server_builder("test")
        .bind("0.0.0.0:0")
        .insecure_no_token()
        .start()
        .unwrap();
    assert!(open.token().is_none());

    let bad = server_builder("test")
        .bind("not an address")
        .start()
        .unwrap_err();
    assert!(matches!(bad, ServerError::BadAddr { .. }), "{bad:?}");
}

#[test]
fn bad_settings_are_refused() {
    let err = server_builder("test")
        .heartbeat_interval(Duration::from_secs(5))
        .heartbeat_timeout(Duration::from_secs(5))
        .start()
        .unwrap_err();
    assert!(matches!(err, ServerError::Config { .. }), "{err:?}");
}

/// A Hello written byte by byte (PROTOCOL.md), since our encoder refuses
/// names and tokens over the limits.
fn raw_hello(token: Option<&str>, name: &str) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        let len = u16::try_from(s.len()).unwrap();
        if len < 251 {
            out.push(len as u8);
        } else {
            out.push(0xFB);
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(s.as_bytes());
    }
    let mut header = plotcast_protocol::MAGIC.to_vec();
    header.extend_from_slice(&VERSION.to_le_bytes());
    match token {
        None => header.push(0),
        Some(t) => {
            header.push(1);
            string(&mut header, t);
        }
    }
    string(&mut header, name);
    header.push(0); // codecs: uncompressed only
    header.push(0); // overview: none
    let hello_tag = hello_bytes(None)[4];
    let mut body = vec![hello_tag, 0, 0, 0];
    body.extend_from_slice(&u32::try_from(header.len()).unwrap().to_le_bytes());
    body.extend_from_slice(&header);
    while (4 + body.len()) % 8 != 0 {
        body.push(0);
    }
    let mut frame = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    frame
}

#[test]
fn hello_over_the_protocol_limits_is_rejected_as_malformed() {
    let mut f = Fixture::new(None);
    // Our own encoder makes the same bytes for a Hello within the limits.
    let mut at_limits = hello(Some(&"t".repeat(256)));
    at_limits.peer_name = "n".repeat(1024);
    let wire = plotcast_protocol::encode(&Message::Hello(at_limits.clone())).unwrap();
    assert_eq!(
        raw_hello(Some(&"t".repeat(256)), &"n".repeat(1024)),
        wire.to_vec()
    );
    // Names up to 1 KiB and tokens up to 256 bytes are welcome (no token is
    // configured: any token is accepted)...
    TestPeer::try_connect(f.addr(), at_limits).expect("a hello at the limits is welcome");
    // ... one byte more is a malformed handshake (Reject code 4).
    let mut io = f.raw(&raw_hello(None, &"n".repeat(1025)));
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::BadHandshake);
    assert!(r.reason.contains("peer name is 1025 bytes"), "{}", r.reason);
    let mut io = f.raw(&raw_hello(Some(&"t".repeat(257)), "viewer"));
    let r = rejection(&mut io);
    assert_eq!(r.code, RejectCode::BadHandshake);
    assert!(
        r.reason.contains("access token is 257 bytes"),
        "{}",
        r.reason
    );
    f.good_still_receives();
}

/// A Hello with an overview is answered with batch 1 right after the
/// Layout, with no Ready: each plot reduced for its share of the canvas
/// (the first picture one round trip after connecting).
#[test]
fn a_hello_with_an_overview_gets_a_reduced_first_batch_without_a_ready() {
    let server = server_builder("overview").start().unwrap();
    let heat = server.heatmap("field");
    let line = server.line("trace");
    let (nx, ny) = (2048usize, 1024usize);
    heat.publish(&vec![1.0; nx * ny], nx, ny);
    let ys: Vec<f64> = (0..100_000).map(|i| (i as f64 * 0.01).sin()).collect();
    line.publish(&ys);
    let overview = plotcast_protocol::Overview {
        width_px: 1280,
        height_px: 720,
    };
    let mut peer = TestPeer::try_connect(
        server.local_addr(),
        plotcast_protocol::Hello {
            overview: Some(overview),
            ..hello(None)
        },
    )
    .unwrap();
    // No Ready was sent: batch 1 is the Hello's.
    let batch = peer.read_batch();
    assert_eq!(batch.end.batch, 1);
    let field = batch.frame(peer.channel("field")).expect("the field");
    // Two plots side by side: each at most half the canvas wide.
    assert!(
        field.nx <= 640 && field.ny <= 720 && field.lod.is_some(),
        "field sent as {}×{} (lod {:?})",
        field.nx,
        field.ny,
        field.lod
    );
    let trace = batch.frame(peer.channel("trace")).expect("the trace");
    let points = trace.parts[0].y.len();
    assert!(
        points <= 4 * 642,
        "{points} points of 100 000 for a plot under 640 pixels wide"
    );
    // The viewer's own View then gets the field again, reduced for it.
    peer.io
        .send(&Message::View(plotcast_protocol::View {
            channel: peer.channel("field"),
            x_px: 0,
            width_px: 100,
            height_px: 50,
            x_range: None,
            y_range: None,
            x_log: false,
            y_log: false,
        }))
        .unwrap();
    let batch = peer.batch();
    let field = batch.frame(peer.channel("field")).expect("the field again");
    assert_eq!((field.nx, field.ny), (100, 50));
}
