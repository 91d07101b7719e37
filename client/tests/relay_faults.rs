//! A relayed run when things go wrong, against real nats-server
//! processes: refused credentials end the viewer with a message (right
//! ones work), a TLS relay is read with its CA (and said so without it),
//! an unreachable relay is retried and said so, a hostile
//! process writing garbage and oversized values under the run's keys is
//! skipped and counted while the viewer goes on, and a viewer whose
//! cluster node dies fails over to another node (a viewer behind a leaf
//! node sees the run too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod relay_common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use plotcast_protocol::relay::MAX_MESSAGE_BYTES;
use plotcast_protocol::{ChannelKind, ChannelSpec, Layout, Message, Ping};
use plotcast_testkit::nats_server::{free_port, NodeSpec};
use plotcast_testkit::relay_publisher::body;
use plotcast_testkit::{
    Background, NatsServer, PublisherSpec, RelayPublisher, TempDir, ViewerCommand,
};
use plotcast_viewer::model::{ChannelData, Connection, PlotState};
use relay_common::{line, RelayView};

const WAIT: Duration = Duration::from_secs(60);

fn start_run(p: &RelayPublisher) {
    p.hello("faults");
    p.layout(&Layout {
        title: "faults".into(),
        columns: 0,
        channels: vec![ChannelSpec::new(0, "tick", ChannelKind::Line)],
    });
}

/// The seq of the newest value of the run's first plot (0: none yet).
fn newest_seq(plot: &PlotState) -> u64 {
    plot.layout
        .channels
        .first()
        .and_then(|c| match plot.data.get(&c.id) {
            Some(ChannelData::Snapshot(f)) => Some(f.seq),
            _ => None,
        })
        .unwrap_or(0)
}

fn with_users(name: &str) -> NatsServer {
    NatsServer::start_node(
        name,
        NodeSpec {
            jetstream_domain: Some("hub".into()),
            extra: "authorization { user: alice, password: right }\n".into(),
            ..NodeSpec::default()
        },
    )
}

#[test]
fn refused_credentials_end_the_viewer_with_a_message() {
    let nats = with_users("relay-auth");
    let started = Instant::now();
    let finished = ViewerCommand::new()
        .source(format!("nats://alice:wrong@127.0.0.1:{}/run", nats.port))
        .headless()
        .timeout_secs(30)
        .run(WAIT);
    finished.assert_exit_code(2, "a viewer with a wrong password");
    let last = finished.stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(&format!(
            "the relay at 127.0.0.1:{} refused this viewer",
            nats.port
        )) && last.contains("authorization violation"),
        "{}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("alice:wrong"),
        "no password in messages: {}",
        finished.stderr
    );
    eprintln!(
        "relay: refused credentials said in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The right password, from the address, works.
    let publisher = RelayPublisher::start_with(PublisherSpec {
        user: Some(("alice".into(), "right".into())),
        ..PublisherSpec::new(&nats.url, "run", "p0")
    });
    start_run(&publisher);
    publisher.data(&line(0, 1, &[("", vec![1.0, 2.0])]));
    let mut view = RelayView::start(&format!("nats://alice:right@127.0.0.1:{}/run", nats.port));
    view.wait("the run, with the right password", WAIT, |p| {
        newest_seq(p) == 1
    });
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with openssl
/// in `dir`: (ca.pem, server.pem, server.key).
fn certificates(dir: &TempDir) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("running openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=plotcast test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("writing san.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[test]
fn a_tls_relay_is_read_with_its_ca_and_refused_without() {
    let dir = TempDir::new("relay-tls");
    let (ca, cert, key) = certificates(&dir);
    let nats = NatsServer::start_node(
        "relay-tls",
        NodeSpec {
            jetstream_domain: Some("hub".into()),
            extra: format!("tls {{\n  cert_file: {cert:?}\n  key_file: {key:?}\n}}\n"),
            ..NodeSpec::default()
        },
    );
    let publisher = RelayPublisher::start_with(PublisherSpec {
        tls_ca: Some(ca.clone()),
        ..PublisherSpec::new(&nats.url, "run", "p0")
    });
    start_run(&publisher);
    publisher.data(&line(0, 1, &[("", vec![1.0, 2.0])]));
    let addr = format!("nats://127.0.0.1:{}/run", nats.port);
    let mut cfg = relay_common::relay_config(&addr);
    if let Some(relay) = cfg.relay.as_mut() {
        relay.tls_ca = Some(ca);
    }
    let mut view = RelayView::start_with(cfg, None);
    view.wait("the run over TLS", WAIT, |p| newest_seq(p) == 1);
    // Without the CA the server's certificate is not trusted: said, retried.
    let mut untrusting = RelayView::start(&addr);
    let plot = untrusting.wait("the viewer without the CA to say why", WAIT, |p| {
        matches!(
            &p.status.connection,
            Connection::Unreachable { retrying: true, .. }
        )
    });
    let Connection::Unreachable { reason, .. } = &plot.status.connection else {
        unreachable!()
    };
    assert!(reason.contains("cannot connect to the relay"), "{reason}");
    eprintln!("relay: without the CA: {reason}");
}

#[test]
fn an_unreachable_relay_is_retried_and_said_so() {
    let port = free_port();
    let mut view = RelayView::start(&format!("nats://127.0.0.1:{port}/run"));
    let plot = view.wait("the viewer to say it cannot connect", WAIT, |p| {
        matches!(&p.status.connection, Connection::Unreachable { attempt, retrying: true, .. } if *attempt >= 2)
    });
    let Connection::Unreachable { reason, .. } = &plot.status.connection else {
        unreachable!()
    };
    assert!(
        reason.starts_with(&format!("cannot connect to the relay 127.0.0.1:{port}")),
        "{reason}"
    );
}

#[test]
fn a_hostile_publisher_is_skipped_and_counted_and_the_viewer_goes_on() {
    let nats = NatsServer::start("relay-hostile");
    let good = RelayPublisher::start(&nats.url, "run", "rank0");
    start_run(&good);
    good.data(&line(0, 1, &[("", vec![1.0, 2.0])]));
    let mut view = RelayView::start(&format!("nats://127.0.0.1:{}/run", nats.port));
    view.wait("the good process", WAIT, |p| newest_seq(p) == 1);

    let evil = RelayPublisher::start(&nats.url, "run", "evil");
    let garbage = vec![0xffu8; 4096];
    evil.put_raw("run.evil.hello", garbage.clone());
    evil.put_raw("run.evil.layout", garbage.clone());
    evil.put_raw("run.rank0.d.0", garbage.clone());
    evil.put_raw("run.rank0.layout", body(&Message::Ping(Ping::at(1, 2))));
    evil.put_raw("run.rank0.d.99999999999", garbage.clone());
    evil.put_raw("run.rank0.hello.extra", garbage.clone());
    evil.put_raw(&format!("run.{}.hello", "x".repeat(200)), garbage.clone());
    // A layout of more channels than a process may have.
    let huge = Layout {
        title: String::new(),
        columns: 0,
        channels: (0..5000)
            .map(|i| ChannelSpec::new(i, "c", ChannelKind::Line))
            .collect(),
    };
    evil.put_raw("run.evil2.layout", body(&Message::Layout(huge)));
    // On the stream: garbage, a value longer than a relay message, a
    // chunk claiming another channel than its subject.
    evil.publish_raw("plotcast.series.run.rank0.0", garbage.clone());
    evil.publish_raw(
        "plotcast.series.run.rank0.1",
        vec![0u8; MAX_MESSAGE_BYTES + 1000],
    );
    evil.publish_raw(
        "plotcast.series.run.rank0.5",
        body(&Message::Data(relay_common::chunk(6, 0, &[1.0]))),
    );
    let plot = view.wait("the hostile values counted", WAIT, |p| {
        p.status.relay.as_ref().is_some_and(|r| r.refused >= 10)
    });
    let refused = plot.status.relay.as_ref().unwrap().refused;
    eprintln!("relay: {refused} hostile values skipped and counted");
    assert_eq!(newest_seq(&plot), 1, "the last good value stays");
    // The good process goes on, and so does the viewer.
    good.data(&line(0, 2, &[("", vec![2.0, 1.0])]));
    let plot = view.wait("the good process's next value", WAIT, |p| {
        newest_seq(p) == 2
    });
    assert_eq!(plot.status.relay.as_ref().unwrap().processes, 1);
    assert_eq!(plot.status.connection, Connection::Connected);
}

#[test]
fn a_viewer_fails_over_when_its_node_dies_and_a_leaf_viewer_sees_the_run() {
    let mut nodes = NatsServer::cluster("relay-fo");
    let publisher = RelayPublisher::start_with(PublisherSpec {
        replicas: 3,
        ..PublisherSpec::new(&nodes[0].url, "fo", "p0")
    });
    start_run(&publisher);
    let mut seq = 0u64;
    let _publishing = Background::repeat("relay-fo-publisher", move || {
        seq += 1;
        // Puts fail while the cluster elects a new leader: the next goes on.
        let _ = publisher.try_data(&line(0, seq, &[("", vec![seq as f64, 0.0])]));
        std::thread::sleep(Duration::from_millis(100));
    });
    let leaf_urls: Vec<String> = nodes.iter().filter_map(|n| n.leaf_url.clone()).collect();
    let leaf = NatsServer::leaf("relay-fo-leaf", &leaf_urls);
    let mut behind_leaf = RelayView::start(&format!("nats://127.0.0.1:{}/fo", leaf.port));
    behind_leaf.wait("the run through the leaf node", WAIT, |p| {
        newest_seq(p) >= 3
    });

    let mut view = RelayView::start(&format!(
        "nats://127.0.0.1:{},127.0.0.1:{}/fo",
        nodes[1].port, nodes[2].port
    ));
    view.wait("the run before the failure", WAIT, |p| newest_seq(p) >= 3);
    let peer = plotcast_viewer::net::default_peer_name();
    let on = plotcast_testkit::wait_for("the viewer's node", WAIT, || {
        (1..3).find(|&i| nodes[i].connections().contains(&peer))
    });
    nodes[on].kill();
    let killed = Instant::now();
    let before = newest_seq(&view.draw());
    view.wait("the viewer to go on after its node died", WAIT, |p| {
        newest_seq(p) > before + 5 && p.status.connection == Connection::Connected
    });
    eprintln!(
        "relay: node {} killed, its viewer went on after {:.1} s",
        on + 1,
        killed.elapsed().as_secs_f64()
    );
}
