//! What the viewer knows: the layout, the newest data of every channel, the
//! bounded history of append series, and the connection status.
//!
//! The network thread owns a [`PlotState`] and applies messages to it; the
//! renderer draws a snapshot of it. Applying a frame never grows memory
//! without bound: snapshot channels hold one frame, append series hold at
//! most their history window.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout};

/// History kept for an append series when the layout gives no window.
pub const DEFAULT_HISTORY_POINTS: usize = 100_000;

/// The connection as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Connection {
    /// Not connected yet.
    #[default]
    Connecting,
    /// Handshake done, data flowing.
    Connected,
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
    /// batch ends; makes frame ages meaningful across machines.
    pub clock_offset_us: i64,
    /// Rendered frames per second, as measured by the drawing side.
    pub fps: f64,
    /// True while the user paused the display.
    pub paused: bool,
}

/// One named series of an append channel: a bounded window of points.
#[derive(Debug, Clone, Default)]
pub struct SeriesHistory {
    /// Series name.
    pub name: String,
    /// Times (x).
    pub t: VecDeque<f64>,
    /// Values (y).
    pub y: VecDeque<f64>,
    /// Index of the next point expected from the server.
    pub next_index: u64,
}

/// The newest data of one channel.
#[derive(Debug, Clone)]
pub enum ChannelData {
    /// Line, scatter, heatmap, bars: the latest frame only.
    Snapshot(Frame),
    /// Append series: bounded history per named series.
    Series(Vec<SeriesHistory>),
}

/// Everything the renderer needs.
#[derive(Debug, Clone, Default)]
pub struct PlotState {
    /// Figure layout (channels in creation order).
    pub layout: Layout,
    /// Data by channel id; a channel without data yet is absent.
    pub data: HashMap<u32, ChannelData>,
    /// Sequence number of the newest frame of each channel.
    pub seq: HashMap<u32, u64>,
    /// Status line figures.
    pub status: Status,
    /// Bumped on every change, so a drawing side can tell whether it has
    /// something new.
    pub generation: u64,
}

impl PlotState {
    /// Forgets all data of a previous session (a reconnect must start from a
    /// fresh, complete snapshot), keeping only the address and fps.
    pub fn reset_session(&mut self) {
        let address = std::mem::take(&mut self.status.address);
        let fps = self.status.fps;
        *self = PlotState::default();
        self.status.address = address;
        self.status.fps = fps;
        self.generation = 1;
    }

    /// Replaces the layout; data of channels that no longer exist is dropped.
    pub fn set_layout(&mut self, layout: Layout) {
        self.data
            .retain(|id, _| layout.channels.iter().any(|c| c.id == *id));
        self.layout = layout;
        self.generation += 1;
    }

    /// The spec of a channel.
    pub fn spec(&self, channel: u32) -> Option<&ChannelSpec> {
        self.layout.channels.iter().find(|c| c.id == channel)
    }

    /// Applies one data frame: snapshots replace, series append within their
    /// window (points the viewer already has are ignored, so a repeated
    /// batch never duplicates a point).
    pub fn apply_frame(&mut self, frame: Frame, now: Instant) {
        self.status.frames_received += 1;
        let newer = self
            .status
            .newest_frame
            .is_none_or(|(_, ts)| frame.timestamp_us >= ts);
        if newer {
            self.status.newest_frame = Some((now, frame.timestamp_us));
        }
        self.seq.insert(frame.channel, frame.seq);
        self.generation += 1;
        if frame.kind != ChannelKind::Series {
            self.data
                .insert(frame.channel, ChannelData::Snapshot(frame));
            return;
        }
        let window = self
            .spec(frame.channel)
            .map(|s| s.history_points as usize)
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_HISTORY_POINTS);
        let entry = self
            .data
            .entry(frame.channel)
            .or_insert_with(|| ChannelData::Series(Vec::new()));
        if !matches!(entry, ChannelData::Series(_)) {
            *entry = ChannelData::Series(Vec::new());
        }
        if let ChannelData::Series(all) = entry {
            append_parts(all, &frame, window);
        }
    }
}

fn append_parts(all: &mut Vec<SeriesHistory>, frame: &Frame, window: usize) {
    for part in &frame.parts {
        let pos = match all.iter().position(|s| s.name == part.name) {
            Some(pos) => pos,
            None => {
                all.push(SeriesHistory {
                    name: part.name.clone(),
                    ..SeriesHistory::default()
                });
                all.len() - 1
            }
        };
        let history = &mut all[pos];
        let Some(x) = &part.x else { continue };
        // Skip the points we already hold; a gap (points that fell out of
        // the server's window) is accepted as it is.
        let already = history.next_index.saturating_sub(part.first_index) as usize;
        for (t, y) in x.iter().zip(part.y.iter()).skip(already) {
            history.t.push_back(t);
            history.y.push_back(y);
        }
        history.next_index = history
            .next_index
            .max(part.first_index + part.y.len() as u64);
        while history.t.len() > window {
            history.t.pop_front();
            history.y.pop_front();
        }
    }
}

/// How the user has moved one plot away from autoscale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisView {
    /// Shown x range.
    pub x: (f64, f64),
    /// Shown y range.
    pub y: (f64, f64),
}

/// Interaction state, owned by the window side: per-channel zoom/pan
/// (absent: autoscale).
#[derive(Debug, Clone, Default)]
pub struct ViewState {
    /// Manual view per channel id.
    pub manual: HashMap<u32, AxisView>,
}

impl Status {
    /// Age of the newest frame now, corrected by the clock offset.
    pub fn newest_age(&self, now_unix_us: u64) -> Option<Duration> {
        let (_, ts) = self.newest_frame?;
        let server_now = now_unix_us as i64 + self.clock_offset_us;
        Some(Duration::from_micros(
            server_now.saturating_sub(ts as i64).max(0) as u64,
        ))
    }
}
