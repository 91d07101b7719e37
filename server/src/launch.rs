//! Finding and starting the viewer (`plotcast-viewer`).
//!
//! Search order: the builder's `viewer_path`, `PLOTCAST_VIEWER`, next to the
//! running executable and in its parent folder (cargo puts examples in
//! `target/<profile>/examples/`), then `PATH`. When nothing is found but we
//! run under `cargo run` inside the plotcast workspace, the viewer is built
//! in the background first.
//!
//! The viewer runs in its own process group with stdin closed, so Ctrl-C in
//! the terminal stops the computation but not the window; the token travels
//! in its environment (`PLOTCAST_TOKEN`), never on its command line. A named
//! thread waits for it so it never lingers as a zombie while we live; the
//! server does not kill it when dropped (it keeps showing the final plot).

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use plotcast_protocol::util::lock;

use crate::SpawnError;

/// The viewer binary's name.
pub const VIEWER_BIN: &str = "plotcast-viewer";

/// What became of the viewer launch, from [`Server::viewer_launch`](crate::Server::viewer_launch).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ViewerLaunch {
    /// Turned off (builder option or `PLOTCAST_NO_VIEWER=1`).
    Disabled,
    /// Started.
    Launched {
        /// The binary.
        path: PathBuf,
        /// Its process id.
        pid: u32,
    },
    /// Being built with cargo in the background; it starts when built.
    Building,
    /// Not found: the error (its message, printed on stderr, says where
    /// we looked and how to get a viewer).
    NotFound {
        /// A [`SpawnError::NotFound`].
        error: Arc<SpawnError>,
    },
    /// Found (or built) but could not be started, or the build failed.
    Failed {
        /// Why: [`SpawnError::Start`] or [`SpawnError::Build`].
        error: Arc<SpawnError>,
    },
}

/// What the launch needs to know.
#[derive(Debug, Clone)]
pub(crate) struct LaunchRequest {
    /// The address the viewer connects to.
    pub(crate) addr: SocketAddr,
    pub(crate) token: Option<String>,
    pub(crate) explicit_path: Option<PathBuf>,
    /// A viewer of the user's own, by binary name (`viewer_bin`).
    pub(crate) bin_name: Option<String>,
    pub(crate) env_path: Option<PathBuf>,
    /// Appended to the viewer's command line (`PLOTCAST_VIEWER_ARGS`).
    pub(crate) extra_args: Vec<String>,
    /// False once the server is dropped: a late build does not launch.
    pub(crate) alive: Arc<AtomicBool>,
}

/// The address a local viewer should dial for a server bound to `addr`.
pub(crate) fn connect_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

pub(crate) fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Where to look when nothing was named, in order.
fn default_candidates(path_var: Option<OsString>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            out.push(dir.join(VIEWER_BIN));
            if let Some(parent) = dir.parent() {
                out.push(parent.join(VIEWER_BIN));
            }
        }
    }
    if let Some(path) = path_var {
        out.extend(std::env::split_paths(&path).map(|d| d.join(VIEWER_BIN)));
    }
    out
}

/// Finds the viewer, or says where it looked.
pub(crate) fn find_viewer(
    explicit: Option<&Path>,
    env_path: Option<&Path>,
    path_var: Option<OsString>,
) -> Result<PathBuf, (String, bool)> {
    // A named binary is the user's choice: if it is missing, say so rather
    // than silently starting another one.
    if let Some(named) = explicit.or(env_path) {
        if is_executable(named) {
            return Ok(named.to_path_buf());
        }
        // A bare name (no folder) is looked up on PATH, like a shell would.
        if named.components().count() == 1 {
            if let Some(found) = path_var
                .iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join(named))
                .find(|p| is_executable(p))
            {
                return Ok(found);
            }
        }
        return Err((named.display().to_string(), true));
    }
    let candidates = default_candidates(path_var);
    match candidates.iter().find(|p| is_executable(p)) {
        Some(found) => Ok(found.clone()),
        None => Err((
            "next to the executable, its parent folder, PATH".into(),
            false,
        )),
    }
}

/// Starts the viewer and a named thread that reaps it.
pub(crate) fn spawn_viewer(path: &Path, req: &LaunchRequest) -> Result<u32, SpawnError> {
    let mut cmd = Command::new(path);
    cmd.arg(req.addr.to_string())
        .arg("--no-reconnect")
        .args(&req.extra_args)
        .stdin(Stdio::null())
        .process_group(0);
    match &req.token {
        Some(token) => cmd.env("PLOTCAST_TOKEN", token),
        None => cmd.env_remove("PLOTCAST_TOKEN"),
    };
    let child = cmd.spawn().map_err(|source| SpawnError::Start {
        path: path.to_path_buf(),
        source,
    })?;
    let pid = child.id();
    reap(child);
    Ok(pid)
}

/// Extra viewer arguments from `PLOTCAST_VIEWER_ARGS`, split on whitespace
/// (no quoting: paths with spaces cannot be passed this way). Lets a user or
/// a test change how the launched viewer runs, e.g. `--headless --out f.png`,
/// without code changes.
pub(crate) fn extra_args(var: Option<&str>) -> Vec<String> {
    var.map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Waits for the child on a named thread so it never stays a zombie while
/// we live. Not joined: the viewer may outlive the server on purpose.
fn reap(mut child: Child) {
    let pid = child.id();
    let spawned = thread::Builder::new()
        .name("plotcast-reaper".into())
        .spawn(move || match child.wait() {
            Ok(status) => tracing::debug!(target: "plotcast", pid, %status, "viewer exited"),
            Err(err) => {
                tracing::debug!(target: "plotcast", pid, "cannot wait for the viewer: {err}")
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(target: "plotcast", pid, "cannot start a thread to reap the viewer: {err}");
    }
}

/// The plotcast workspace this crate was compiled from, when we run under
/// `cargo run` inside it.
fn cargo_workspace() -> Option<(PathBuf, PathBuf)> {
    let cargo = std::env::var_os("CARGO")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    root.join("client/Cargo.toml")
        .is_file()
        .then(|| (PathBuf::from(cargo), root.to_path_buf()))
}

/// The target dir and profile of the running executable
/// (`target/<profile>/[examples|deps]/exe`).
pub(crate) fn exe_target(exe: &Path) -> Option<(PathBuf, bool)> {
    let mut dir = exe.parent()?;
    if matches!(dir.file_name()?.to_str()?, "examples" | "deps") {
        dir = dir.parent()?;
    }
    let release = dir.file_name()? == "release";
    Some((dir.parent()?.to_path_buf(), release))
}

/// Finds and starts the viewer, writing the outcome to `status`; builds it
/// first on a background thread when running from the plotcast workspace.
/// Prints one line on stderr when there is none.
pub(crate) fn launch(req: LaunchRequest, status: &Arc<Mutex<ViewerLaunch>>) {
    if let Some(name) = req.bin_name.clone() {
        return crate::viewer_bin::launch_bin(&name, req, status, spawn_named);
    }
    match find_viewer(
        req.explicit_path.as_deref(),
        req.env_path.as_deref(),
        std::env::var_os("PATH"),
    ) {
        Ok(path) => *lock(status) = start(path, &req),
        Err((searched, named)) => match (named, cargo_workspace()) {
            (false, Some((cargo, root))) => {
                build_in_background(cargo, root, req, status, spawn_named);
            }
            _ => *lock(status) = not_found(searched, req.addr, req.token.is_some()),
        },
    }
}

/// Starts the viewer at `path`.
pub(crate) fn start(path: PathBuf, req: &LaunchRequest) -> ViewerLaunch {
    match spawn_viewer(&path, req) {
        Ok(pid) => {
            tracing::info!(target: "plotcast", path = %path.display(), pid, "viewer started");
            ViewerLaunch::Launched { path, pid }
        }
        Err(err) => failed(err),
    }
}

/// Reported once, here: the computation goes on without a window.
pub(crate) fn failed(err: SpawnError) -> ViewerLaunch {
    eprintln!("plotcast: {err}");
    ViewerLaunch::Failed {
        error: Arc::new(err),
    }
}

/// Runs `work` on a thread called `name` (a parameter, so a test can run
/// it inline and check who writes the launch status last).
pub(crate) type Spawner = fn(&str, Box<dyn FnOnce() + Send>) -> std::io::Result<()>;

pub(crate) fn spawn_named(name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
    thread::Builder::new()
        .name(name.into())
        .spawn(work)
        .map(drop)
}

fn not_found(searched: String, addr: SocketAddr, token: bool) -> ViewerLaunch {
    let err = SpawnError::NotFound {
        searched,
        addr: if token {
            format!("{addr} --token TOKEN")
        } else {
            addr.to_string()
        },
    };
    eprintln!("plotcast: {err}");
    ViewerLaunch::NotFound {
        error: Arc::new(err),
    }
}

/// Builds the viewer with cargo on a background thread, then starts it.
fn build_in_background(
    cargo: PathBuf,
    root: PathBuf,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    let (target_dir, release) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe_target(&exe))
        .unwrap_or_else(|| (root.join("target"), false));
    eprintln!(
        "plotcast: building the viewer for the first run (cargo build{} -p {VIEWER_BIN}); the computation goes on meanwhile",
        if release { " --release" } else { "" }
    );
    let build = Box::new(move || {
        let profile = if release { "release" } else { "debug" };
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&root)
            .args(["build", "--quiet", "-p", VIEWER_BIN, "--target-dir"])
            .arg(&target_dir);
        if release {
            cmd.arg("--release");
        }
        run_cargo(&mut cmd).map(|()| target_dir.join(profile).join(VIEWER_BIN))
    });
    build_then_start(build, req, status, spawn);
}

/// Runs a cargo build; on failure, the last lines cargo wrote (or why it
/// could not run).
pub(crate) fn run_cargo(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", cmd.get_program().to_string_lossy()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
    Err(tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// A build that gives the viewer's path, or why it failed.
pub(crate) type BuildJob = Box<dyn FnOnce() -> Result<PathBuf, String> + Send>;

/// Runs `build` on a named thread and starts what it built (unless the
/// server is gone by then).
///
/// One writer per state: `Building` is written here, before the thread
/// exists; the thread writes the outcome, which so always comes last.
pub(crate) fn build_then_start(
    build: BuildJob,
    req: LaunchRequest,
    status: &Arc<Mutex<ViewerLaunch>>,
    spawn: Spawner,
) {
    *lock(status) = ViewerLaunch::Building;
    let thread_status = Arc::clone(status);
    let work = Box::new(move || {
        let result = match build() {
            Ok(path) => {
                if !req.alive.load(Ordering::Acquire) {
                    return;
                }
                start(path, &req)
            }
            Err(why) => failed(SpawnError::Build(why)),
        };
        *lock(&thread_status) = result;
    });
    if let Err(err) = spawn("plotcast-viewer-build", work) {
        *lock(status) = failed(SpawnError::Build(format!(
            "cannot start the build thread: {err}"
        )));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_build_outcome_is_written_after_building() {
        let status = Arc::new(Mutex::new(ViewerLaunch::Disabled));
        let req = LaunchRequest {
            addr: "127.0.0.1:9".parse().unwrap(),
            token: None,
            explicit_path: None,
            bin_name: None,
            env_path: None,
            extra_args: Vec::new(),
            alive: Arc::new(AtomicBool::new(true)),
        };
        // The build "thread" runs to its end before the spawner returns:
        // the fastest build possible. Its outcome must still be the last
        // word, not `Building`.
        fn inline(_: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
            work();
            Ok(())
        }
        let fake_cargo = PathBuf::from("/nonexistent/cargo");
        build_in_background(fake_cargo, std::env::temp_dir(), req, &status, inline);
        let outcome = lock(&status).clone();
        match outcome {
            ViewerLaunch::Failed { error } => {
                assert!(matches!(*error, SpawnError::Build(_)), "{error}");
                assert!(error.to_string().contains("/nonexistent/cargo"), "{error}");
            }
            other => panic!("expected the failed build, got {other:?}"),
        }
    }

    #[test]
    fn unspecified_addresses_dial_loopback() {
        let a: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(connect_addr(a), "127.0.0.1:9000".parse().unwrap());
        let b: SocketAddr = "[::]:9".parse().unwrap();
        assert_eq!(connect_addr(b), "[::1]:9".parse().unwrap());
        let c: SocketAddr = "10.1.2.3:5".parse().unwrap();
        assert_eq!(connect_addr(c), c);
    }

    #[test]
    fn target_dir_and_profile_of_the_running_executable() {
        let t = |p: &str| exe_target(Path::new(p));
        assert_eq!(
            t("/w/target/debug/examples/heat"),
            Some((PathBuf::from("/w/target"), false))
        );
        assert_eq!(
            t("/w/target/release/examples/heat"),
            Some((PathBuf::from("/w/target"), true))
        );
        assert_eq!(
            t("/w/target/release/deps/x-123"),
            Some((PathBuf::from("/w/target"), true))
        );
        assert_eq!(
            t("/w/target/debug/app"),
            Some((PathBuf::from("/w/target"), false))
        );
    }

    #[test]
    fn viewer_args_split_on_whitespace() {
        assert!(extra_args(None).is_empty());
        assert!(extra_args(Some("  ")).is_empty());
        assert_eq!(
            extra_args(Some(" --headless  --out /tmp/f{n}.png\t--frames 3 ")),
            ["--headless", "--out", "/tmp/f{n}.png", "--frames", "3"]
        );
    }

    #[test]
    fn a_named_missing_viewer_is_reported_not_replaced() {
        let err = find_viewer(Some(Path::new("/nonexistent/pv")), None, None).unwrap_err();
        assert_eq!(err, ("/nonexistent/pv".to_string(), true));
    }

    #[test]
    fn path_is_searched() {
        let dir = std::env::temp_dir().join(format!("plotcast-find-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join(VIEWER_BIN);
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = find_viewer(None, None, Some(dir.clone().into_os_string())).unwrap();
        // A viewer next to the test executable would win; either is fine.
        assert!(found.ends_with(VIEWER_BIN));
        let named = find_viewer(
            None,
            Some(Path::new(VIEWER_BIN)),
            Some(dir.clone().into_os_string()),
        )
        .unwrap();
        assert_eq!(named, bin);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
