//! Viewer launch, with this test binary standing in for the viewer.
//!
//! `harness = false`: the cases run one after another because they set
//! `PLOTCAST_*` variables, and when the server launches this binary with
//! `PLOTCAST_FAKE_VIEWER_OUT` set it acts as a fake viewer: it records its
//! arguments, token, process group and stdin, connects, and exits.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use plotcast::{Server, ViewerLaunch};
use plotcast_protocol::{Goodbye, GoodbyeCode, Message};
use plotcast_testkit::test_peer::{hello, TIMEOUT};
use plotcast_testkit::{procs, wait_until, PeerError, TempDir, TestPeer};

const OUT_VAR: &str = "PLOTCAST_FAKE_VIEWER_OUT";

fn main() {
    if let Some(out) = std::env::var_os(OUT_VAR) {
        fake_viewer(Path::new(&out));
        return;
    }
    let cases: [(&str, fn()); 5] = [
        (
            "launch_passes_address_and_token_and_reaps",
            launch_passes_address_and_token_and_reaps,
        ),
        (
            "missing_viewer_still_starts_with_a_hint",
            missing_viewer_still_starts_with_a_hint,
        ),
        (
            "no_viewer_variable_disables_launch",
            no_viewer_variable_disables_launch,
        ),
        (
            "plotcast_addr_overrides_the_bind_address",
            plotcast_addr_overrides_the_bind_address,
        ),
        (
            "through_nats_the_viewer_watches_the_run_with_credentials_in_its_environment",
            through_nats_the_viewer_watches_the_run_with_credentials_in_its_environment,
        ),
    ];
    // Enough of libtest's command line for `cargo test FILTER` and `--list`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let selected: Vec<_> = cases
        .iter()
        .filter(|(name, _)| filter.is_none_or(|f| name.contains(f.as_str())))
        .collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        return;
    }
    println!("\nrunning {} tests", selected.len());
    for (name, case) in &selected {
        clear_env();
        case();
        println!("test {name} ... ok");
    }
    clear_env();
    println!(
        "\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; {} filtered out\n",
        selected.len(),
        cases.len() - selected.len()
    );
}

fn clear_env() {
    for var in [
        OUT_VAR,
        "PLOTCAST_VIEWER",
        "PLOTCAST_NO_VIEWER",
        "PLOTCAST_TOKEN",
        "PLOTCAST_ADDR",
        "PLOTCAST_NATS",
        "PLOTCAST_RUN",
        "PLOTCAST_PROCESS",
        "PLOTCAST_NATS_TOKEN",
        "PLOTCAST_NATS_CREDS",
    ] {
        std::env::remove_var(var);
    }
}

fn fake_viewer(out: &Path) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let token = std::env::var("PLOTCAST_TOKEN").unwrap_or_default();
    let me = std::process::id();
    let pgrp = i32::try_from(me)
        .ok()
        .and_then(procs::process_group)
        .map_or_else(String::new, |g| g.to_string());
    let stdin = fs::read_link("/proc/self/fd/0").unwrap_or_default();
    fs::write(out.join("args"), args.join("\n")).unwrap();
    fs::write(out.join("token"), &token).unwrap();
    fs::write(out.join("pgrp"), format!("{pgrp} {me}")).unwrap();
    fs::write(out.join("stdin"), stdin.display().to_string()).unwrap();
    if args[0].starts_with("nats://") {
        let nats: Vec<String> = ["USER", "PASSWORD", "TOKEN", "CREDS"]
            .iter()
            .map(|v| std::env::var(format!("PLOTCAST_NATS_{v}")).unwrap_or_default())
            .collect();
        fs::write(out.join("nats-env"), nats.join("\n")).unwrap();
        fs::write(out.join("result.tmp"), "through NATS").unwrap();
        fs::rename(out.join("result.tmp"), out.join("result")).unwrap();
        return;
    }
    let addr: SocketAddr = args[0].parse().unwrap();
    let token = Some(token.as_str()).filter(|t| !t.is_empty());
    let answer = match TestPeer::try_connect(addr, hello(token)) {
        Ok(mut c) => {
            c.io.send(&Message::Goodbye(Goodbye {
                code: GoodbyeCode::Normal,
                reason: "fake viewer done".into(),
            }))
            .unwrap();
            format!("welcome {}", c.welcome.server_name)
        }
        Err(PeerError::Rejected(r)) => format!("{r:?}"),
        Err(err) => format!("{err}"),
    };
    // Written last: the test waits for this file.
    fs::write(out.join("result.tmp"), answer).unwrap();
    fs::rename(out.join("result.tmp"), out.join("result")).unwrap();
}

fn launch_passes_address_and_token_and_reaps() {
    let dir = TempDir::new("launch");
    let out = dir.path();
    std::env::set_var(OUT_VAR, out);
    std::env::set_var("PLOTCAST_VIEWER", std::env::current_exe().unwrap());
    std::env::set_var("PLOTCAST_TOKEN", "tok-123");
    let server = Server::builder().title("launched").start().unwrap();
    let pid = match server.viewer_launch() {
        ViewerLaunch::Launched { pid, .. } => i32::try_from(pid).expect("a pid"),
        other => panic!("expected a launch, got {other:?}"),
    };
    wait_until("the fake viewer's report", TIMEOUT, || {
        out.join("result").exists()
    });
    let args = fs::read_to_string(out.join("args")).unwrap();
    assert_eq!(args, format!("{}\n--no-reconnect", server.local_addr()));
    assert_eq!(fs::read_to_string(out.join("token")).unwrap(), "tok-123");
    assert_eq!(
        fs::read_to_string(out.join("result")).unwrap(),
        "welcome launched"
    );
    let pgrp = fs::read_to_string(out.join("pgrp")).unwrap();
    let (group, me) = pgrp.split_once(' ').unwrap();
    assert_eq!(group, me, "the viewer leads its own process group");
    assert_eq!(fs::read_to_string(out.join("stdin")).unwrap(), "/dev/null");
    // The token never travels on the command line.
    assert!(!args.contains("tok-123"));
    // Reaped: the process disappears (a zombie would stay with state Z).
    wait_until("the fake viewer reaped", TIMEOUT, || {
        procs::state(pid).is_none_or(|state| state != 'Z')
            && !Path::new(&format!("/proc/{pid}")).exists()
    });
    drop(server);
}

fn missing_viewer_still_starts_with_a_hint() {
    std::env::set_var("PLOTCAST_VIEWER", "/nonexistent/plotcast-viewer");
    let server = Server::builder().start().unwrap();
    match server.viewer_launch() {
        ViewerLaunch::NotFound { error } => {
            assert!(matches!(*error, plotcast::SpawnError::NotFound { .. }));
            let hint = error.to_string();
            assert!(hint.contains("/nonexistent/plotcast-viewer"), "{hint}");
            assert!(
                hint.contains("cargo build --release -p plotcast-viewer"),
                "{hint}"
            );
            assert!(hint.contains("cargo install --path client"), "{hint}");
            assert!(hint.contains(&server.local_addr().to_string()), "{hint}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    // The computation goes on: publishing and serving work.
    let line = server.line("l");
    line.publish(&[1.0]);
    let mut c = TestPeer::connect(server.local_addr());
    assert_eq!(c.batch().frames.len(), 1);

    // The builder's path wins over the variable, and is reported the same way.
    let server = Server::builder()
        .viewer_path("/also/missing")
        .start()
        .unwrap();
    assert!(
        matches!(server.viewer_launch(), ViewerLaunch::NotFound { error } if error.to_string().contains("/also/missing"))
    );
}

fn no_viewer_variable_disables_launch() {
    std::env::set_var("PLOTCAST_NO_VIEWER", "1");
    std::env::set_var("PLOTCAST_VIEWER", "/nonexistent/plotcast-viewer");
    let server = Server::builder().start().unwrap();
    assert!(matches!(server.viewer_launch(), ViewerLaunch::Disabled));
    let server = Server::builder()
        .use_env(false)
        .launch_viewer(false)
        .start()
        .unwrap();
    assert!(matches!(server.viewer_launch(), ViewerLaunch::Disabled));
}

fn plotcast_addr_overrides_the_bind_address() {
    // Find a free port, then ask for it through the environment.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::env::set_var("PLOTCAST_ADDR", format!("127.0.0.1:{port}"));
    std::env::set_var("PLOTCAST_NO_VIEWER", "1");
    let server = Server::builder().bind("127.0.0.1:0").start().unwrap();
    assert_eq!(server.local_addr().port(), port);
    assert!(server.token().is_none(), "loopback needs no token");
    // Drop frees the port promptly.
    drop(server);
    let _again = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let _ = Duration::ZERO;
    let _ = TIMEOUT;
}

fn through_nats_the_viewer_watches_the_run_with_credentials_in_its_environment() {
    if !cfg!(feature = "nats") {
        return;
    }
    let dir = TempDir::new("launch-nats");
    let out = dir.path();
    std::env::set_var(OUT_VAR, out);
    std::env::set_var("PLOTCAST_VIEWER", std::env::current_exe().unwrap());
    // Nobody listens on port 9: the relay retries in the background.
    std::env::set_var("PLOTCAST_NATS", "nats://alice:s3cret@127.0.0.1:9");
    std::env::set_var("PLOTCAST_RUN", "launch-run");
    std::env::set_var("PLOTCAST_NATS_TOKEN", "t0k3n");
    let server = Server::builder().title("launched").start().unwrap();
    assert_eq!(server.listen_addr(), None, "through NATS nothing listens");
    assert!(matches!(
        server.viewer_launch(),
        ViewerLaunch::Launched { .. }
    ));
    wait_until("the fake viewer's report", TIMEOUT, || {
        out.join("result").exists()
    });
    let args = fs::read_to_string(out.join("args")).unwrap();
    assert_eq!(args, "nats://127.0.0.1:9/launch-run");
    assert_eq!(
        fs::read_to_string(out.join("nats-env")).unwrap(),
        "alice\ns3cret\nt0k3n\n"
    );
    assert_eq!(fs::read_to_string(out.join("token")).unwrap(), "");
    let stats = server.stats().relay.expect("relay stats");
    assert_eq!(stats.run, "launch-run");
    assert!(!stats.connected);
}
