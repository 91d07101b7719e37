//! Starting the viewer process, and the named threads the launch runs on.
//!
//! The viewer runs in its own process group with stdin closed, so Ctrl-C in
//! the terminal stops the computation but not the window; the token (and
//! NATS credentials) travel in its environment (`PLOTCAST_TOKEN`,
//! `PLOTCAST_NATS_*`), never on its command line. A named
//! thread waits for it so it never lingers as a zombie while we live.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;

use crate::SpawnError;

use super::request::{LaunchRequest, ViewerSource, VIEWER_NATS_ENV};
use super::status::{failed, ViewerLaunch};

/// Starts the viewer and a named thread that reaps it.
pub(crate) fn spawn_viewer(path: &Path, req: &LaunchRequest) -> Result<u32, SpawnError> {
    let mut cmd = Command::new(path);
    cmd.args(&req.lead_args);
    cmd.env_remove("PLOTCAST_TOKEN");
    for name in VIEWER_NATS_ENV {
        cmd.env_remove(name);
    }
    match &req.source {
        ViewerSource::Direct { addr, token } => {
            cmd.arg(addr.to_string()).arg("--no-reconnect");
            if let Some(token) = token {
                cmd.env("PLOTCAST_TOKEN", token);
            }
        }
        ViewerSource::Nats { url, env } => {
            cmd.arg(url);
            cmd.envs(env.iter().map(|(k, v)| (k, v)));
        }
    }
    cmd.args(&req.extra_args)
        .stdin(Stdio::null())
        .process_group(0);
    let child = cmd.spawn().map_err(|source| SpawnError::Start {
        path: path.to_path_buf(),
        source,
    })?;
    let pid = child.id();
    reap(child);
    Ok(pid)
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

/// Runs `work` on a thread called `name` (a parameter, so a test can run
/// it inline and check who writes the launch status last).
pub(crate) type Spawner = fn(&str, Box<dyn FnOnce() + Send>) -> std::io::Result<()>;

pub(crate) fn spawn_named(name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
    thread::Builder::new()
        .name(name.into())
        .spawn(work)
        .map(drop)
}

/// A [`Spawner`] for tests that runs the work to its end before returning:
/// the fastest build possible.
#[cfg(test)]
pub(crate) fn spawn_inline(_name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
    work();
    Ok(())
}
