//! Real windows under a private Xvfb: the main demo's window updates live,
//! and Ctrl-C stops a computation while its viewer keeps the final plot.
//!
//! Skipped, with a message, only when no X server can be started outside
//! CI; with `CI` set a missing X server fails them (see `xvfb::Xvfb::start`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plotcast_testkit::procs::{self, wait_timeout, wait_until, KillOnDrop};
use plotcast_testkit::viewer_files::presented;
use plotcast_testkit::xvfb::Xvfb;
use plotcast_testkit::{bins, TempDir};

const SCREEN: (u32, u32) = (1400, 900);
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Starts an example whose auto-launched viewer opens a window on `x`,
/// in its own process group (like a job started from a shell).
fn start_example(x: &Xvfb, name: &str, args: &[&str], steps: u64, ready: &Path) -> KillOnDrop {
    use std::os::unix::process::CommandExt;
    KillOnDrop(
        Command::new(bins::example(name))
            .args(args)
            .env("DISPLAY", x.display())
            .env("PLOTCAST_STEPS", steps.to_string())
            .env("PLOTCAST_VIEWER", bins::viewer())
            .env(
                "PLOTCAST_VIEWER_ARGS",
                format!("--size 1280x720 --ready-file {}", ready.display()),
            )
            .env_remove("PLOTCAST_NO_VIEWER")
            .env_remove("PLOTCAST_ADDR")
            .env_remove("WAYLAND_DISPLAY")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start example {name}: {e}")),
    )
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
    let _ = procs::signal(pid, procs::Signal::KILL);
    wait_until(Duration::from_secs(10), "the viewer to die", || {
        !procs::alive(pid)
    });
}

#[test]
fn heat_demo_window_shows_the_plots_updating() {
    let x = match Xvfb::start(SCREEN.0, SCREEN.1) {
        Ok(x) => x,
        Err(why) => return eprintln!("skipped: no X server: {why}"),
    };
    let dir = TempDir::new("window-heat");
    let ready = dir.path().join("ready");
    let mut demo = start_example(&x, "heat", &[], 50_000_000, &ready);
    wait_until(
        START_TIMEOUT,
        "the viewer to present its first frame",
        || presented(&ready) >= 1,
    );
    let viewer = viewer_pid(&ready);

    let first = x.wait_for_screen(Duration::from_secs(30), "a heatmap on screen", |s| {
        s.colour_fraction() > 0.05 && s.distinct_colours() > 50
    });
    first.write_png(&dir.path().join("first.png"));
    let seen = presented(&ready);
    wait_until(
        Duration::from_secs(30),
        "the viewer to present more frames",
        || presented(&ready) >= seen + 5,
    );
    let second = x.wait_for_screen(Duration::from_secs(30), "the plot to change", |s| {
        s.difference(&first) > 0.001
    });
    second.write_png(&dir.path().join("second.png"));
    if let Ok(keep) = std::env::var("PLOTCAST_SCREENSHOT_DIR") {
        first.write_png(&Path::new(&keep).join("heat-window-1.png"));
        second.write_png(&Path::new(&keep).join("heat-window-2.png"));
    }
    assert!(
        second.colour_fraction() > 0.05,
        "the plot is still on screen after updating"
    );
    let _ = demo.0.kill();
    let _ = demo.0.wait();
    kill_and_wait(viewer);
}

/// Ctrl-C as a terminal sends it: SIGINT to the foreground process group.
fn ctrl_c(group: i32) {
    procs::signal(-group, procs::Signal::INT).expect("sending SIGINT to the example's group");
}

fn interrupt_case(graceful: bool) {
    let x = match Xvfb::start(SCREEN.0, SCREEN.1) {
        Ok(x) => x,
        Err(why) => return eprintln!("skipped: no X server: {why}"),
    };
    let dir = TempDir::new("window-interrupt");
    let ready = dir.path().join("ready");
    let args: &[&str] = if graceful { &["--graceful"] } else { &[] };
    let mut example = start_example(&x, "interrupt", args, 10_000_000, &ready);
    wait_until(
        START_TIMEOUT,
        "the viewer to present its first frame",
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
    let status = wait_timeout(&mut example.0, Duration::from_secs(10))
        .expect("the computation stops within 10 s of Ctrl-C");
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
            Some(procs::Signal::INT.as_raw()),
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
    let shot = x.wait_for_screen(Duration::from_secs(20), "the final plot on screen", |s| {
        s.colour_fraction() > 0.001
    });
    shot.write_png(&dir.path().join("after-ctrl-c.png"));
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
