//! Headless mode: no window (and no display needed). The newest state is
//! rendered and written as a PNG whenever a batch arrived since the last
//! one (at most `--max-fps` a second when given), then acknowledged so the
//! server sends more; the same flow control as the window (see
//! [`crate::net::flow`]), with the time a PNG takes as the drawing period.
//!
//! Ends with:
//! - success after `--frames N` frames;
//! - with `--no-reconnect`, when the server goes away: success if at least
//!   one frame was rendered and `--frames` was not given (the last PNG shows
//!   the final state), otherwise [`RunError::ServerGone`];
//! - [`RunError::Timeout`] when `--timeout` expires first;
//! - the network error when the server rejects the viewer.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::debug;

use crate::error::{describe, RunError};
use crate::model::Connection;
use crate::net::shared::Shared;
use crate::net::{NetConfig, NetEvent, NetHandle, NetOutcome};
use crate::options::{write_atomically, ReadyFile, RunOptions};
use crate::pacing::FpsMeter;
use crate::pacing::Pacer;
use crate::render;
use crate::view::ViewState;

/// How a successful headless run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Frames rendered and written.
    pub frames: u64,
    /// Set when the run ended because the server went away (with
    /// `--no-reconnect`): why, in words.
    pub server_gone: Option<String>,
}

/// Wake-ups the network thread may queue before they merge.
const WAKE_QUEUE: usize = 8;

/// Runs headless until done.
///
/// # Errors
/// See the module documentation.
pub fn run(cfg: NetConfig, opts: &RunOptions) -> Result<Summary, RunError> {
    let shared = Arc::new(Shared::default());
    let (tx, rx) = sync_channel(WAKE_QUEUE);
    // A full queue already holds a wake-up, and the data is in `shared`:
    // dropping this one loses nothing. The end of the thread also drops
    // `tx`, which the loop sees as a disconnect.
    let net = NetHandle::spawn(cfg, shared.clone(), move |event| {
        let _ = tx.try_send(event);
    })?;
    let mut headless = Headless {
        opts,
        shared: &shared,
        rgb: Vec::new(),
        rendered: 0,
        ready: ReadyFile::new(opts.ready_file.clone()),
        last_batch: 0,
        fps: FpsMeter::default(),
        pacer: Pacer::new(opts.max_fps.filter(|&f| f > 0).map(f64::from)),
        views_of_layout: 0,
        told_unreachable: None,
    };
    let result = headless.serve(&rx, &net);
    // The last frame's notes, if they were not written yet.
    let result = result.and_then(|done| headless.ready.flush().map(|()| done));
    // The network thread may be blocked on nothing but our acknowledgement;
    // stopping it says goodbye to the server.
    drop(rx);
    let outcome = net.shutdown();
    match (result, outcome) {
        (Ok(Some(frames)), _) => Ok(Summary {
            frames,
            server_gone: None,
        }),
        (Err(err), _) => Err(err),
        (Ok(None), Err(err)) => Err(err.into()),
        (Ok(None), Ok(outcome)) => headless.server_gone(outcome),
    }
}

struct Headless<'a> {
    opts: &'a RunOptions,
    shared: &'a Shared,
    rgb: Vec<u8>,
    rendered: u64,
    ready: ReadyFile,
    last_batch: u64,
    fps: FpsMeter,
    /// `--max-fps`, if given, and the time a frame takes here.
    pacer: Pacer,
    /// The layout version the views sent to the server were drawn from.
    views_of_layout: u64,
    /// When stderr last said the server cannot be reached: a viewer with
    /// nothing to draw must not be silent.
    told_unreachable: Option<Instant>,
}

/// How often stderr repeats that the server still cannot be reached.
const UNREACHABLE_REMINDER: Duration = Duration::from_secs(30);

impl Headless<'_> {
    /// Renders batches as they come. `Some(frames)` when done, `None` when
    /// the network thread ended first.
    fn serve(&mut self, rx: &Receiver<NetEvent>, net: &NetHandle) -> Result<Option<u64>, RunError> {
        let deadline = self.opts.timeout.map(|t| Instant::now() + t);
        loop {
            // The ready file may owe the last frame's notes (written at most
            // every 100 ms): wake for them too.
            let wake = [deadline, self.ready.due()].into_iter().flatten().min();
            let event = match wake {
                Some(wake) => rx.recv_timeout(wake.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            self.tell_connection();
            let finished = match event {
                Ok(NetEvent::Changed) => false,
                Ok(NetEvent::Finished) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    if self.ready.due().is_some_and(|due| now >= due) {
                        self.ready.flush()?;
                    }
                    if deadline.is_some_and(|d| now >= d) {
                        return Err(self.timeout());
                    }
                    continue;
                }
            };
            // With --max-fps, wait for the slot (newer batches merge into
            // the state meanwhile: the frame shows the newest).
            if let Some(slot) = self.pacer.slot() {
                let wait = slot.saturating_duration_since(Instant::now());
                let wait = match deadline {
                    Some(d) => wait.min(d.saturating_duration_since(Instant::now())),
                    None => wait,
                };
                std::thread::sleep(wait);
            }
            if self.render_if_new()? {
                return Ok(Some(self.rendered));
            }
            if finished || net.is_finished() {
                // The network thread may have applied a last batch while we
                // rendered: the final PNG must show the final state.
                if self.render_if_new()? {
                    return Ok(Some(self.rendered));
                }
                return Ok(None);
            }
        }
    }

    /// Renders and writes the newest batch if there is one; true when
    /// `--frames` is reached.
    fn render_if_new(&mut self) -> Result<bool, RunError> {
        let now = Instant::now();
        let fps = self.fps.fps(now);
        let (mut plot, batch) = self.shared.snapshot();
        let (width, height) = (self.opts.size.width, self.opts.size.height);
        // `--page`: which page of plots, when they do not all fit.
        let mut view = ViewState::default();
        view.ui.page = self.opts.page;
        if batch <= self.last_batch {
            // A new layout before its data: draw it (not to a file) so the
            // server learns each plot's size before it sends the first
            // batch (level of detail).
            if plot.layout_version > self.views_of_layout {
                let info = render::render(&plot, &view, width, height, &mut self.rgb);
                self.shared.set_views(plot.layout_version, info.views());
                self.views_of_layout = plot.layout_version;
            }
            return Ok(false);
        }
        plot.status.fps = fps;
        self.views_of_layout = plot.layout_version;
        let options = self.opts.render_options();
        let info = render::render_with(&plot, &view, width, height, &mut self.rgb, &options);
        self.shared.set_views(plot.layout_version, info.views());
        self.rendered += 1;
        let path = self.opts.frame_path(self.rendered);
        write_atomically(&path, |tmp| {
            render::save_png(tmp, width, height, &self.rgb).map_err(|e| e.to_string())
        })?;
        debug!(frame = self.rendered, batch, path = %path.display(), "frame written");
        self.ready.presented_with(
            self.rendered,
            &plot.status,
            crate::clock::now_us(),
            &info.notes,
        )?;
        self.pacer.drew(now, Instant::now());
        self.shared.set_draw_period(self.pacer.draw_period());
        self.fps.record(now);
        self.shared.update(|s| s.status.fps = fps);
        self.last_batch = batch;
        if self.opts.frames.is_some_and(|n| self.rendered >= n) {
            return Ok(true);
        }
        self.shared.presented(batch);
        Ok(false)
    }

    /// Says on stderr that the server cannot be reached (at once, then
    /// every 30 s) and when it finally answers.
    fn tell_connection(&mut self) {
        let (connection, address) = self
            .shared
            .update(|s| (s.status.connection.clone(), s.status.address.clone()));
        match connection {
            Connection::Unreachable {
                attempt,
                reason,
                retrying: true,
            } => {
                let due = self
                    .told_unreachable
                    .is_none_or(|t| t.elapsed() >= UNREACHABLE_REMINDER);
                if due {
                    let give_up = match self.opts.timeout {
                        Some(t) => format!("giving up after {:.0} s", t.as_secs_f64()),
                        None => "--timeout SECONDS gives up".into(),
                    };
                    eprintln!(
                        "plotcast-viewer: {reason}; retrying until it answers (attempt {attempt}; {give_up})"
                    );
                    self.told_unreachable = Some(Instant::now());
                }
            }
            Connection::Connected if self.told_unreachable.is_some() => {
                eprintln!("plotcast-viewer: connected to {address}");
                self.told_unreachable = None;
            }
            _ => {}
        }
    }

    fn timeout(&self) -> RunError {
        let connection = self.shared.update(|s| describe(&s.status.connection));
        RunError::Timeout {
            after: self.opts.timeout.unwrap_or_default(),
            progress: format!(
                "{}; {connection}",
                self.opts.progress(self.rendered, "rendered")
            ),
        }
    }

    fn server_gone(&self, outcome: NetOutcome) -> Result<Summary, RunError> {
        let reason = match outcome {
            NetOutcome::Cancelled => "stopped".to_owned(),
            NetOutcome::Ended { reason } => format!("computation ended ({reason})"),
            NetOutcome::Lost { reason } => format!("connection lost ({reason})"),
        };
        if self.rendered > 0 && self.opts.frames.is_none() {
            return Ok(Summary {
                frames: self.rendered,
                server_gone: Some(reason),
            });
        }
        Err(RunError::ServerGone {
            progress: self.opts.progress(self.rendered, "rendered"),
            reason,
        })
    }
}
