//! [`PlotState`]: what the viewer knows: the layout, the newest data of
//! every channel, the bounded history of append series, and the status.
//!
//! The network thread owns a [`PlotState`] and applies messages to it; the
//! renderer draws a snapshot of it. Applying a frame never grows memory
//! without bound: snapshot channels hold one frame, append series hold at
//! most their history window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout};

use super::history::{SeriesHistory, SeriesSet};
use super::status::Status;
use crate::peer_text::{clean_in_place, MAX_LABEL_CHARS};

/// History kept for an append series when the layout gives no window.
pub const DEFAULT_HISTORY_POINTS: usize = 100_000;

/// The newest data of one channel. Cloning it copies pointers: the drawing
/// side snapshots the whole state for every frame it draws.
#[derive(Debug, Clone)]
pub enum ChannelData {
    /// Line, scatter, heatmap, bars: the latest frame only.
    Snapshot(Arc<Frame>),
    /// Append series: bounded history per named series.
    Series(SeriesSet),
}

impl ChannelData {
    /// True when the data was reduced to a view by the server (level of
    /// detail): what is drawn is right, but it is not every value.
    pub fn is_reduced(&self) -> bool {
        match self {
            ChannelData::Snapshot(frame) => frame.lod.is_some(),
            ChannelData::Series(set) => set.series().iter().any(SeriesHistory::is_reduced),
        }
    }
}

/// Everything the renderer needs.
#[derive(Debug, Clone, Default)]
pub struct PlotState {
    /// Figure layout (channels in creation order).
    pub layout: Layout,
    /// Data by channel id; a channel without data yet is absent.
    pub data: HashMap<u32, ChannelData>,
    /// Status line figures.
    pub status: Status,
    /// Bumped by every layout received (across reconnects): which layout
    /// a drawing was made from.
    pub layout_version: u64,
    /// Position of each channel id in the layout.
    index: HashMap<u32, usize>,
}

impl PlotState {
    /// Forgets all data of a previous session (a reconnect must start from a
    /// fresh, complete snapshot), keeping only the address and fps.
    pub fn reset_session(&mut self) {
        let address = std::mem::take(&mut self.status.address);
        let (fps, layout_version) = (self.status.fps, self.layout_version);
        let recording = self.status.recording.take();
        *self = PlotState::default();
        self.status.address = address;
        self.status.fps = fps;
        self.status.recording = recording;
        self.layout_version = layout_version;
    }

    /// Replaces the layout; data of channels that no longer exist, or whose
    /// kind changed, is dropped. Text from the peer is made safe to draw.
    pub fn set_layout(&mut self, mut layout: Layout) {
        self.layout_version += 1;
        clean_in_place(&mut layout.title, MAX_LABEL_CHARS);
        self.index.clear();
        let mut kept = Vec::with_capacity(layout.channels.len());
        for mut spec in layout.channels {
            // A repeated id would make frames ambiguous: the first wins.
            if self.index.contains_key(&spec.id) {
                continue;
            }
            for text in [
                &mut spec.name,
                &mut spec.options.title,
                &mut spec.options.x_label,
                &mut spec.options.y_label,
                &mut spec.options.colormap,
                &mut spec.plot_type,
                &mut spec.options.link_x,
            ] {
                clean_in_place(text, MAX_LABEL_CHARS);
            }
            self.index.insert(spec.id, kept.len());
            kept.push(spec);
        }
        layout.channels = kept;
        self.data.retain(|id, data| {
            let Some(spec) = self.index.get(id).map(|&i| &layout.channels[i]) else {
                return false;
            };
            match data {
                ChannelData::Snapshot(f) => f.kind == spec.kind,
                ChannelData::Series(set) => {
                    set.trim(history_window(spec));
                    spec.kind == ChannelKind::Series
                }
            }
        });
        self.layout = layout;
    }

    /// The spec of a channel.
    pub fn spec(&self, channel: u32) -> Option<&ChannelSpec> {
        self.index
            .get(&channel)
            .and_then(|&i| self.layout.channels.get(i))
    }

    /// Heatmaps whose newest values came as codes, and the fewest bits
    /// of those codes (0 when none did).
    fn coded_heatmaps(&self) -> (usize, u8) {
        self.data
            .values()
            .filter_map(|d| match d {
                ChannelData::Snapshot(f) if f.kind == ChannelKind::Heatmap => f
                    .parts
                    .first()
                    .map(|p| p.y.coded_bits())
                    .filter(|&bits| bits > 0),
                _ => None,
            })
            .fold((0, 0), |(n, fewest), bits| {
                (n + 1, if n == 0 { bits } else { fewest.min(bits) })
            })
    }

    /// Applies one data frame: snapshots replace, series append within their
    /// window (points the viewer already has are ignored, so a repeated
    /// batch never duplicates a point). A frame for a channel the layout
    /// does not list, or of another kind than the layout says, is ignored:
    /// returns whether the frame was applied.
    pub fn apply_frame(&mut self, mut frame: Frame, now: Instant) -> bool {
        let Some(spec) = self.spec(frame.channel) else {
            return false;
        };
        if spec.kind != frame.kind {
            return false;
        }
        let window = history_window(spec);
        for part in &mut frame.parts {
            clean_in_place(&mut part.name, MAX_LABEL_CHARS);
        }
        self.status.frames_received = self.status.frames_received.saturating_add(1);
        let newer = self
            .status
            .newest_frame
            .is_none_or(|(_, ts)| frame.timestamp_us >= ts);
        if newer {
            self.status.newest_frame = Some((now, frame.timestamp_us));
        }
        if frame.kind != ChannelKind::Series {
            let heatmap = frame.kind == ChannelKind::Heatmap;
            self.data
                .insert(frame.channel, ChannelData::Snapshot(Arc::new(frame)));
            if heatmap {
                (self.status.coded_heatmaps, self.status.coded_bits) = self.coded_heatmaps();
            }
            return true;
        }
        let entry = self
            .data
            .entry(frame.channel)
            .or_insert_with(|| ChannelData::Series(SeriesSet::default()));
        if let ChannelData::Series(set) = entry {
            match frame.lod.as_ref().filter(|l| l.replace) {
                // Reduced for the view: the points stand for the window.
                Some(lod) => {
                    let sent: u64 = frame.parts.iter().map(|p| 2 * p.y.len() as u64).sum();
                    let reduced = sent < lod.source_values;
                    for (k, part) in frame.parts.iter().enumerate() {
                        let next = lod.ends.get(k).copied().unwrap_or(part.first_index);
                        set.replace(part, next, window, reduced);
                    }
                }
                None => {
                    for part in &frame.parts {
                        set.append(part, window);
                    }
                }
            }
        }
        true
    }
}

/// The history window of an append channel: its layout's, else the default.
fn history_window(spec: &ChannelSpec) -> usize {
    match spec.options.history_points as usize {
        0 => DEFAULT_HISTORY_POINTS,
        n => n,
    }
}
