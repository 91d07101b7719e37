//! The status line's figures: the connection, frame counts and ages, the
//! clock offset and round trip, and where the data comes from (a recording
//! being written, a replay's position) as plain values.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The connection as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Connection {
    /// Not connected yet.
    #[default]
    Connecting,
    /// Handshake done, data flowing.
    Connected,
    /// No connection was ever made (a wrong address, a server not started
    /// yet); trying again.
    Unreachable {
        /// Attempts so far.
        attempt: u32,
        /// Why the last attempt failed.
        reason: String,
        /// Trying again (a viewer started by hand); false: gave up (a
        /// viewer launched by its computation does not reconnect).
        retrying: bool,
    },
    /// Lost the server; trying again (attempt number).
    Reconnecting {
        /// Attempts so far.
        attempt: u32,
        /// Why the last connection ended.
        reason: String,
    },
    /// The server said the computation ended.
    Ended {
        /// The server's words.
        reason: String,
    },
    /// The server said the computation did not finish: interrupted (Ctrl-C,
    /// a signal) or failed (an exception, a panic).
    Interrupted {
        /// The server's words (how it ended).
        reason: String,
    },
    /// The computation's end of the connection closed without a goodbye
    /// (it was interrupted, killed or crashed); the viewer will not
    /// reconnect.
    Stopped,
    /// The connection was lost and the viewer will not reconnect.
    Lost {
        /// Why.
        reason: String,
    },
}

/// Figures for the status line.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Server (computation) name from the handshake.
    pub server_name: String,
    /// Address the viewer talks to.
    pub address: String,
    /// Connection state.
    pub connection: Connection,
    /// Data frames received this session.
    pub frames_received: u64,
    /// Values the server skipped for us as stale (latest value wins).
    pub frames_skipped: u64,
    /// Receive time and publish time (µs since the epoch, server clock) of
    /// the newest frame, to show its age.
    pub newest_frame: Option<(Instant, u64)>,
    /// Offset to add to our clock to get the server's (µs), estimated from
    /// Ping/Pong exchanges (NTP style); makes frame ages true across
    /// machines whose clocks differ.
    pub clock_offset_us: i64,
    /// Round trip of the path to the server: the smallest delay of each
    /// direction added (no queue in it), or NTP's least queued ping.
    pub round_trip: Option<Duration>,
    /// Heatmaps whose newest values came as 16-bit or 8-bit codes
    /// (approximate: a link too slow for their values at the drawing
    /// rate); their exact values follow once they stop changing.
    pub coded_heatmaps: usize,
    /// The fewest bits of those codes (16 or 8; 0 when none).
    pub coded_bits: u8,
    /// Batches the viewer keeps in flight (see `flow`).
    pub window: u64,
    /// Rendered frames per second, as measured by the drawing side.
    pub fps: f64,
    /// True while the user paused the display.
    pub paused: bool,
    /// The recording being written (`--record`), if any.
    pub recording: Option<RecordingStatus>,
    /// Where a replay stands (`plotcast-viewer FILE`), if this is one.
    pub replay: Option<ReplayStatus>,
    /// The NATS relay and run, when the data comes through one.
    pub relay: Option<super::RelayStatus>,
}

impl Status {
    /// Age of the newest frame now, corrected by the clock offset.
    pub fn newest_age(&self, now_unix_us: u64) -> Option<Duration> {
        let (_, ts) = self.newest_frame?;
        let server_now = i128::from(now_unix_us) + i128::from(self.clock_offset_us);
        let age = (server_now - i128::from(ts)).clamp(0, i128::from(u64::MAX));
        Some(Duration::from_micros(age as u64))
    }
}

/// The recording as the status line and the end-of-run summary show it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordingStatus {
    /// The file.
    pub path: PathBuf,
    /// Bytes written (flushed to the operating system at every tick).
    pub bytes: u64,
    /// Records written.
    pub records: u64,
    /// Time from the start of the recording to its last record.
    pub span: Duration,
    /// Set when writing failed: the recording stopped there.
    pub error: Option<String>,
    /// The recording is complete (the connection ended for good).
    pub finished: bool,
}

/// The replay as the status line shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayStatus {
    /// The recording's file name.
    pub file: String,
    /// Shown time, since the start of the recording.
    pub position: Duration,
    /// Time of the last record: the recording runs from 0 to this.
    pub span: Duration,
    /// Playing (else paused).
    pub playing: bool,
    /// Playback speed (1: real time).
    pub speed: f64,
    /// Show the keys (in a window; not in PNGs).
    pub keys_hint: bool,
}
