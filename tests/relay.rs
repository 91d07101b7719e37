//! Beyond one machine, end to end: real computations (`plotcast::Server`
//! with `.nats(..)`), real `plotcast-viewer` processes reading
//! `nats://…/RUN`, and real nats-server processes (a cluster of three, a
//! leaf node that dials out), on loopback.
//!
//! - a computation on node 1 of a cluster, viewers on nodes 2 and 3 draw
//!   the plots a direct viewer of the same data draws; node 2 is killed and
//!   its viewer goes on through node 3; a SIGSTOPped viewer slows neither
//!   the computation nor the other viewer;
//! - a computation behind a leaf node (a compute node that accepts no
//!   connections: nothing listens) is viewed from the cluster;
//! - four computations of one run, each publishing one tile of a heatmap
//!   and one trace, are one picture: the one a single computation of the
//!   whole draws, in a viewer started before the run existed.

use std::path::Path;
use std::time::{Duration, Instant};

use plotcast_testkit::nats_server::NatsServer;
use plotcast_testkit::procs::Signal;
use plotcast_testkit::rgb::Rect;
use plotcast_testkit::viewer_files::note;
use plotcast_testkit::{Rgb, TempDir, ViewerCommand, ViewerProcess, Wait};

const LIMIT: Duration = Duration::from_secs(120);
const SIZE: (u32, u32) = (900, 600);
const NX: usize = 64;
const NY: usize = 48;

fn field(x: usize, y: usize) -> f64 {
    ((x as f64) * 0.2).sin() * ((y as f64) * 0.15).cos() + (x + y) as f64 * 0.01
}

fn trace(rank: usize) -> Vec<f64> {
    (0..200)
        .map(|i| (i as f64 * 0.05 + rank as f64).sin() + rank as f64)
        .collect()
}

/// A headless viewer of `source` writing `out` (replaced every frame) and
/// its ready file in `dir`.
fn headless(dir: &TempDir, name: &str, source: &str) -> ViewerProcess {
    ViewerCommand::new()
        .source(source)
        .headless()
        .out(dir.join(format!("{name}.png")))
        .ready_file(dir.join(format!("{name}.ready")))
        .size(SIZE.0, SIZE.1)
        .timeout_secs(300)
        .current_dir(dir.path())
        .spawn()
}

/// A plot's rectangle from the viewer's `view` note.
fn rect(lines: &[String], channel: u32) -> Option<Rect> {
    let rest = note(lines, &format!("view {channel}"))?;
    let at = rest.split(" at ").nth(1)?;
    let n: Vec<u32> = at
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (n.len() == 4).then(|| (n[0], n[1], n[2], n[3]))
}

fn received(lines: &[String]) -> u64 {
    note(lines, "received")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Waits until the viewer's picture holds `frames` data frames and both
/// plots; returns its PNG and notes.
fn picture(v: &mut ViewerProcess, png: &Path, frames: u64, what: &str) -> (Rgb, Vec<String>) {
    let lines = v.wait_for_notes(what, LIMIT, |l| {
        received(l) >= frames && rect(l, 0).is_some() && rect(l, 1).is_some()
    });
    // The PNG is replaced atomically after the ready file: read the one
    // that belongs to these notes.
    let shot = Wait::new("the PNG", LIMIT).for_value(|| png.is_file().then(|| Rgb::read_png(png)));
    (shot, lines)
}

/// The share of pixels that differ inside each plot of `a` and `b`.
fn plots_differ(a: &(Rgb, Vec<String>), b: &(Rgb, Vec<String>)) -> f64 {
    (0..2)
        .map(|channel| {
            let ra = rect(&a.1, channel).expect("plot drawn");
            let rb = rect(&b.1, channel).expect("plot drawn");
            assert_eq!(ra, rb, "plot {channel} in the same place");
            a.0.difference_in(&b.0, ra)
        })
        .fold(0.0, f64::max)
}

fn publish_whole(server: &plotcast::Server, ranks: usize) {
    let heat = server.channel("field").heatmap();
    let lines = server.channel("traces").line();
    let grid: Vec<f64> = (0..NX * NY).map(|i| field(i % NX, i / NX)).collect();
    heat.publish(&grid, NX, NY);
    let ys: Vec<Vec<f64>> = (0..ranks).map(trace).collect();
    let names: Vec<String> = (0..ranks).map(|r| format!("rank{r}")).collect();
    let traces: Vec<plotcast::Trace<'_>> = names
        .iter()
        .zip(&ys)
        .map(|(n, y)| plotcast::Trace::y(n, y))
        .collect();
    lines.publish_traces(&traces);
}

#[test]
fn a_cluster_carries_a_run_to_viewers_on_other_nodes_and_one_survives_its_node() {
    let mut cluster = NatsServer::cluster("relay-e2e");
    let dir = TempDir::new("relay-cluster");
    let server = plotcast::Server::builder()
        .title("cluster run")
        .use_env(false)
        .launch_viewer(false)
        .nats(cluster[0].url.clone())
        .run("cluster-run")
        .process("rank0")
        .nats_replicas(3)
        .bind("127.0.0.1:0")
        .start()
        .expect("server starts");
    publish_whole(&server, 1);
    let direct_addr = server
        .listen_addr()
        .expect("listening as asked")
        .to_string();
    let mut direct = headless(&dir, "direct", &direct_addr);
    let on2 = format!("{}/cluster-run", cluster[1].url);
    let on3 = format!("{}/cluster-run", cluster[2].url);
    let mut v2 = headless(&dir, "node2", &on2);
    let mut v3 = headless(&dir, "node3", &on3);
    let d = picture(
        &mut direct,
        &dir.join("direct.png"),
        2,
        "the direct picture",
    );
    let p2 = picture(&mut v2, &dir.join("node2.png"), 2, "node 2's picture");
    let p3 = picture(&mut v3, &dir.join("node3.png"), 2, "node 3's picture");
    assert!(
        plots_differ(&d, &p2) == 0.0,
        "node 2 draws what a direct viewer draws"
    );
    assert!(
        plots_differ(&d, &p3) == 0.0,
        "node 3 draws what a direct viewer draws"
    );
    let status = note(&p2.1, "status").unwrap_or_default().to_owned();
    assert!(
        status.contains("cluster-run"),
        "the status line names the run: {status}"
    );

    // Node 3's viewer stops reading: the computation publishes on, and
    // node 2's viewer keeps drawing.
    v3.signal(Signal::STOP);
    let line = server.channel("traces").line();
    let started = Instant::now();
    let mut longest = Duration::ZERO;
    for k in 0..200 {
        let y: Vec<f64> = (0..200).map(|i| (i + k) as f64).collect();
        let t = Instant::now();
        line.publish(&y);
        longest = longest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        longest < Duration::from_millis(50),
        "a publish took {longest:?}"
    );
    let seen = received(&v2.notes());
    v2.wait_for_notes("node 2 draws on while node 3 is stopped", LIMIT, |l| {
        received(l) > seen
    });
    v3.signal(Signal::CONT);
    eprintln!(
        "200 publishes with a stopped viewer: {:?}, longest {longest:?}",
        started.elapsed()
    );

    // Node 2 dies: its viewer goes on through another node.
    cluster[1].kill();
    let seen = received(&v2.notes());
    let killed = Instant::now();
    let wait = Wait::new("node 2's viewer to go on after its node died", LIMIT)
        .every(Duration::from_millis(100));
    wait.until(|| {
        let y: Vec<f64> = (0..200).map(|i| (i as f64).cos()).collect();
        line.publish(&y);
        received(&v2.notes()) > seen
    });
    eprintln!(
        "failover: new data drawn {:?} after node 2 was killed",
        killed.elapsed()
    );
    for v in [direct, v2, v3] {
        v.kill();
    }
}

#[test]
fn a_computation_behind_a_leaf_node_is_viewed_from_the_cluster() {
    let cluster = NatsServer::cluster("relay-leaf");
    let hubs: Vec<String> = cluster.iter().filter_map(|n| n.leaf_url.clone()).collect();
    let leaf = NatsServer::leaf("relay-leaf-node", &hubs);
    let dir = TempDir::new("relay-leaf");
    let server = plotcast::Server::builder()
        .title("leaf run")
        .use_env(false)
        .launch_viewer(false)
        .nats(leaf.url.clone())
        .nats_domain("hub")
        .run("leaf-run")
        .start()
        .expect("server starts");
    assert!(
        server.listen_addr().is_none(),
        "nothing listens on the compute node"
    );
    publish_whole(&server, 1);
    let mut v = headless(&dir, "hub", &format!("{}/leaf-run", cluster[2].url));
    let (shot, lines) = picture(
        &mut v,
        &dir.join("hub.png"),
        2,
        "the run seen from the cluster",
    );
    let heatmap = rect(&lines, 0).expect("the heatmap drawn");
    assert!(shot.distinct_colours_in(heatmap) > 20, "the field is drawn");
    v.kill();
}

#[test]
fn four_computations_of_one_run_are_one_picture() {
    let nats = NatsServer::start("relay-tiles");
    let dir = TempDir::new("relay-tiles");
    // The viewer comes first, as one opened before a job is scheduled:
    // it waits for the run (no bucket yet) and shows it when it comes.
    let mut merged = headless(&dir, "merged", &format!("{}/tiles", nats.url));
    merged.wait_for_log("waiting for run tiles", LIMIT);
    // Each rank: a quarter of the grid (2 x 2 tiles) and one trace.
    let ranks: Vec<plotcast::Server> = (0..4)
        .map(|rank| {
            let server = plotcast::Server::builder()
                .title("tiles")
                .use_env(false)
                .launch_viewer(false)
                .nats(nats.url.clone())
                .run("tiles")
                .process(format!("rank{rank}"))
                .start()
                .expect("server starts");
            let (tx, ty) = (rank % 2, rank / 2);
            let (w, h) = (NX / 2, NY / 2);
            let (x0, y0) = (tx * w, ty * h);
            let heat = server
                .channel("field")
                .tile(x0 as u32, y0 as u32, NX as u32, NY as u32)
                .heatmap();
            let tile: Vec<f64> = (0..w * h).map(|i| field(x0 + i % w, y0 + i / w)).collect();
            heat.publish(&tile, w, h);
            server.channel("traces").line().publish(&trace(rank));
            server
        })
        .collect();
    // The same data from one computation: the whole grid, four named traces.
    let whole = plotcast::Server::builder()
        .title("tiles")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .expect("server starts");
    publish_whole(&whole, 4);
    let mut single = headless(&dir, "single", &whole.local_addr().to_string());
    let m = picture(
        &mut merged,
        &dir.join("merged.png"),
        8,
        "the four ranks' picture",
    );
    let s = picture(
        &mut single,
        &dir.join("single.png"),
        2,
        "the single picture",
    );
    let differ = plots_differ(&m, &s);
    if differ != 0.0 {
        m.0.keep("relay-tiles-merged");
        s.0.keep("relay-tiles-single");
    }
    assert!(differ == 0.0, "{:.4} of a plot's pixels differ", differ);
    merged.kill();
    single.kill();
    drop(ranks);
}
