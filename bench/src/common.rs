//! Set-up shared by the sections.

use std::time::Duration;

use anyhow::Result;

/// A server for benchmarks: loopback, no viewer launched, environment
/// ignored, and a long heartbeat so stalled viewers stay connected for the
/// whole measurement (the worst case for the server).
pub fn server(title: &str) -> Result<plotcast::Server> {
    Ok(plotcast::Server::builder()
        .title(title)
        .use_env(false)
        .launch_viewer(false)
        .heartbeat_timeout(Duration::from_secs(600))
        .max_viewers(256)
        .start()?)
}

/// How long and how often: full runs, or the seconds-long smoke mode CI
/// uses so the command cannot rot.
#[derive(Clone, Copy)]
pub struct Scale {
    /// True in smoke mode.
    pub smoke: bool,
}

impl Scale {
    /// `full` in a full run, `smoke` in smoke mode.
    pub fn pick<T>(self, full: T, smoke: T) -> T {
        if self.smoke {
            smoke
        } else {
            full
        }
    }
}

/// Waits until the server reports `n` viewers, or fails after 30 s.
pub fn wait_viewers(server: &plotcast::Server, n: usize) -> Result<()> {
    let connected = || server.viewer_count() >= n;
    anyhow::ensure!(
        plotcast_testkit::poll_until(Duration::from_secs(30), connected),
        "only {} of {n} viewers connected after 30 s",
        server.viewer_count()
    );
    Ok(())
}
