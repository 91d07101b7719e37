//! A viewer pointed at an address where nothing answers says so: headless
//! it writes on stderr what it is doing (it used to wait in silence), and
//! its status never says "connection lost" for a connection that was
//! never made.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

#[test]
fn a_headless_viewer_without_a_server_says_what_it_is_doing() {
    let port = closed_port();
    let dir = std::env::temp_dir().join(format!("plotcast-unreachable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut viewer = Command::new(env!("CARGO_BIN_EXE_plotcast-viewer"))
        .args(["--headless", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("viewer starts");
    let stderr = viewer.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the viewer said something on stderr within 30 s");
    viewer.kill().expect("kill the viewer");
    viewer.wait().expect("reap the viewer");
    reader.join().expect("reader thread");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        line.contains(&format!("cannot connect to 127.0.0.1:{port}"))
            && line.contains("retrying")
            && line.contains("--timeout"),
        "{line}"
    );
    assert!(!line.contains("lost"), "{line}");
}
