//! [`RunSet`]: every process of a relayed run (or of several runs, for a
//! pattern like `sweep-*`) merged into the one [`PlotState`] the viewer
//! draws.
//!
//! ```text
//!  bucket key / stream message ──▶ apply_entry / apply_chunk ──▶ ProcessState per process
//!  (raw bytes, any peer)             parse, check, decode,           │
//!                                    refuse and count                ▼
//!  drawing side ready ─────────────▶ build(state) ◀── run_plan: merged layout,
//!                                     │               stitch: tiles
//!                                     ▼
//!                                  PlotState: layout (when it changed), data of
//!                                  the plots that changed, status figures
//! ```
//!
//! Pure: the network side feeds it bytes and times; tests feed it the
//! same. Values are applied as they come (latest value wins: a value
//! replaced before the next build is never drawn) and a build costs only
//! the plots whose processes changed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use plotcast_protocol::relay::{self, Entry, ProcessInfo};
use plotcast_protocol::{decode, Frame, Message, View};

use super::plot_state::PlotState;
use super::relay_status::RelayStatus;
use super::run_data::{merged_data, trace_name};
use super::run_plan::{plan, Plan, PlotIds};
use super::run_process::{Detail, ProcessKey, ProcessState, Refused};
use super::run_views::detail_wants;
use super::status::Status;

/// Most processes kept (over all runs shown): a peer inventing process
/// labels cannot grow the viewer without bound.
pub const MAX_PROCESSES: usize = 4096;

/// A process that said nothing (no value, no answer to a clock ping) for
/// this long, and no bye, is shown as stale: three ping intervals.
pub const STALE_AFTER: Duration = Duration::from_secs(3);

/// Series chunks waiting for the recorder, at most.
const MAX_RECORD_QUEUE: usize = 4096;

/// Values refused, by reason: they are skipped and counted, never drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refusals {
    /// Keys or subjects of no known shape.
    pub bad_keys: u64,
    /// Values that do not decode, or do not fit their key or process.
    pub bad_values: u64,
    /// Values longer than a relay message may be.
    pub oversized: u64,
    /// Hellos of another relay or protocol version.
    pub other_version: u64,
    /// Processes beyond [`MAX_PROCESSES`].
    pub too_many: u64,
}

impl Refusals {
    /// Everything refused.
    pub fn total(&self) -> u64 {
        self.bad_keys + self.bad_values + self.oversized + self.other_version + self.too_many
    }
}

/// Every process of the runs a viewer shows.
#[derive(Debug, Default)]
pub struct RunSet {
    /// The run, or a pattern with `*`.
    pattern: String,
    processes: BTreeMap<ProcessKey, ProcessState>,
    ids: PlotIds,
    plan: Plan,
    /// The merged layout must be made again.
    layout_dirty: bool,
    /// Process channels whose data changed since the last build.
    dirty: BTreeSet<(ProcessKey, u32)>,
    refused: Refusals,
    /// Values replaced before this viewer read them, and series points
    /// the stream no longer kept.
    skipped: u64,
    received: u64,
    /// The newest value: when it arrived, its publish time and the
    /// offset of its process's clock.
    newest: Option<(Instant, u64, i64)>,
    /// Series chunks for a recorder, when one listens (merged when taken,
    /// after the build that shows them).
    record: Option<VecDeque<(ProcessKey, Frame)>>,
}

impl RunSet {
    /// The processes of runs matching `pattern` (a run, or `*` for any
    /// name characters).
    pub fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_owned(),
            ..Self::default()
        }
    }

    /// Keeps merged series chunks for a recorder (see
    /// [`take_recorded_series`](Self::take_recorded_series)).
    pub fn record_series(&mut self) {
        self.record = Some(VecDeque::new());
    }

    /// What was refused so far.
    pub fn refused(&self) -> Refusals {
        self.refused
    }

    /// The processes, in order.
    pub fn processes(&self) -> &BTreeMap<ProcessKey, ProcessState> {
        &self.processes
    }

    /// The merged plots as of the last build.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// True when something changed since the last build.
    pub fn is_dirty(&self) -> bool {
        self.layout_dirty || !self.dirty.is_empty()
    }

    /// A value of the bucket (`None`: the key was deleted or purged).
    /// Keys of other runs are ignored; anything wrong is refused and
    /// counted.
    pub fn apply_entry(&mut self, key: &str, value: Option<&Bytes>, now: Instant) {
        let Some((names, entry)) = relay::parse_key(key) else {
            self.refused.bad_keys += 1;
            return;
        };
        if !relay::run_matches(&self.pattern, &names.run) {
            return;
        }
        let pkey = ProcessKey::of(&names);
        let Some(value) = value else {
            self.remove(&pkey, entry);
            return;
        };
        if value.len() > relay::MAX_MESSAGE_BYTES {
            self.refused.oversized += 1;
            return;
        }
        let Some(process) = self.process_mut(&pkey) else {
            return;
        };
        process.last_heard = Some(now);
        let clock = process.clock;
        // Ok((values skipped, publish time of a data value)).
        let result: Result<(u64, Option<u64>), Refused> = match entry {
            Entry::Hello => match ProcessInfo::decode(value) {
                Ok(info) => process.hello(info, &pkey.process).map(|()| (0, None)),
                Err(_) => Err(Refused::Value),
            },
            Entry::Layout => match decode(value.clone()) {
                Ok(Message::Layout(layout)) => process.set_layout(layout).map(|()| (0, None)),
                _ => Err(Refused::Value),
            },
            Entry::Data(channel) => match decode(value.clone()) {
                Ok(Message::Data(frame)) if frame.channel == channel => {
                    let ts = frame.timestamp_us;
                    process.data(frame).map(|skipped| (skipped, Some(ts)))
                }
                _ => Err(Refused::Value),
            },
            Entry::Bye => match decode(value.clone()) {
                Ok(Message::Goodbye(bye)) => {
                    process.bye(&bye);
                    Ok((0, None))
                }
                _ => Err(Refused::Value),
            },
        };
        match (result, entry) {
            (Ok((skipped, Some(ts))), Entry::Data(channel)) => {
                self.skipped = self.skipped.saturating_add(skipped);
                self.dirty.insert((pkey, channel));
                self.note_value(ts, clock, now);
            }
            (Ok(_), _) => self.layout_dirty = true,
            (Err(Refused::Value), _) => self.refused.bad_values += 1,
            (Err(Refused::Version), _) => self.refused.other_version += 1,
        }
    }

    /// A message of the series stream.
    pub fn apply_chunk(&mut self, subject: &str, payload: &Bytes, now: Instant) {
        let Some((names, channel)) = relay::parse_series_subject(subject) else {
            self.refused.bad_keys += 1;
            return;
        };
        if !relay::run_matches(&self.pattern, &names.run) {
            return;
        }
        if payload.len() > relay::MAX_MESSAGE_BYTES {
            self.refused.oversized += 1;
            return;
        }
        let frame = match decode(payload.clone()) {
            Ok(Message::Data(frame)) if frame.channel == channel => frame,
            _ => {
                self.refused.bad_values += 1;
                return;
            }
        };
        let pkey = ProcessKey::of(&names);
        let Some(process) = self.process_mut(&pkey) else {
            return;
        };
        process.last_heard = Some(now);
        let clock = process.clock;
        match process.chunk(&frame) {
            Ok(missed) => {
                self.skipped = self.skipped.saturating_add(missed);
                self.dirty.insert((pkey.clone(), channel));
                self.note_value(frame.timestamp_us, clock, now);
                if let Some(queue) = self.record.as_mut() {
                    if queue.len() >= MAX_RECORD_QUEUE {
                        queue.pop_front();
                    }
                    queue.push_back((pkey, frame));
                }
            }
            Err(_) => self.refused.bad_values += 1,
        }
    }

    /// A detail frame answered for `view` of a process channel.
    pub fn apply_detail(&mut self, key: &ProcessKey, detail: Detail) {
        let Some(p) = self.processes.get_mut(key) else {
            return;
        };
        let channel = detail.frame.channel;
        let fits = p
            .frames
            .get(&channel)
            .is_some_and(|f| f.kind == detail.frame.kind);
        if fits {
            p.details.insert(channel, detail);
            self.dirty.insert((key.clone(), channel));
        } else {
            self.refused.bad_values += 1;
        }
    }

    /// The process channels to ask for the view drawn (see
    /// [`detail_wants`]); details of another view are dropped.
    pub fn detail_wants(
        &mut self,
        views: &[View],
        level_of_detail: bool,
    ) -> Vec<(ProcessKey, View)> {
        let (wants, dropped) =
            detail_wants(&self.plan, &mut self.processes, views, level_of_detail);
        self.dirty.extend(dropped);
        wants
    }

    /// A clock sample of a process: its clock minus ours and the round
    /// trip (µs); an answer is a sign of life.
    pub fn apply_clock(
        &mut self,
        key: &ProcessKey,
        offset_us: i64,
        round_trip_us: u64,
        now: Instant,
    ) {
        if let Some(p) = self.processes.get_mut(key) {
            p.clock = Some((offset_us, round_trip_us));
            p.last_heard = Some(now);
        }
    }

    /// Updates which processes are stale at `now`.
    pub fn check_stale(&mut self, now: Instant) {
        for p in self.processes.values_mut() {
            let stale = p.end.is_none()
                && p.last_heard
                    .is_none_or(|t| now.saturating_duration_since(t) >= STALE_AFTER);
            if stale != p.stale {
                p.stale = stale;
                self.layout_dirty = true;
            }
        }
    }

    /// Series chunks waiting for the recorder, oldest first, as merged
    /// frames of the plots of the last build: the plot's id and trace
    /// names (without the marks of ended processes, which would split a
    /// recorded series in two). Chunks of plots not shown are dropped.
    pub fn take_recorded_series(&mut self) -> Vec<Frame> {
        let Some(queue) = self.record.as_mut() else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(queue.len());
        for (key, mut frame) in queue.drain(..) {
            let Some(plot) = self.plan.plot_of(&key, frame.channel) else {
                continue;
            };
            let named = self.processes.get(&key).map_or(0, |p| {
                p.series.get(&frame.channel).map_or(0, |s| s.series().len())
            });
            frame.channel = plot.id;
            if plot.members.len() > 1 {
                for part in &mut frame.parts {
                    part.name = trace_name(&key.process, &part.name, named, "");
                }
            }
            out.push(frame);
        }
        out
    }

    /// The figures of the status line's relay part.
    pub fn status(&self, server: &str) -> RelayStatus {
        let shown = self.processes.values().filter(|p| p.is_shown());
        let (mut processes, mut ended, mut stale) = (0, 0, 0);
        for p in shown {
            processes += 1;
            ended += usize::from(p.end.is_some());
            stale += usize::from(p.stale);
        }
        RelayStatus {
            server: server.to_owned(),
            run: self.pattern.clone(),
            runs: self.plan.runs,
            processes,
            ended,
            stale,
            refused: self.refused.total(),
        }
    }

    /// Writes what changed into `state`: the merged layout when it
    /// changed, the data of every plot whose processes changed, and the
    /// frame figures. Returns the ids of the plots written (all of them
    /// after a layout change) and whether the layout changed.
    pub fn build(&mut self, state: &mut PlotState, now: Instant) -> (bool, Vec<u32>) {
        let layout_changed = std::mem::take(&mut self.layout_dirty);
        let ids: Vec<u32> = if layout_changed {
            self.plan = plan(&self.processes, &mut self.ids);
            state.set_layout(self.plan.layout.clone());
            self.dirty.clear();
            self.plan.plots.iter().map(|p| p.id).collect()
        } else {
            let dirty = std::mem::take(&mut self.dirty);
            let mut ids: Vec<u32> = dirty
                .iter()
                .filter_map(|(k, c)| self.plan.plot_of(k, *c).map(|p| p.id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        for &id in &ids {
            let data = self
                .plan
                .plot(id)
                .and_then(|plot| merged_data(plot, &self.processes, now));
            match data {
                Some(data) => state.data.insert(id, data),
                None => state.data.remove(&id),
            };
        }
        self.figures(&mut state.status);
        (layout_changed, ids)
    }

    /// Writes the frame figures into `status`: values received and
    /// skipped, the newest value's publish time with its process's clock
    /// offset (so its age is true across machines), the shortest round
    /// trip to any process.
    pub fn figures(&self, status: &mut Status) {
        status.frames_received = self.received;
        status.frames_skipped = self.skipped;
        if let Some((at, ts, offset)) = self.newest {
            status.newest_frame = Some((at, ts));
            status.clock_offset_us = offset;
        }
        status.round_trip = self
            .processes
            .values()
            .filter_map(|p| p.clock.map(|(_, rtt)| rtt))
            .min()
            .map(Duration::from_micros);
    }

    fn process_mut(&mut self, key: &ProcessKey) -> Option<&mut ProcessState> {
        if !self.processes.contains_key(key) && self.processes.len() >= MAX_PROCESSES {
            self.refused.too_many += 1;
            return None;
        }
        Some(self.processes.entry(key.clone()).or_default())
    }

    fn remove(&mut self, key: &ProcessKey, entry: Entry) {
        let Some(p) = self.processes.get_mut(key) else {
            return;
        };
        match entry {
            Entry::Hello => {
                self.processes.remove(key);
            }
            Entry::Layout => p.layout = None,
            Entry::Bye => p.end = None,
            Entry::Data(channel) => {
                p.frames.remove(&channel);
                p.details.remove(&channel);
                self.dirty.insert((key.clone(), channel));
                return;
            }
        }
        self.layout_dirty = true;
    }

    /// Counts a value and remembers the newest, by the viewer's clock
    /// (publish time less its process's clock offset).
    fn note_value(&mut self, timestamp_us: u64, clock: Option<(i64, u64)>, now: Instant) {
        self.received = self.received.saturating_add(1);
        let offset = clock.map_or(0, |(o, _)| o);
        let ours = |ts: u64, off: i64| i128::from(ts) - i128::from(off);
        let newer = self
            .newest
            .is_none_or(|(_, ts, off)| ours(timestamp_us, offset) >= ours(ts, off));
        if newer {
            self.newest = Some((now, timestamp_us, offset));
        }
    }
}
