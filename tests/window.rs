//! Real windows under a private Xvfb: the main demo's window updates live,
//! and Ctrl-C stops a computation while its viewer keeps the final plot.
//!
//! Skipped, with a message, only when no X server can be started outside
//! CI; with `CI` set a missing X server fails them (see `xvfb::Xvfb::start`).

use std::path::Path;
use std::time::{Duration, Instant};

use plotcast_testkit::procs::{self, Signal};
use plotcast_testkit::viewer_files::presented;
use plotcast_testkit::{
    bins, wait_until, ComputationCommand, ComputationProcess, TempDir, ViewerCommand, Xvfb,
};

const SCREEN: (u32, u32) = (1400, 900);
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Starts an example whose auto-launched viewer opens a window on `x`,
/// in its own process group (like a job started from a shell).
fn start_example(
    x: &Xvfb,
    name: &str,
    args: &[&str],
    steps: u64,
    ready: &Path,
) -> ComputationProcess {
    use std::os::unix::process::CommandExt;
    let viewer = ViewerCommand::new().size(1280, 720).ready_file(ready);
    let mut example = ComputationCommand::example(name)
        .args(args)
        .steps(steps)
        .viewer(&viewer)
        .display(x);
    example.command().process_group(0);
    example.spawn()
}

/// The pid of the viewer that writes `ready`.
fn viewer_pid(ready: &Path) -> i32 {
    let marker = ready.display().to_string();
    let pids = procs::pids_with_cmdline(&marker);
    let viewer = bins::viewer();
    pids.into_iter()
        .find(|&pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == viewer))
        .unwrap_or_else(|| panic!("no viewer process with {marker} on its command line"))
}

/// Kills a process that is not our child and waits until it is gone.
fn kill_and_wait(pid: i32) {
    let _ = procs::signal(pid, Signal::KILL);
    procs::wait_gone(pid, "the viewer to die", Duration::from_secs(10));
}

#[test]
fn heat_demo_window_shows_the_plots_updating() {
    let Some(x) = Xvfb::start_or_skip(SCREEN.0, SCREEN.1) else {
        return;
    };
    let dir = TempDir::new("window-heat");
    let ready = dir.join("ready");
    let demo = start_example(&x, "heat", &[], 50_000_000, &ready);
    wait_until(
        "the viewer to present its first frame",
        START_TIMEOUT,
        || presented(&ready) >= 1,
    );
    let viewer = viewer_pid(&ready);

    let first = x.wait_for_screen("a heatmap on screen", Duration::from_secs(30), |s| {
        s.colour_fraction() > 0.05 && s.distinct_colours() > 50
    });
    first.write_png(&dir.join("first.png"));
    let seen = presented(&ready);
    wait_until(
        "the viewer to present more frames",
        Duration::from_secs(30),
        || presented(&ready) >= seen + 5,
    );
    let second = x.wait_for_screen("the plot to change", Duration::from_secs(30), |s| {
        s.difference(&first) > 0.001
    });
    second.write_png(&dir.join("second.png"));
    if let Ok(keep) = std::env::var("PLOTCAST_SCREENSHOT_DIR") {
        first.write_png(&Path::new(&keep).join("heat-window-1.png"));
        second.write_png(&Path::new(&keep).join("heat-window-2.png"));
    }
    assert!(
        second.colour_fraction() > 0.05,
        "the plot is still on screen after updating"
    );
    drop(demo);
    kill_and_wait(viewer);
}

/// Ctrl-C as a terminal sends it: SIGINT to the foreground process group.
fn ctrl_c(group: i32) {
    procs::signal(-group, Signal::INT).expect("sending SIGINT to the example's group");
}

fn interrupt_case(graceful: bool) {
    let Some(x) = Xvfb::start_or_skip(SCREEN.0, SCREEN.1) else {
        return;
    };
    let dir = TempDir::new("window-interrupt");
    let ready = dir.join("ready");
    let args: &[&str] = if graceful { &["--graceful"] } else { &[] };
    let mut example = start_example(&x, "interrupt", args, 10_000_000, &ready);
    wait_until(
        "the viewer to present its first frame",
        START_TIMEOUT,
        || presented(&ready) >= 1,
    );
    let viewer = viewer_pid(&ready);
    assert_ne!(
        procs::process_group(viewer),
        Some(example.pid()),
        "the viewer runs in its own process group"
    );

    let sent = Instant::now();
    ctrl_c(example.pid());
    let status = example.wait_exit("the computation to stop at Ctrl-C", Duration::from_secs(10));
    let took = sent.elapsed();
    if graceful {
        assert!(
            status.success(),
            "the graceful variant exits normally: {status}"
        );
    } else {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(Signal::INT.as_raw()),
            "killed by SIGINT: {status}"
        );
        assert!(
            took < Duration::from_secs(5),
            "Ctrl-C stopped the loop at once ({took:?})"
        );
    }

    // The window survives and keeps showing the final plot.
    assert!(procs::alive(viewer), "the viewer survived Ctrl-C");
    // Two thin lines and the status text: about 0.2 % of a 1400×900
    // screen (an empty or black screen has none).
    let shot = x.wait_for_screen("the final plot on screen", Duration::from_secs(20), |s| {
        s.colour_fraction() > 0.001
    });
    shot.write_png(&dir.join("after-ctrl-c.png"));
    assert!(
        procs::alive(viewer),
        "the viewer is still alive after the screenshot"
    );
    // No zombie: the example was reaped by us (tests running beside this
    // one may own other short-lived children, so only ours are checked),
    // and the viewer, now an orphan, is a live process, not a zombie.
    assert_eq!(
        procs::state(example.pid()),
        None,
        "the example is gone, not a zombie"
    );
    assert_ne!(procs::state(viewer), Some('Z'), "the viewer is no zombie");
    kill_and_wait(viewer);
}

#[test]
fn ctrl_c_stops_the_computation_and_the_window_stays() {
    interrupt_case(false);
}

#[test]
fn graceful_ctrl_c_publishes_a_final_frame_and_exits() {
    interrupt_case(true);
}
