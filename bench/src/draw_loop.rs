//! A viewer made of the viewer library itself: its network thread (the same
//! flow control, clock estimation and window of batches in flight as the
//! real viewer) and a drawing loop that renders the newest state like the
//! window does, paced to a refresh rate, recording the age of what each
//! draw shows.

use std::net::SocketAddr;
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use plotcast_protocol::util::unix_now_us;
use plotcast_viewer::net::Shared;
use plotcast_viewer::net::{NetConfig, NetEvent, NetHandle};
use plotcast_viewer::pacing::Pacer;
use plotcast_viewer::render::render;
use plotcast_viewer::view::ViewState;

/// How to watch.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// Draws per second at most (`None`: as fast as frames come).
    pub max_fps: Option<f64>,
    /// Canvas size.
    pub size: (u32, u32),
    /// Seconds to measure, from the first frame drawn.
    pub secs: f64,
    /// Compression wish (`None`: the viewer's default).
    pub compress: Option<bool>,
    /// Level of detail (the viewer's default: on).
    pub level_of_detail: bool,
    /// How long to wait for the first frame; without one, the result
    /// counts no frames.
    pub first_within: Duration,
}

impl Watch {
    /// A drawing loop capped at `max_fps` (or not) for `secs` at 1280 × 720.
    pub fn new(max_fps: Option<f64>, secs: f64) -> Self {
        Self {
            max_fps,
            size: (1280, 720),
            secs,
            compress: None,
            level_of_detail: true,
            first_within: Duration::from_secs(30),
        }
    }
}

/// What a run of the drawing loop saw.
#[derive(Debug, Default)]
pub struct Watched {
    /// From the start of the watch to the first frame drawn.
    pub first_frame_after: Option<Duration>,
    /// Draws that showed a new batch.
    pub frames: u64,
    /// Seconds measured (after the first frame).
    pub secs: f64,
    /// Age of the newest frame shown, at the end of each draw (publish on
    /// the server to shown), in ms, with the draw's time since the start.
    pub ages_ms: Vec<(f64, f64)>,
    /// The age the viewer displayed for the same draws (its clock plus its
    /// estimated offset to the server's), in ms.
    pub shown_ages_ms: Vec<f64>,
    /// Age of the newest frame when each draw started, in ms.
    pub start_ages_ms: Vec<f64>,
    /// Time each draw took, in ms.
    pub render_ms: Vec<f64>,
    /// Batches in flight at the end.
    pub window: u64,
    /// Round trip the viewer measured, in ms.
    pub round_trip_ms: Option<f64>,
}

impl Watched {
    /// Frames shown per second.
    pub fn fps(&self) -> f64 {
        if self.secs > 0.0 {
            self.frames as f64 / self.secs
        } else {
            0.0
        }
    }

    /// The ages of the draws between `from` and `to` seconds.
    pub fn ages_between(&self, from: f64, to: f64) -> Vec<f64> {
        self.ages_ms
            .iter()
            .filter(|(t, _)| (from..to).contains(t))
            .map(|(_, a)| *a)
            .collect()
    }
}

/// Watches the server at `addr` as `how` says.
pub fn watch(addr: SocketAddr, how: Watch) -> Result<Watched> {
    let Watch {
        max_fps,
        size: (width, height),
        secs,
        ..
    } = how;
    let cfg = NetConfig {
        addr: addr.to_string(),
        peer_name: "bench-draw-loop".into(),
        reconnect: false,
        compress: how.compress,
        level_of_detail: how.level_of_detail,
        overview: Some((width, height)),
        ..NetConfig::default()
    };
    let shared = Arc::new(Shared::default());
    let (tx, rx) = sync_channel(8);
    let net = NetHandle::spawn(cfg, Arc::clone(&shared), move |event| {
        let _ = tx.try_send(event);
    })?;
    let mut pacer = Pacer::new(max_fps);
    let view = ViewState::default();
    let mut rgb = Vec::new();
    let mut watched = Watched::default();
    let (mut drawn, mut started) = (0u64, None::<Instant>);
    let mut views_of_layout = 0u64;
    let watch_started = Instant::now();
    let first_deadline = watch_started + how.first_within;
    loop {
        let now = Instant::now();
        if let Some(t0) = started {
            if now.duration_since(t0).as_secs_f64() >= secs {
                break;
            }
        } else if now > first_deadline {
            break;
        }
        let wait = pacer
            .slot()
            .map_or(Duration::from_millis(50), |s| {
                s.saturating_duration_since(now)
            })
            .max(Duration::from_millis(1));
        match rx.recv_timeout(wait) {
            Ok(NetEvent::Changed) | Err(RecvTimeoutError::Timeout) => {}
            Ok(NetEvent::Finished) | Err(RecvTimeoutError::Disconnected) => {
                bail!("the viewer's network thread ended")
            }
        }
        if shared.batch() > drawn {
            pacer.request();
        } else {
            // A layout before its data: draw it, uncounted, so the server
            // learns the plot sizes before the first batch (as the window
            // and headless viewers do).
            let (plot, _) = shared.snapshot();
            if plot.layout_version > views_of_layout {
                let info = render(&plot, &view, width, height, &mut rgb);
                shared.set_views(plot.layout_version, info.views());
                views_of_layout = plot.layout_version;
            }
        }
        let now = Instant::now();
        if !pacer.should_draw(now) {
            continue;
        }
        let (plot, batch) = shared.snapshot();
        let newest = plot.status.newest_frame.map(|(_, ts)| ts);
        let begun = unix_now_us();
        let info = render(&plot, &view, width, height, &mut rgb);
        shared.set_views(plot.layout_version, info.views());
        let done = unix_now_us();
        let ended = Instant::now();
        pacer.drew(now, ended);
        shared.set_draw_period(pacer.draw_period());
        shared.presented(batch);
        drawn = batch;
        let t0 = *started.get_or_insert_with(|| {
            watched.first_frame_after = Some(now.duration_since(watch_started));
            now
        });
        if let Some(ts) = newest {
            let at = now.duration_since(t0).as_secs_f64();
            watched
                .ages_ms
                .push((at, done.saturating_sub(ts) as f64 / 1e3));
            let shown = plot.status.newest_age(done).unwrap_or_default();
            watched.shown_ages_ms.push(shown.as_secs_f64() * 1e3);
            watched
                .start_ages_ms
                .push(begun.saturating_sub(ts) as f64 / 1e3);
        }
        watched
            .render_ms
            .push(ended.duration_since(now).as_secs_f64() * 1e3);
        watched.frames += 1;
    }
    watched.secs = started.map_or(0.0, |t| t.elapsed().as_secs_f64());
    let status = shared.update(|s| s.status.clone());
    watched.window = status.window;
    watched.round_trip_ms = status.round_trip.map(|d| d.as_secs_f64() * 1e3);
    drop(net.shutdown());
    Ok(watched)
}
