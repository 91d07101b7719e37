//! Hostile bytes: connections that send a length prefix of 0xFFFFFFFF, a
//! hello whose token claims 2^40 bytes, a data header claiming 2^40
//! elements, random garbage (raw, and in well-formed frames), each before
//! the handshake and after a valid one, 25 connections of each kind.
//!
//! Promise: each such connection is closed quickly, by the error path
//! (well before the 15 s handshake deadline and the 6 s heartbeat this
//! server uses), the server does not abort, reserves no large buffer
//! (peak virtual memory would show even an untouched reservation) and
//! grows no memory, and a good viewer keeps receiving fresh frames
//! throughout.
//!
//! The server runs in the helper publisher process, so its memory figures
//! are its own.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use plotcast_protocol::{decode, Frame, Message, ProtocolError, MAGIC, VERSION};

use plotcast_testkit::frames::line_frame;

use crate::support::{
    hello_bytes, read_fresh_until_done, read_until_closed, wire, Publisher, Rng, TestPeer, MIB,
    TIMEOUT,
};

/// Connections per kind of attack.
const ROUNDS: u64 = 25;
/// Longest a hostile connection may stay open.
const CLOSE_BOUND: Duration = Duration::from_secs(5);
const RSS_GROWTH_LIMIT: f64 = 32.0 * MIB;
/// A trusted 0xFFFFFFFF prefix would reserve 4 GiB.
const VIRTUAL_GROWTH_LIMIT: f64 = 512.0 * MIB;

/// `2^40`, the element or byte count the hostile headers claim.
const HUGE: u64 = 1 << 40;

/// A frame around `header` with message tag `tag` and no payload, laid out
/// as the codec does (see protocol/PROTOCOL.md): the payload offset is
/// padded to a multiple of 8 from the frame start.
fn frame(tag: u8, header: &[u8]) -> Vec<u8> {
    let header_len = u32::try_from(header.len()).expect("a small header");
    let pad = (4 + 8 + header.len()).div_ceil(8) * 8 - (4 + 8 + header.len());
    let body_len = u32::try_from(8 + header.len() + pad).expect("a small body");
    let mut out = body_len.to_be_bytes().to_vec();
    out.extend_from_slice(&[tag, 0, 0, 0]);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(header);
    out.resize(out.len() + pad, 0);
    out
}

/// bincode's varint for a u64 above `u32::MAX`.
fn varint_u64(v: u64) -> Vec<u8> {
    let mut out = vec![253];
    out.extend_from_slice(&v.to_le_bytes());
    out
}

/// A hello whose token claims 2^40 bytes.
fn hello_with_huge_token() -> Vec<u8> {
    let hello_tag = hello_bytes(None)[4];
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.push(1); // Some(token)
    header.extend_from_slice(&varint_u64(HUGE));
    let bytes = frame(hello_tag, &header);
    let err = decode(bytes[4..].to_vec().into()).expect_err("the hostile hello is refused");
    assert!(
        !matches!(err, ProtocolError::Io(_)),
        "a decode error, not I/O: {err}"
    );
    bytes
}

/// A data frame whose header claims 2^40 f64 values and carries none.
fn data_claiming_huge_len() -> Vec<u8> {
    let small = wire(&Message::Data(Frame {
        timestamp_us: 0,
        ..line_frame(0, &[1.0])
    }));
    let body = &small[4..];
    let header_len = u32::from_le_bytes([body[4], body[5], body[6], body[7]]) as usize;
    let header = &body[8..8 + header_len];
    // With every other field small, the header ends with y's length (1), no
    // level of detail (0), no codec (0) and the raw payload length (8).
    let tail = [1, 0, 0, 8];
    assert!(
        header.ends_with(&tail),
        "y's length, lod, codec and raw_len end the data header: {header:?}"
    );
    // The hostile header is self-consistent: y's length and raw_len both
    // claim 2^40 values, so only the missing payload gives it away.
    let mut hostile = header[..header_len - tail.len()].to_vec();
    hostile.extend_from_slice(&varint_u64(HUGE));
    hostile.extend_from_slice(&[0, 0]);
    hostile.extend_from_slice(&varint_u64(HUGE * 8));
    let bytes = frame(body[0], &hostile);
    match decode(bytes[4..].to_vec().into()) {
        Err(ProtocolError::LengthMismatch { declared, actual }) => {
            assert_eq!(
                (declared, actual),
                (HUGE * 8, 0),
                "the claim is what we meant"
            );
        }
        other => panic!("the hostile data header should be a length mismatch, got {other:?}"),
    }
    bytes
}

/// Random bytes whose first byte is not zero: as a length prefix that is at
/// least 16 MiB, so the server must refuse on the prefix, not wait for more.
fn raw_garbage(rng: &mut Rng) -> Vec<u8> {
    let len = 1 + rng.below(4096) as usize;
    let mut bytes = rng.bytes(len);
    bytes[0] |= 1;
    bytes
}

/// A well-formed frame with a random body: the decoder must reject it.
fn framed_garbage(rng: &mut Rng) -> Vec<u8> {
    let len = 8 + rng.below(4000) as usize;
    let mut bytes = u32::try_from(len)
        .expect("a small length")
        .to_be_bytes()
        .to_vec();
    bytes.extend(rng.bytes(len));
    bytes
}

/// One kind of attack: its name and the bytes of round `n`.
struct Attack {
    name: &'static str,
    bytes: fn(u64) -> Vec<u8>,
}

fn huge_prefix(_: u64) -> Vec<u8> {
    let mut b = vec![0xFF; 4];
    b.extend_from_slice(&[0xAB; 60]);
    b
}

fn with_hello(rest: Vec<u8>) -> Vec<u8> {
    let mut b = hello_bytes(None).to_vec();
    b.extend(rest);
    b
}

const ATTACKS: [Attack; 8] = [
    Attack {
        name: "length prefix 0xFFFFFFFF",
        bytes: huge_prefix,
    },
    Attack {
        name: "hello with a token of 2^40 bytes",
        bytes: |_| hello_with_huge_token(),
    },
    Attack {
        name: "data header claiming 2^40 elements",
        bytes: |_| data_claiming_huge_len(),
    },
    Attack {
        name: "random garbage",
        bytes: |n| raw_garbage(&mut Rng::new(n)),
    },
    Attack {
        name: "random frame bodies",
        bytes: |n| framed_garbage(&mut Rng::new(1000 + n)),
    },
    Attack {
        name: "handshake, then length prefix 0xFFFFFFFF",
        bytes: |n| with_hello(huge_prefix(n)),
    },
    Attack {
        name: "handshake, then a data header claiming 2^40 elements",
        bytes: |_| with_hello(data_claiming_huge_len()),
    },
    Attack {
        name: "handshake, then random garbage",
        bytes: |n| {
            let mut rng = Rng::new(2000 + n);
            let garbage = if n % 2 == 0 {
                raw_garbage(&mut rng)
            } else {
                framed_garbage(&mut rng)
            };
            with_hello(garbage)
        },
    },
];

/// Runs `ROUNDS` connections of one attack; returns the slowest close.
fn run_attack(addr: SocketAddr, attack: &Attack) -> Duration {
    let mut slowest = Duration::ZERO;
    for n in 0..ROUNDS {
        let bytes = (attack.bytes)(n);
        let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)
            .unwrap_or_else(|e| panic!("{}: cannot connect: {e}", attack.name));
        // The server may close before it has read everything: a failed
        // write is fine, an open connection is not.
        let _ = s.write_all(&bytes);
        let closed = read_until_closed(&mut s, CLOSE_BOUND, attack.name);
        slowest = slowest.max(closed.after);
    }
    slowest
}

#[test]
fn hostile_bytes_close_their_connection_and_cost_nothing() {
    let mut publisher = Publisher::start(&[
        "--values",
        "1000",
        "--interval-ms",
        "10",
        "--handshake-timeout-ms",
        "15000",
    ]);
    let addr = publisher.addr;
    let mut good = TestPeer::connect(addr);
    let mut last = good.batch().last_seq();
    let baseline_rss = publisher.rss();
    let baseline_virtual = publisher.peak_virtual();

    let attackers: Vec<_> = ATTACKS
        .iter()
        .enumerate()
        .map(|(i, _)| {
            thread::Builder::new()
                .name(format!("attack-{i}"))
                .spawn(move || run_attack(addr, &ATTACKS[i]))
                .expect("starting an attacker thread")
        })
        .collect();
    // The good viewer reads throughout the attack.
    let fresh = read_fresh_until_done(&mut good, &mut last, &attackers);
    for (attack, handle) in ATTACKS.iter().zip(attackers) {
        let slowest = handle
            .join()
            .unwrap_or_else(|_| panic!("the attack {:?} failed (see above)", attack.name));
        println!(
            "hostile bytes: {:<55} {ROUNDS} connections, slowest closed after {:>4} ms",
            attack.name,
            slowest.as_millis()
        );
    }
    assert!(
        plotcast_testkit::procs::alive(publisher.pid()),
        "the server process survived"
    );
    let seq = good.batch().last_seq();
    assert!(seq > last, "the good viewer still gets fresh frames");
    assert_eq!(
        publisher.viewers(),
        1,
        "only the good viewer is left connected"
    );
    let rss_growth = publisher.peak_rss().saturating_sub(baseline_rss) as f64;
    let virtual_growth = publisher.peak_virtual().saturating_sub(baseline_virtual) as f64;
    println!(
        "hostile bytes: {} connections; server peak RSS growth {:.1} MiB, peak virtual growth {:.1} MiB; \
         the good viewer got {fresh} fresh frames meanwhile",
        ROUNDS * ATTACKS.len() as u64,
        rss_growth / MIB,
        virtual_growth / MIB
    );
    assert!(
        rss_growth < RSS_GROWTH_LIMIT,
        "hostile bytes grew the server's RSS by {:.1} MiB",
        rss_growth / MIB
    );
    assert!(
        virtual_growth < VIRTUAL_GROWTH_LIMIT,
        "hostile bytes made the server reserve {:.1} MiB",
        virtual_growth / MIB
    );
    publisher.quit();
}
