//! The relay source: the network thread's work when the viewer reads a
//! run through NATS instead of a server. One method per event, as the
//! direct connection's session does.
//!
//! ```text
//!  KV watch (<run>.>, headers only) ─▶ values ─┐
//!    fetched when due (fetches.rs)             │
//!  series stream (ordered consumer, from the   ├─▶ RunSet (model): every value applied,
//!    first chunk kept, then live)              │     refused values counted
//!  replies (clock pings, views) ───────────────┘
//!  drawing side drew the last batch ───────────▶ build: one PlotState batch, wake
//!                                                 (values that came meanwhile merge:
//!                                                  latest value wins, never a queue);
//!                                                 data keys whose last value it drew
//!                                                 are fetched again
//!  views drawn / a batch drawn ────────────────▶ ask for detail of overview channels
//!  every second ───────────────────────────────▶ clock pings, stale processes, reopen
//! ```
//!
//! The recorder, when there is one, gets the merged messages: a Welcome
//! naming the relay and run, each merged Layout, the merged frames of
//! every batch and the merged series chunks, and a Goodbye when every
//! process has ended. A recording of a relayed run therefore replays as
//! one view, exactly as it was shown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::{Client, Event, ServerError};
use plotcast_protocol::{ClockEstimator, ClockSample, Message};
use tokio::sync::{mpsc, watch};
use tokio::time::sleep_until;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::config::RelayConfig;
use super::record;
use super::requests::{Reply, Requests};
use super::state::{connection, Link};
use super::streams::{StreamEvent, Streams};
use crate::model::{Connection, Detail, RunSet};
use crate::net::config::NetConfig;
use crate::net::event::{NetEvent, NetOutcome};
use crate::net::shared::{Shared, Views};
use crate::recording::recorder::Recorder;

/// How often processes are pinged, stale ones marked, and a watch or
/// stream that could not be opened is tried again.
pub const TICK: Duration = Duration::from_secs(1);

/// The first batch waits at most this long for the values that existed
/// when the watch started (an empty match delivers nothing at all).
pub const INITIAL_WAIT: Duration = Duration::from_secs(1);

/// Everything the source borrows from the network thread.
pub(crate) struct Env<'a> {
    pub(crate) cfg: &'a NetConfig,
    pub(crate) relay: &'a RelayConfig,
    pub(crate) shared: &'a Shared,
    pub(crate) wake: &'a (dyn Fn(NetEvent) + Send + Sync),
    pub(crate) cancel: &'a CancellationToken,
    pub(crate) recorder: &'a mut Option<Recorder>,
}

/// A relay source on a connected client.
pub(crate) struct Source<'a> {
    env: Env<'a>,
    events: mpsc::Receiver<Event>,
    runs: RunSet,
    link: Link,
    streams: Streams,
    /// The first batch waits for the values that existed (see
    /// [`INITIAL_WAIT`]); set to `None` once it went out.
    hold: Option<Hold>,
    requests: Requests,
    clocks: HashMap<crate::model::ProcessKey, ClockEstimator>,
    /// When this source started: no clock ping of it is older.
    started: Instant,
    /// A clock sample was ignored as impossible (said once in the log).
    impossible_seen: bool,
    presented: watch::Receiver<u64>,
    views: watch::Receiver<Views>,
    /// The last batch made; the next one waits until it was drawn.
    published: u64,
    /// The connection last shown.
    shown: Option<Connection>,
    /// A Goodbye went to the recorder for the current ends.
    recorded_end: bool,
}

/// What the first batch waits for.
struct Hold {
    until: Instant,
    series_current: bool,
}

impl<'a> Source<'a> {
    /// A source on `client`, whose events arrive on `events`.
    pub(crate) fn new(env: Env<'a>, client: Client, events: mpsc::Receiver<Event>) -> Self {
        let mut runs = RunSet::new(&env.relay.address.run);
        if env.recorder.is_some() {
            runs.record_series();
        }
        let presented = env.shared.subscribe_presented();
        let mut views = env.shared.subscribe_views();
        views.borrow_and_update();
        Self {
            published: env.shared.batch(),
            requests: Requests::new(client.clone()),
            streams: Streams::new(client, &env.relay.address.run),
            env,
            events,
            runs,
            link: Link::Up,
            hold: Some(Hold {
                until: Instant::now() + INITIAL_WAIT,
                series_current: false,
            }),
            clocks: HashMap::new(),
            started: Instant::now(),
            impossible_seen: false,
            presented,
            views,
            shown: None,
            recorded_end: false,
        }
    }

    /// Runs until cancelled, or (without reconnect) until the run ended
    /// or the relay was lost.
    pub(crate) async fn run(mut self) -> Result<NetOutcome, crate::error::NetError> {
        if let Some(recorder) = self.env.recorder.as_mut() {
            record::start(
                recorder,
                self.env.relay.address.server(),
                &self.env.relay.address.run,
            );
        }
        self.streams.open();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let lod = self.env.cfg.level_of_detail;
        loop {
            let record_tick = self.env.recorder.as_ref().and_then(Recorder::next_tick);
            let hold_until = self.hold.as_ref().map(|h| h.until);
            tokio::select! {
                () = self.env.cancel.cancelled() => return Ok(NetOutcome::Cancelled),
                Some(event) = self.events.recv() => {
                    if let Some(outcome) = self.on_event(event) {
                        return Ok(outcome);
                    }
                }
                event = self.streams.next() => self.on_stream(event),
                reply = self.requests.next() => self.on_reply(reply),
                _ = tick.tick() => self.on_tick(),
                () = sleep_until(hold_until.unwrap_or_else(Instant::now).into()), if hold_until.is_some() => {
                    self.hold = None;
                    self.show_connection();
                }
                () = sleep_until(record_tick.unwrap_or_else(Instant::now).into()), if record_tick.is_some() => {
                    self.record_tick();
                }
                changed = self.presented.changed() => {
                    if changed.is_ok() {
                        self.ask_details();
                    }
                }
                changed = self.views.changed(), if lod => {
                    if changed.is_ok() {
                        self.ask_details();
                    }
                }
            }
            self.publish();
            let clean = (!self.runs.is_dirty()).then_some(self.published);
            self.streams.pump(*self.presented.borrow(), clean);
            if let Some(outcome) = self.ended_for_good() {
                return Ok(outcome);
            }
        }
    }

    /// News of the bucket, the watch and the series stream.
    fn on_stream(&mut self, event: StreamEvent) {
        let now = Instant::now();
        match event {
            StreamEvent::Key((key, value)) => {
                self.runs.apply_entry(&key, value.as_ref(), now);
            }
            StreamEvent::Chunk((subject, payload, current, _)) => {
                self.runs.apply_chunk(&subject, &payload, now);
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current |= current;
                }
            }
            StreamEvent::WatchOpened => {
                if let Some(hold) = self.hold.as_mut() {
                    hold.until = now + INITIAL_WAIT;
                }
            }
            StreamEvent::SeriesOpened(empty) => {
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current |= empty;
                }
            }
            StreamEvent::NoSeries => {
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current = true;
                }
            }
            StreamEvent::Nothing => {}
        }
    }

    fn on_reply(&mut self, reply: Reply) {
        let now = Instant::now();
        match reply {
            Reply::Clock {
                key,
                result: Ok((pong, arrived_us)),
            } => {
                let since_start = now.duration_since(self.started).as_micros();
                let connected_us = u64::try_from(since_start).unwrap_or(u64::MAX);
                let sample = match ClockSample::from_pong(&pong, arrived_us, connected_us) {
                    Ok(sample) => sample,
                    Err(err) => {
                        if !self.impossible_seen {
                            self.impossible_seen = true;
                            warn!(process = %key.process,
                                "clock sample ignored (and any more like it): {err}");
                        }
                        return;
                    }
                };
                let clock = self.clocks.entry(key.clone()).or_default();
                clock.add(sample);
                if let (Some(offset), Some(rtt)) = (clock.offset_us(), clock.min_round_trip_us()) {
                    self.runs.apply_clock(&key, offset, rtt, now);
                    // The figures change without a batch, as a pong's do on
                    // a direct connection.
                    let runs = &self.runs;
                    self.env.shared.update(|s| runs.figures(&mut s.status));
                }
            }
            Reply::Clock {
                key,
                result: Err(err),
            } => {
                debug!(process = %key.process, "clock ping unanswered: {err}");
            }
            Reply::View {
                key,
                view,
                result: Ok(frame),
            } => {
                if frame.channel == view.channel {
                    let frame = Arc::new(frame);
                    self.runs.apply_detail(
                        &key,
                        Detail {
                            frame,
                            view,
                            at: now,
                        },
                    );
                }
            }
            Reply::View {
                key,
                result: Err(err),
                ..
            } => {
                debug!(process = %key.process, "view request unanswered: {err}");
            }
        }
    }

    /// Client events: the relay connection's state.
    fn on_event(&mut self, event: Event) -> Option<NetOutcome> {
        match event {
            Event::Connected => {
                info!(relay = %self.env.cfg.addr, "relay connected");
                if matches!(self.link, Link::Down { .. }) {
                    self.streams.restart();
                }
                self.link = Link::Up;
                self.streams.open();
            }
            Event::Disconnected => {
                let attempt = match &self.link {
                    Link::Down { attempt, .. } => attempt + 1,
                    Link::Up => 1,
                };
                warn!(relay = %self.env.cfg.addr, "relay connection lost; reconnecting");
                if !self.env.cfg.reconnect {
                    let reason = format!("connection to the relay {} lost", self.server());
                    self.show(Connection::Lost {
                        reason: reason.clone(),
                    });
                    return Some(NetOutcome::Lost { reason });
                }
                self.link = Link::Down {
                    attempt,
                    reason: format!(
                        "connection to the relay lost; trying every node of {}",
                        self.env.relay.address.servers.join(", ")
                    ),
                };
            }
            Event::ServerError(ServerError::AuthorizationViolation) => {
                self.link = Link::Down {
                    attempt: 1,
                    reason: "the relay refused this viewer's credentials".into(),
                };
            }
            other => debug!("relay client: {other}"),
        }
        self.show_connection();
        None
    }

    /// Every second: pings, stale processes, whatever must be opened
    /// again.
    fn on_tick(&mut self) {
        let now = Instant::now();
        if self.link == Link::Up {
            self.streams.open();
            self.streams.retry();
        }
        self.runs.check_stale(now);
        let keys: Vec<_> = self
            .runs
            .processes()
            .iter()
            .filter(|(_, p)| p.is_shown() && p.end.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        for key in &keys {
            self.requests.ping(key);
        }
        self.show_connection();
    }

    /// Asks the processes for detail of their overview channels, for the
    /// views drawn (at most one request per channel in flight: so at most
    /// about one per draw).
    fn ask_details(&mut self) {
        let views = self.views.borrow_and_update().views.clone();
        let wants = self.runs.detail_wants(&views, self.env.cfg.level_of_detail);
        for (key, view) in wants {
            self.requests.view(&key, view);
        }
    }

    /// Makes a batch of what changed, once the drawing side drew the last.
    fn publish(&mut self) {
        if let Some(hold) = &self.hold {
            if !(self.streams.caught_up() && hold.series_current) {
                return;
            }
            self.hold = None;
        }
        if !self.runs.is_dirty() || *self.presented.borrow() < self.published {
            return;
        }
        let now = Instant::now();
        let recording = self.env.recorder.is_some();
        let server = self.server().to_owned();
        let runs = &mut self.runs;
        let (link, run, holding) = (&self.link, &self.env.relay.address.run, self.hold.is_some());
        let mut made = Vec::new();
        // The connection state goes in with the batch, under the same
        // lock: a drawing of the run's first values must not say
        // "connecting" (it was set a moment later before, and a snapshot
        // in between showed both).
        let shown = self.env.shared.update(|s| {
            let (layout_changed, ids) = runs.build(s, now);
            s.status.relay = Some(runs.status(&server));
            s.status.connection = shown_connection(link, runs, run, &server, holding);
            if recording {
                made = record::merged_messages(s, layout_changed, &ids);
            }
            s.status.connection.clone()
        });
        self.shown = Some(shown);
        self.published = self.env.shared.finish_batch();
        (self.env.wake)(NetEvent::Changed);
        if recording {
            self.record(made);
        }
        self.ask_details();
    }

    /// Shows the connection state if it changed.
    fn show_connection(&mut self) {
        let now = shown_connection(
            &self.link,
            &self.runs,
            &self.env.relay.address.run,
            self.server(),
            self.hold.is_some(),
        );
        self.show(now);
    }

    fn show(&mut self, connection: Connection) {
        if self.shown.as_ref() == Some(&connection) {
            return;
        }
        self.shown = Some(connection.clone());
        let relay = self.runs.status(self.server());
        self.env.shared.update(|s| {
            s.status.connection = connection;
            s.status.relay = Some(relay);
        });
        (self.env.wake)(NetEvent::Changed);
    }

    /// Without reconnect (a viewer launched by its computation), the run
    /// ending ends the viewer's network side; its goodbye is recorded.
    fn ended_for_good(&mut self) -> Option<NetOutcome> {
        let ended = match &self.shown {
            Some(Connection::Ended { reason } | Connection::Interrupted { reason }) => {
                Some(reason.clone())
            }
            _ => None,
        };
        match ended {
            Some(reason) => {
                self.record_end(&reason);
                (!self.env.cfg.reconnect && !self.runs.is_dirty())
                    .then_some(NetOutcome::Ended { reason })
            }
            None => {
                self.recorded_end = false;
                None
            }
        }
    }

    fn server(&self) -> &str {
        self.env.relay.address.server()
    }

    /// Gives the recorder a batch's merged messages, after the series
    /// chunks that came with it.
    fn record(&mut self, messages: Vec<Message>) {
        let series = self.runs.take_recorded_series();
        if let Some(recorder) = self.env.recorder.as_mut() {
            let layout_first = matches!(messages.first(), Some(Message::Layout(_)));
            let (layout, frames) = messages.split_at(usize::from(layout_first));
            let chunks = series.into_iter().map(Message::Data);
            record::write(
                recorder,
                layout
                    .iter()
                    .cloned()
                    .chain(chunks)
                    .chain(frames.iter().cloned()),
            );
        }
    }

    fn record_end(&mut self, reason: &str) {
        if self.recorded_end {
            return;
        }
        self.recorded_end = true;
        let interrupted = matches!(self.shown, Some(Connection::Interrupted { .. }));
        self.record(vec![record::goodbye(interrupted, reason)]);
    }

    fn record_tick(&mut self) {
        if let Some(recorder) = self.env.recorder.as_mut() {
            recorder.tick(Instant::now());
            let status = recorder.status();
            self.env
                .shared
                .update(|s| s.status.recording = Some(status));
        }
    }
}

/// The connection as shown: while the run's first values are still on
/// their way (`holding`), "connecting", not "waiting for the run".
fn shown_connection(
    link: &Link,
    runs: &RunSet,
    run: &str,
    server: &str,
    holding: bool,
) -> Connection {
    match connection(link, runs, run, server) {
        Connection::Unreachable { .. } if holding => Connection::Connecting,
        other => other,
    }
}
