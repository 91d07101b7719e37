//! The recorder: a tap on the connection that writes what the viewer
//! receives to a recording file (format: `protocol/PROTOCOL.md`,
//! "Recording files").
//!
//! ```text
//! connection ── Welcome, Layout, Goodbye ──▶ written at once (after what waits)
//!            ── Data (series) ─────────────▶ waits for the next tick, in order
//!            ── Data (snapshot) ───────────▶ waits for the next tick, newest wins
//! tick (every 1/rate s) ───────────────────▶ writes what waits, flushes the file
//! ```
//!
//! So a snapshot channel is recorded at most `rate` times a second, the
//! newest value at each tick, and every point of an append series that the
//! server sent is recorded. The network thread owns the recorder and calls
//! it between messages; writes go to a `BufWriter` flushed at every tick,
//! so a recorder killed at any moment leaves a file readable up to the
//! last tick (the reader ignores a half-written record).
//!
//! Writing happens on the network thread: a slow disk slows this viewer's
//! reading, which the server's flow control absorbs (a slow viewer never
//! slows the computation). A write error stops the recording (not the
//! viewer) and is shown in the status line.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::model::RecordingStatus;
use bytes::Bytes;
use plotcast_protocol::{
    encode, ChannelKind, FileHeader, Message, RecordWriter, RecordingError, Welcome,
    LENGTH_PREFIX_BYTES,
};
use thiserror::Error;
use tracing::{debug, warn};

/// The recording rate when none is given.
pub const DEFAULT_RATE_HZ: f64 = 10.0;

/// Highest recording rate accepted (a tick per millisecond).
pub const MAX_RATE_HZ: f64 = 1000.0;

/// File buffer: a heat-demo tick (one 320 KiB grid) fits twice.
const FILE_BUFFER_BYTES: usize = 1 << 20;

/// What to record, and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOptions {
    /// The recording file (must not exist yet).
    pub path: PathBuf,
    /// Ticks per second: snapshot channels are recorded at most this often.
    pub rate_hz: f64,
    /// Compress large frames (shuffled lz4) when it makes them smaller.
    pub compress: bool,
}

impl RecordOptions {
    /// Recording to `path` at the default rate, compressed.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            rate_hz: DEFAULT_RATE_HZ,
            compress: true,
        }
    }

    /// The time between two ticks.
    pub fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate_hz.clamp(f64::MIN_POSITIVE, MAX_RATE_HZ))
    }
}

/// Why a recording could not be started or went wrong.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The file already exists: a recording is never overwritten.
    #[error("{} already exists: remove it or record to another file", .0.display())]
    Exists(PathBuf),
    /// The file could not be created or written.
    #[error("cannot record to {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: RecordingError,
    },
}

/// Writes what the connection receives to a recording file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    writer: RecordWriter<BufWriter<File>>,
    start: Instant,
    period: Duration,
    /// Series frame bodies waiting for the tick, in arrival order.
    series: Vec<Bytes>,
    /// The newest snapshot body of each channel since the last tick.
    snapshots: BTreeMap<u32, Bytes>,
    next_tick: Option<Instant>,
    error: Option<String>,
    finished: bool,
}

impl Recorder {
    /// Creates the file and writes its header; the recording's clock
    /// starts now.
    ///
    /// # Errors
    /// [`RecordError::Exists`] when the file exists, [`RecordError::File`]
    /// when it cannot be created.
    pub fn create(opts: &RecordOptions) -> Result<Self, RecordError> {
        let path = opts.path.clone();
        let fail = |source: RecordingError| RecordError::File {
            path: path.clone(),
            source,
        };
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(RecordError::Exists(path))
            }
            Err(e) => return Err(fail(e.into())),
        };
        let header = FileHeader::new(crate::clock::now_us());
        let out = BufWriter::with_capacity(FILE_BUFFER_BYTES, file);
        let mut writer = RecordWriter::new(out, &header, opts.compress).map_err(fail)?;
        // The header reaches the file at once: even a recorder killed
        // before the first tick leaves a file that says what it is.
        writer.flush().map_err(fail)?;
        Ok(Self {
            path: opts.path.clone(),
            writer,
            start: Instant::now(),
            period: opts.period(),
            series: Vec::new(),
            snapshots: BTreeMap::new(),
            next_tick: None,
            error: None,
            finished: false,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new session (the server's welcome): written at once.
    pub fn session(&mut self, welcome: &Welcome, now: Instant) {
        match encode(&Message::Welcome(welcome.clone())) {
            Ok(frame) => self.write_now(&frame.slice(LENGTH_PREFIX_BYTES..), now),
            Err(err) => warn!("cannot record the welcome: {err}"),
        }
    }

    /// One message from the server, `body` being its frame body.
    pub fn message(&mut self, body: &Bytes, msg: &Message, now: Instant) {
        if self.error.is_some() {
            return;
        }
        match msg {
            Message::Layout(_) | Message::Goodbye(_) => self.write_now(body, now),
            Message::Data(frame) if frame.kind == ChannelKind::Series => {
                self.series.push(body.clone());
                self.arm(now);
            }
            Message::Data(frame) => {
                self.snapshots.insert(frame.channel, body.clone());
                self.arm(now);
            }
            _ => {}
        }
    }

    /// When the next tick is due, if anything waits for one.
    pub fn next_tick(&self) -> Option<Instant> {
        self.next_tick
    }

    /// Writes what waits (at `now`) and flushes the file.
    pub fn tick(&mut self, now: Instant) {
        self.next_tick = None;
        let series = std::mem::take(&mut self.series);
        let snapshots = std::mem::take(&mut self.snapshots);
        if series.is_empty() && snapshots.is_empty() {
            return;
        }
        let time_us = self.time_us(now);
        for body in series.iter().chain(snapshots.values()) {
            self.write(time_us, body);
        }
        self.flush();
    }

    /// Writes what waits and flushes the file: the end of the recording
    /// (the status says so; a message after it would still be recorded).
    pub fn finish(&mut self) {
        self.tick(Instant::now());
        self.flush();
        self.finished = true;
    }

    /// Where the recording stands.
    pub fn status(&self) -> RecordingStatus {
        RecordingStatus {
            path: self.path.clone(),
            bytes: self.writer.bytes_written(),
            records: self.writer.records(),
            span: Duration::from_micros(self.writer.last_time_us()),
            error: self.error.clone(),
            finished: self.finished,
        }
    }

    /// Marks the next tick (on the recording's grid of ticks) as due.
    fn arm(&mut self, now: Instant) {
        if self.next_tick.is_none() {
            let since = now.saturating_duration_since(self.start).as_nanos();
            let period = self.period.as_nanos().max(1);
            let ticks = since.div_ceil(period).max(1);
            let at = u64::try_from(ticks * period).map_or(Duration::MAX, Duration::from_nanos);
            self.next_tick = Some(self.start + at);
        }
    }

    /// Writes what waits, then `body`, then flushes: for the messages that
    /// frame the data (welcome, layout, goodbye).
    fn write_now(&mut self, body: &Bytes, now: Instant) {
        self.tick(now);
        let time_us = self.time_us(now);
        self.write(time_us, body);
        self.flush();
    }

    fn time_us(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.start).as_micros()).unwrap_or(u64::MAX)
    }

    fn write(&mut self, time_us: u64, body: &[u8]) {
        if self.error.is_none() {
            if let Err(err) = self.writer.write_body(time_us, body) {
                self.fail(&err);
            }
        }
    }

    fn flush(&mut self) {
        if self.error.is_none() {
            match self.writer.flush() {
                Ok(()) => debug!(bytes = self.writer.bytes_written(), "recording flushed"),
                Err(err) => self.fail(&err),
            }
        }
    }

    /// Stops recording after a write error: nothing more is written (the
    /// reader ignores a half-written last record).
    fn fail(&mut self, err: &RecordingError) {
        let reason = format!("recording to {} stopped: {err}", self.path.display());
        warn!("{reason}");
        self.error = Some(reason);
        self.series.clear();
        self.snapshots.clear();
        self.next_tick = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use plotcast_protocol::{
        decode, encode, Array, ChannelSpec, Frame, Layout, Part, RecordReader, VERSION,
    };

    use super::*;

    fn frame_body(msg: &Message) -> Bytes {
        encode(msg).unwrap().slice(LENGTH_PREFIX_BYTES..)
    }

    fn data(channel: u32, kind: ChannelKind, seq: u64) -> Message {
        let values = [seq as f64];
        Message::Data(Frame {
            channel,
            seq,
            timestamp_us: seq,
            kind,
            nx: 0,
            ny: 0,
            range: None,
            parts: vec![Part {
                name: String::new(),
                first_index: seq,
                x: (kind == ChannelKind::Series).then(|| Array::from_f64(&values)),
                y: Array::from_f64(&values),
            }],
            lod: None,
        })
    }

    #[test]
    fn snapshots_wait_for_the_tick_newest_wins_series_keep_every_frame() {
        let dir = std::env::temp_dir().join(format!("plotcast-recorder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let opts = RecordOptions::new(dir.join("r.plotcast"));
        let mut rec = Recorder::create(&opts).unwrap();
        let t0 = Instant::now();
        let welcome = Welcome {
            version: VERSION,
            server_name: "s".into(),
            session_id: 1,
            heartbeat_interval_ms: 1,
            heartbeat_timeout_ms: 1,
            codec: 0,
        };
        rec.session(&welcome, t0);
        let layout = Message::Layout(Layout {
            title: String::new(),
            columns: 0,
            channels: vec![
                ChannelSpec::new(0, "line", ChannelKind::Line),
                ChannelSpec::new(1, "series", ChannelKind::Series),
            ],
        });
        rec.message(&frame_body(&layout), &layout, t0);
        assert_eq!(rec.next_tick(), None, "nothing waits");
        let ms = |n| t0 + Duration::from_millis(n);
        for (msg, at) in [
            (data(0, ChannelKind::Line, 1), ms(10)),
            (data(1, ChannelKind::Series, 1), ms(15)),
            (data(0, ChannelKind::Line, 2), ms(20)),
            (data(1, ChannelKind::Series, 2), ms(30)),
        ] {
            rec.message(&frame_body(&msg), &msg, at);
        }
        let tick = rec.next_tick().unwrap();
        let since = tick.duration_since(rec.start);
        assert_eq!(
            since,
            Duration::from_millis(100),
            "the first tick of the grid"
        );
        rec.tick(tick);
        assert_eq!(rec.next_tick(), None);
        // A frame after the tick waits for the next one on the grid.
        let msg = data(0, ChannelKind::Line, 3);
        rec.message(
            &frame_body(&msg),
            &msg,
            rec.start + Duration::from_millis(150),
        );
        assert_eq!(
            rec.next_tick().unwrap().duration_since(rec.start),
            Duration::from_millis(200)
        );
        // A goodbye writes what waits first.
        let bye = Message::Goodbye(plotcast_protocol::Goodbye {
            code: plotcast_protocol::GoodbyeCode::ComputationEnded,
            reason: "done".into(),
        });
        rec.message(
            &frame_body(&bye),
            &bye,
            rec.start + Duration::from_millis(160),
        );
        let status = rec.status();
        assert_eq!(status.records, 7);
        assert!(status.error.is_none());

        let file = std::fs::File::open(&opts.path).unwrap();
        let mut reader = RecordReader::new(file).unwrap();
        let mut seen = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            let what = match decode(r.body).unwrap() {
                Message::Data(f) => format!("data {} seq {}", f.channel, f.seq),
                other => other.name().to_owned(),
            };
            seen.push((r.time_us / 1000, what));
        }
        let expect: Vec<(u64, String)> = vec![
            (0, "welcome".into()),
            (0, "layout".into()),
            (100, "data 1 seq 1".into()),
            (100, "data 1 seq 2".into()),
            (100, "data 0 seq 2".into()),
            (160, "data 0 seq 3".into()),
            (160, "goodbye".into()),
        ];
        let seen: Vec<(u64, String)> = seen
            .into_iter()
            .map(|(t, w)| (t, w.to_lowercase()))
            .collect();
        assert_eq!(seen, expect);
        // A recording is never overwritten.
        assert!(matches!(
            Recorder::create(&opts),
            Err(RecordError::Exists(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
