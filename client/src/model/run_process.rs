//! One process of a relayed run as the viewer knows it: what it said
//! about itself (`hello`), its layout, the newest frame of each snapshot
//! channel (and a detail frame answered for this viewer's view), the
//! history of each append series, how it ended, and when it was last
//! heard from.
//!
//! Everything here came from a peer: a frame that does not fit the
//! process's layout is refused (and counted by the caller), a process
//! that has no layout yet keeps at most [`MAX_CHANNELS_BEFORE_LAYOUT`]
//! channels, and series keep their history window, so no process can
//! grow the viewer without bound.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plotcast_protocol::relay::{Names, ProcessInfo};
use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Goodbye, GoodbyeCode, Layout, View};

use super::history::SeriesSet;
use super::plot_state::DEFAULT_HISTORY_POINTS;
use crate::peer_text::{clean_in_place, MAX_LABEL_CHARS, MAX_REASON_CHARS};

/// The most channels a process's layout may list.
pub const MAX_CHANNELS_PER_PROCESS: usize = 1024;

/// Channels kept for a process whose layout has not arrived yet (a
/// watcher delivers keys in the order they were last written, so a
/// channel's frame may come before a layout rewritten later).
pub const MAX_CHANNELS_BEFORE_LAYOUT: usize = 64;

/// A process of a run, ordered as people count: `rank2` before `rank10`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessKey {
    /// The run.
    pub run: String,
    /// The process label.
    pub process: String,
}

impl ProcessKey {
    /// The key of `names`.
    pub fn of(names: &Names) -> Self {
        Self {
            run: names.run.clone(),
            process: names.process.clone(),
        }
    }

    /// Its relay names (both were checked when the key was read).
    pub fn names(&self) -> Names {
        Names {
            run: self.run.clone(),
            process: self.process.clone(),
        }
    }
}

impl Ord for ProcessKey {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.run, &other.run).then_with(|| natural_cmp(&self.process, &other.process))
    }
}

impl PartialOrd for ProcessKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares names with their digit runs as numbers (`rank2` < `rank10`),
/// then as text, so the order is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (n, m) = (digits(x), digits(y));
                let (p, q) = (trim_zeros(&x[..n]), trim_zeros(&y[..m]));
                let by_value = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (&x[n..], &y[m..]);
            }
            (Some(c), Some(d)) if c != d => return c.cmp(d),
            _ => (x, y) = (&x[1..], &y[1..]),
        }
    }
}

fn digits(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    &s[zeros.min(s.len().saturating_sub(1))..]
}

/// How a process ended, from its `bye`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEnd {
    /// It finished (Goodbye code 1, or 0).
    Finished(String),
    /// It was interrupted or failed (code 4, or a fault code); the text
    /// says how.
    Interrupted(String),
}

/// A frame answered for this viewer's view of a channel whose frame in
/// the bucket is an overview (level of detail through the relay).
#[derive(Debug, Clone)]
pub struct Detail {
    /// The reply.
    pub frame: Arc<Frame>,
    /// The view it answers.
    pub view: View,
    /// When it arrived.
    pub at: Instant,
}

/// A detail stays drawn this long after it arrived even when a newer
/// overview came meanwhile (the next reply is on its way); after that the
/// newer overview wins (the computation stopped answering).
pub const DETAIL_FRESH: Duration = Duration::from_secs(1);

/// Why a value of a process was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// It does not fit the process (kind, channel, size, session).
    Value,
    /// A hello of another relay or protocol version.
    Version,
}

/// What the viewer knows of one process.
#[derive(Debug, Clone, Default)]
pub struct ProcessState {
    /// Its hello (text made safe to show).
    pub info: Option<ProcessInfo>,
    /// Its layout.
    pub layout: Option<Layout>,
    /// The newest frame of each snapshot channel, from the bucket.
    pub frames: HashMap<u32, Arc<Frame>>,
    /// Replies for this viewer's views of overview channels.
    pub details: HashMap<u32, Detail>,
    /// Append series, by channel.
    pub series: HashMap<u32, SeriesSet>,
    /// Set once its bye arrived.
    pub end: Option<ProcessEnd>,
    /// When it last showed a sign of life (a value, an answer).
    pub last_heard: Option<Instant>,
    /// Its clock minus ours (µs) and the round trip (µs), from pings.
    pub clock: Option<(i64, u64)>,
    /// Nothing heard for a while and no bye: gone without a word?
    pub stale: bool,
}

impl ProcessState {
    /// The spec of a channel of its layout.
    pub fn spec(&self, channel: u32) -> Option<&ChannelSpec> {
        self.layout
            .as_ref()?
            .channels
            .iter()
            .find(|c| c.id == channel)
    }

    /// True once it can be shown: it said hello and sent its layout.
    pub fn is_shown(&self) -> bool {
        self.info.is_some() && self.layout.is_some()
    }

    /// A hello: a new session (another session id) starts from nothing.
    ///
    /// # Errors
    /// [`Refused::Version`] for another relay or protocol version,
    /// [`Refused::Value`] for a hello naming another process.
    pub fn hello(&mut self, mut info: ProcessInfo, label: &str) -> Result<(), Refused> {
        use plotcast_protocol::relay::RELAY_VERSION;
        if info.relay_version != RELAY_VERSION
            || !plotcast_protocol::SERVER_MESSAGE_VERSIONS.contains(&info.protocol_version)
        {
            return Err(Refused::Version);
        }
        if info.process != label {
            return Err(Refused::Value);
        }
        clean_in_place(&mut info.title, MAX_LABEL_CHARS);
        clean_in_place(&mut info.host, MAX_LABEL_CHARS);
        let same = self
            .info
            .as_ref()
            .is_some_and(|old| old.session_id == info.session_id);
        if !same {
            let (last_heard, clock) = (self.last_heard, self.clock);
            *self = Self {
                last_heard,
                clock,
                ..Self::default()
            };
        }
        self.info = Some(info);
        Ok(())
    }

    /// A layout: frames and series of channels it no longer lists (or
    /// lists with another kind) are dropped.
    ///
    /// # Errors
    /// [`Refused::Value`] for a layout of more than
    /// [`MAX_CHANNELS_PER_PROCESS`] channels.
    pub fn set_layout(&mut self, mut layout: Layout) -> Result<(), Refused> {
        if layout.channels.len() > MAX_CHANNELS_PER_PROCESS {
            return Err(Refused::Value);
        }
        clean_in_place(&mut layout.title, MAX_LABEL_CHARS);
        let mut seen = std::collections::HashSet::new();
        layout.channels.retain(|c| seen.insert(c.id));
        let kind_of: HashMap<u32, ChannelKind> =
            layout.channels.iter().map(|c| (c.id, c.kind)).collect();
        self.frames.retain(|id, f| kind_of.get(id) == Some(&f.kind));
        self.details.retain(|id, _| self.frames.contains_key(id));
        self.series
            .retain(|id, _| kind_of.get(id) == Some(&ChannelKind::Series));
        for (id, set) in &mut self.series {
            if let Some(spec) = layout.channels.iter().find(|c| c.id == *id) {
                set.trim(history_window(spec));
            }
        }
        self.layout = Some(layout);
        Ok(())
    }

    /// The newest frame of a snapshot channel; returns the values it
    /// skipped (a gap in `seq`: values replaced before this viewer read
    /// them).
    ///
    /// # Errors
    /// [`Refused::Value`] for a series frame, a frame the layout does not
    /// fit, or one channel too many before the layout.
    pub fn data(&mut self, mut frame: Frame) -> Result<u64, Refused> {
        if frame.kind == ChannelKind::Series || !self.fits(frame.channel, frame.kind) {
            return Err(Refused::Value);
        }
        for part in &mut frame.parts {
            clean_in_place(&mut part.name, MAX_LABEL_CHARS);
        }
        let skipped = self
            .frames
            .get(&frame.channel)
            .map_or(0, |old| frame.seq.saturating_sub(old.seq).saturating_sub(1));
        self.frames.insert(frame.channel, Arc::new(frame));
        Ok(skipped)
    }

    /// A chunk of an append series; returns the points it misses (a gap
    /// in `first_index`: chunks the stream no longer keeps).
    ///
    /// # Errors
    /// [`Refused::Value`] for a chunk of another kind, of a channel the
    /// layout does not list as a series, of an older session, or one
    /// channel too many before the layout.
    pub fn chunk(&mut self, frame: &Frame) -> Result<u64, Refused> {
        if frame.kind != ChannelKind::Series || !self.fits(frame.channel, frame.kind) {
            return Err(Refused::Value);
        }
        // A restarted process keeps its subjects: chunks of its earlier
        // session are still in the stream.
        if self
            .info
            .as_ref()
            .is_some_and(|i| frame.timestamp_us < i.started_us)
        {
            return Err(Refused::Value);
        }
        let window = self
            .spec(frame.channel)
            .map_or(DEFAULT_HISTORY_POINTS, history_window);
        let set = self.series.entry(frame.channel).or_default();
        let mut missed = 0;
        let replace = frame.lod.as_ref().filter(|l| l.replace);
        for (k, part) in frame.parts.iter().enumerate() {
            let mut part = part.clone();
            clean_in_place(&mut part.name, MAX_LABEL_CHARS);
            match replace {
                Some(lod) => {
                    let next = lod.ends.get(k).copied().unwrap_or(part.first_index);
                    set.replace(&part, next, window, true);
                }
                None => {
                    let next = set
                        .series()
                        .iter()
                        .find(|s| s.name == part.name)
                        .map(|s| s.next_index());
                    if let Some(next) = next.filter(|&n| n > 0) {
                        missed += part.first_index.saturating_sub(next);
                    }
                    set.append(&part, window);
                }
            }
        }
        Ok(missed)
    }

    /// Its bye.
    pub fn bye(&mut self, bye: &Goodbye) {
        let mut reason = bye.reason.clone();
        clean_in_place(&mut reason, MAX_REASON_CHARS);
        self.end = Some(match bye.code {
            GoodbyeCode::Normal | GoodbyeCode::ComputationEnded => ProcessEnd::Finished(reason),
            _ => ProcessEnd::Interrupted(reason),
        });
    }

    /// The frame to draw for a channel: the detail answered for this
    /// viewer's view while it is as new as the overview or fresh, else the
    /// overview from the bucket.
    pub fn frame(&self, channel: u32, now: Instant) -> Option<&Arc<Frame>> {
        let bucket = self.frames.get(&channel)?;
        match self.details.get(&channel) {
            Some(d)
                if d.frame.seq >= bucket.seq
                    || now.saturating_duration_since(d.at) < DETAIL_FRESH =>
            {
                Some(&d.frame)
            }
            _ => Some(bucket),
        }
    }

    /// Whether a channel may take a frame of `kind`: its layout says so,
    /// or (before the layout) there is room.
    fn fits(&self, channel: u32, kind: ChannelKind) -> bool {
        match &self.layout {
            Some(_) => self.spec(channel).is_some_and(|s| s.kind == kind),
            None => {
                let known =
                    self.frames.contains_key(&channel) || self.series.contains_key(&channel);
                known || self.frames.len() + self.series.len() < MAX_CHANNELS_BEFORE_LAYOUT
            }
        }
    }
}

/// The history window of an append channel: its layout's, else the default.
pub fn history_window(spec: &ChannelSpec) -> usize {
    match spec.options.history_points as usize {
        0 => DEFAULT_HISTORY_POINTS,
        n => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_counts_digits_as_numbers() {
        let mut names = vec!["rank10", "rank2", "rank1", "a", "rank02", "rank-x"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["a", "rank-x", "rank1", "rank02", "rank2", "rank10"]);
        assert_eq!(natural_cmp("x007", "x7"), "x007".cmp("x7"));
        assert_eq!(natural_cmp("p", "p"), Ordering::Equal);
    }
}
