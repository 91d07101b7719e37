//! The test kit's nats-server starts real servers: one with JetStream, a
//! three-node cluster whose routes connect, and a leaf node attached to it.

use std::time::Duration;

use plotcast_testkit::nats_server::NatsServer;
use plotcast_testkit::wait_until;

fn monitor(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("monitoring port");
    write!(s, "GET {path} HTTP/1.0\r\n\r\n").expect("request");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("response");
    text
}

#[test]
fn a_server_a_cluster_and_a_leaf_start_for_real() {
    let mut single = NatsServer::start("single");
    assert!(monitor(single.http_port, "/jsz").contains("\"domain\": \"hub\""));
    single.kill();
    single.restart(true);
    let cluster = NatsServer::cluster("trio");
    let count = |text: &str, field: &str| -> u64 {
        let at = text.find(field).map_or(text.len(), |i| i + field.len());
        text[at..]
            .trim_start_matches([':', ' ', '"'])
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    wait_until("the routes to connect", Duration::from_secs(30), || {
        count(&monitor(cluster[0].http_port, "/routez"), "\"num_routes\"") >= 2
    });
    let hubs: Vec<String> = cluster.iter().filter_map(|n| n.leaf_url.clone()).collect();
    let leaf = NatsServer::leaf("leaf", &hubs);
    wait_until("the leaf to attach", Duration::from_secs(30), || {
        count(&monitor(leaf.http_port, "/leafz"), "\"leafnodes\"") == 1
    });
}
