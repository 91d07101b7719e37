//! `--headless --record FILE`: a recorder that draws nothing.
//!
//! It is a drawing side that "draws" at the recording rate: after each
//! tick it acknowledges the batches received, and it tells the server its
//! drawing period is one tick, so the server paces batches to the rate
//! (see `Ready.interval_us` in `PROTOCOL.md`). Snapshot values in between
//! are never sent (latest value wins); append series lose nothing, since
//! the server conflates the points a viewer has not received into the
//! next batch. The recording itself is written by the network thread
//! ([`crate::recording::recorder`]).
//!
//! Ends like headless mode: when the server goes away with
//! `--no-reconnect` (success), after `--frames N` batches, at `--timeout`
//! (status 3), or when the process is stopped (Ctrl-C, SIGTERM, even
//! SIGKILL: the file is readable up to the last tick).

use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{describe, RunError};
use crate::model::RecordingStatus;
use crate::net::shared::Shared;
use crate::net::{NetConfig, NetEvent, NetHandle, NetOutcome};
use crate::options::{ReadyFile, RunOptions};
use crate::recording::recorder::{RecordOptions, Recorder};

/// How a headless recording ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    /// What was written.
    pub recording: RecordingStatus,
    /// Batches received.
    pub batches: u64,
    /// Set when the server went away: how.
    pub server_gone: Option<String>,
}

/// Records until done.
///
/// # Errors
/// [`RunError::Record`] when the file cannot be created or written, the
/// network error when the server rejects the viewer, [`RunError::Timeout`].
pub fn run(
    cfg: NetConfig,
    opts: &RunOptions,
    record: &RecordOptions,
) -> Result<RecordSummary, RunError> {
    let recorder = Recorder::create(record)?;
    let shared = Arc::new(Shared::default());
    let period = record.period();
    shared.set_draw_period(period);
    let (tx, rx) = sync_channel(8);
    let net = NetHandle::spawn_recording(
        cfg,
        shared.clone(),
        move |event| {
            let _ = tx.try_send(event);
        },
        Some(recorder),
    )?;
    let deadline = opts.timeout.map(|t| Instant::now() + t);
    let mut ready = ReadyFile::new(opts.ready_file.clone());
    let mut acked = 0u64;
    let mut last_ack: Option<Instant> = None;
    let outcome = loop {
        let wait = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        match rx.recv_timeout(wait) {
            Ok(NetEvent::Changed) => {}
            Ok(NetEvent::Finished) | Err(RecvTimeoutError::Disconnected) => break None,
            Err(RecvTimeoutError::Timeout) if deadline.is_some() => {
                let connection = shared.update(|s| describe(&s.status.connection));
                break Some(Err(RunError::Timeout {
                    after: opts.timeout.unwrap_or_default(),
                    progress: format!("{}; {connection}", opts.progress(acked, "recorded")),
                }));
            }
            Err(RecvTimeoutError::Timeout) => continue,
        }
        if let Some(err) = shared.update(|s| s.status.recording.as_ref()?.error.clone()) {
            break Some(Err(RunError::Usage(err)));
        }
        // One acknowledgement per tick: the server's batches follow it.
        if let Some(slot) = last_ack.map(|t| t + period) {
            std::thread::sleep(slot.saturating_duration_since(Instant::now()));
        }
        let (status, batch) = {
            let (plot, batch) = shared.snapshot();
            (plot.status, batch)
        };
        if batch > acked {
            acked = batch;
            last_ack = Some(Instant::now());
            shared.presented(batch);
            if let Err(err) = ready.presented(batch, &status, crate::clock::now_us()) {
                break Some(Err(err));
            }
            if opts.frames.is_some_and(|n| batch >= n) {
                break Some(Ok(()));
            }
        }
    };
    let net_result = net.shutdown();
    let recording = shared
        .update(|s| s.status.recording.clone())
        .unwrap_or_default();
    if let Some(err) = &recording.error {
        return Err(RunError::Usage(err.clone()));
    }
    let server_gone = match (outcome, net_result) {
        (Some(Err(err)), _) => return Err(err),
        (Some(Ok(())), _) => None,
        (None, Err(err)) => return Err(err.into()),
        (None, Ok(NetOutcome::Cancelled)) => None,
        (None, Ok(NetOutcome::Ended { reason })) => Some(format!("computation ended ({reason})")),
        (None, Ok(NetOutcome::Lost { reason })) => Some(format!("connection lost ({reason})")),
    };
    Ok(RecordSummary {
        recording,
        batches: acked,
        server_gone,
    })
}
