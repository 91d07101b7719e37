//! The relay source: the network thread's work when the viewer reads a
//! run through NATS instead of a server. One method per event, as the
//! direct connection's session does.
//!
//! ```text
//!  KV watch (<run>.>, last value of each key) ─┐
//!  series stream (ordered consumer, from the   ├─▶ RunSet (model): every value applied,
//!    first chunk kept, then live)              │     refused values counted
//!  replies (clock pings, views) ───────────────┘
//!  drawing side drew the last batch ───────────▶ build: one PlotState batch, wake
//!                                                 (values that came meanwhile merge:
//!                                                  latest value wins, never a queue)
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
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::{Client, Event, ServerError};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use plotcast_protocol::{
    encode, ClockEstimator, ClockSample, Goodbye, GoodbyeCode, Message, Welcome,
    LENGTH_PREFIX_BYTES, VERSION,
};
use tokio::sync::{mpsc, watch};
use tokio::time::sleep_until;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::bucket::{Chunk, Jet, KeyChange};
use super::config::RelayConfig;
use super::requests::{Reply, Requests};
use super::state::{connection, Link};
use crate::model::{Connection, Detail, PlotState, RunSet};
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

type Opening<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;
type Watch = BoxStream<'static, Result<KeyChange, String>>;
type Series = BoxStream<'static, Result<Chunk, String>>;
/// The series stream and whether it had nothing to catch up with.
type SeriesOpened = (Series, bool);

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
    client: Client,
    events: mpsc::Receiver<Event>,
    runs: RunSet,
    link: Link,
    jet: Option<Jet>,
    jet_opening: Option<Opening<Jet>>,
    watch: Option<Watch>,
    watch_opening: Option<Opening<Watch>>,
    series: Option<Series>,
    series_opening: Option<Opening<SeriesOpened>>,
    /// The first batch waits for the values that existed (see
    /// [`INITIAL_WAIT`]); set to `None` once it went out.
    hold: Option<Hold>,
    requests: Requests,
    clocks: HashMap<crate::model::ProcessKey, ClockEstimator>,
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
    watch_current: bool,
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
            env,
            client,
            events,
            runs,
            link: Link::Up,
            jet: None,
            jet_opening: None,
            watch: None,
            watch_opening: None,
            series: None,
            series_opening: None,
            hold: Some(Hold {
                until: Instant::now() + INITIAL_WAIT,
                watch_current: false,
                series_current: false,
            }),
            clocks: HashMap::new(),
            presented,
            views,
            shown: None,
            recorded_end: false,
        }
    }

    /// Runs until cancelled, or (without reconnect) until the run ended
    /// or the relay was lost.
    pub(crate) async fn run(mut self) -> Result<NetOutcome, crate::error::NetError> {
        self.start_recording();
        self.open();
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
                jet = poll_opening(&mut self.jet_opening) => self.on_jet(jet),
                watch = poll_opening(&mut self.watch_opening) => self.on_watch_opened(watch),
                series = poll_opening(&mut self.series_opening) => self.on_series_opened(series),
                change = next_of(&mut self.watch) => self.on_key(change),
                chunk = next_of(&mut self.series) => self.on_chunk(chunk),
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
            if let Some(outcome) = self.ended_for_good() {
                return Ok(outcome);
            }
        }
    }

    /// Starts opening whatever is not open (the bucket, the watch, the
    /// series stream).
    fn open(&mut self) {
        let Some(jet) = self.jet.clone() else {
            if self.jet_opening.is_none() {
                let client = self.client.clone();
                self.jet_opening = Some(Box::pin(async move { Jet::open(&client).await }));
            }
            return;
        };
        let run = self.env.relay.address.run.clone();
        if self.watch.is_none() && self.watch_opening.is_none() {
            let (jet, run) = (jet.clone(), run.clone());
            self.watch_opening = Some(Box::pin(async move { jet.watch(&run).await }));
        }
        if self.series.is_none() && self.series_opening.is_none() {
            self.series_opening = Some(Box::pin(async move { jet.series(&run).await }));
        }
    }

    fn on_jet(&mut self, jet: Result<Jet, String>) {
        match jet {
            Ok(jet) => {
                self.jet = Some(jet);
                self.open();
            }
            // No bucket yet: no computation ever published here. The
            // status line says the run is awaited; try again next tick.
            Err(err) => debug!("relay bucket not open yet: {err}"),
        }
    }

    fn on_watch_opened(&mut self, watch: Result<Watch, String>) {
        match watch {
            Ok(watch) => {
                self.watch = Some(watch);
                if let Some(hold) = self.hold.as_mut() {
                    hold.until = Instant::now() + INITIAL_WAIT;
                }
            }
            Err(err) => debug!("relay watch not open yet: {err}"),
        }
    }

    fn on_series_opened(&mut self, series: Result<SeriesOpened, String>) {
        match series {
            Ok((series, empty)) => {
                self.series = Some(series);
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current |= empty;
                }
            }
            // No stream until a computation published an append series.
            Err(err) => {
                debug!("relay series stream not open yet: {err}");
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current = true;
                }
            }
        }
    }

    fn on_key(&mut self, change: Option<Result<KeyChange, String>>) {
        match change {
            Some(Ok((key, value, current))) => {
                self.runs.apply_entry(&key, value.as_ref(), Instant::now());
                if let Some(hold) = self.hold.as_mut() {
                    hold.watch_current |= current;
                }
            }
            // The watcher goes on after a consumer error (a missed
            // heartbeat while a node fails over).
            Some(Err(err)) => debug!("relay watch: {err}"),
            None => {
                info!("relay watch ended; watching again");
                self.watch = None;
            }
        }
    }

    fn on_chunk(&mut self, chunk: Option<Result<Chunk, String>>) {
        match chunk {
            Some(Ok((subject, payload, current))) => {
                self.runs.apply_chunk(&subject, &payload, Instant::now());
                if let Some(hold) = self.hold.as_mut() {
                    hold.series_current |= current;
                }
            }
            Some(Err(err)) => debug!("relay series stream: {err}"),
            None => {
                info!("relay series stream ended; reading again");
                self.series = None;
            }
        }
    }

    fn on_reply(&mut self, reply: Reply) {
        let now = Instant::now();
        match reply {
            Reply::Clock {
                key,
                result: Ok((pong, arrived_us)),
            } => {
                let Some(sample) = ClockSample::from_pong(&pong, arrived_us) else {
                    return;
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
            Reply::Clock { key, result: Err(err) } => {
                debug!(process = %key.process, "clock ping unanswered: {err}");
            }
            Reply::View {
                key,
                view,
                result: Ok(frame),
            } => {
                if frame.channel == view.channel {
                    let frame = Arc::new(frame);
                    self.runs.apply_detail(&key, Detail { frame, view, at: now });
                }
            }
            Reply::View { key, result: Err(err), .. } => {
                debug!(process = %key.process, "view request unanswered: {err}");
            }
        }
    }

    /// Client events: the relay connection's state.
    fn on_event(&mut self, event: Event) -> Option<NetOutcome> {
        match event {
            Event::Connected => {
                info!(relay = %self.env.cfg.addr, "relay connected");
                self.link = Link::Up;
                self.open();
            }
            Event::Disconnected => {
                let attempt = match &self.link {
                    Link::Down { attempt, .. } => attempt + 1,
                    Link::Up => 1,
                };
                warn!(relay = %self.env.cfg.addr, "relay connection lost; reconnecting");
                if !self.env.cfg.reconnect {
                    let reason = format!("connection to the relay {} lost", self.server());
                    self.show(Connection::Lost { reason: reason.clone() });
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
            self.open();
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
            if !(hold.watch_current && hold.series_current) {
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
        let mut made = (None, Vec::new());
        self.env.shared.update(|s| {
            let (layout_changed, ids) = runs.build(s, now);
            s.status.relay = Some(runs.status(&server));
            if recording {
                made = merged_messages(s, layout_changed, &ids);
            }
        });
        self.published = self.env.shared.finish_batch();
        self.show_connection();
        (self.env.wake)(NetEvent::Changed);
        if recording {
            self.record(made.0, made.1);
        }
        self.ask_details();
    }

    /// Shows the connection state if it changed.
    fn show_connection(&mut self) {
        let now = connection(&self.link, &self.runs, &self.env.relay.address.run, self.server());
        // The run's values are still on their way: not "waiting" yet.
        let now = match now {
            Connection::Unreachable { .. } if self.hold.is_some() => Connection::Connecting,
            other => other,
        };
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

    /// The recording starts with a Welcome naming the relay and the run.
    fn start_recording(&mut self) {
        let name = format!("relay {} · run {}", self.server(), self.env.relay.address.run);
        if let Some(recorder) = self.env.recorder.as_mut() {
            let welcome = Welcome {
                version: VERSION,
                server_name: name,
                session_id: crate::clock::now_us(),
                heartbeat_interval_ms: 0,
                heartbeat_timeout_ms: 0,
                codec: 0,
            };
            recorder.session(&welcome, Instant::now());
        }
    }

    /// Gives the recorder a batch's merged messages.
    fn record(&mut self, layout: Option<Message>, frames: Vec<Message>) {
        let series = self.runs.take_recorded_series();
        let Some(recorder) = self.env.recorder.as_mut() else {
            return;
        };
        let now = Instant::now();
        let messages = layout
            .into_iter()
            .chain(series.into_iter().map(Message::Data))
            .chain(frames);
        for msg in messages {
            match encode(&msg) {
                Ok(frame) => recorder.message(&frame.slice(LENGTH_PREFIX_BYTES..), &msg, now),
                Err(err) => warn!("cannot record a {}: {err}", msg.name()),
            }
        }
    }

    fn record_end(&mut self, reason: &str) {
        if self.recorded_end {
            return;
        }
        self.recorded_end = true;
        let code = match &self.shown {
            Some(Connection::Interrupted { .. }) => GoodbyeCode::Interrupted,
            _ => GoodbyeCode::ComputationEnded,
        };
        let bye = Message::Goodbye(Goodbye {
            code,
            reason: reason.to_owned(),
        });
        self.record(None, vec![bye]);
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

/// The merged layout (when it changed) and the snapshot frames of the
/// plots just written, as messages for the recorder.
fn merged_messages(state: &PlotState, layout_changed: bool, ids: &[u32]) -> (Option<Message>, Vec<Message>) {
    let layout = layout_changed.then(|| Message::Layout(state.layout.clone()));
    let frames = ids
        .iter()
        .filter_map(|id| match state.data.get(id) {
            Some(crate::model::ChannelData::Snapshot(frame)) => {
                Some(Message::Data((**frame).clone()))
            }
            _ => None,
        })
        .collect();
    (layout, frames)
}

/// The next item of a stream that may not be open: never ready then.
async fn next_of<S: futures_util::Stream + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// The result of something being opened, once; never ready when nothing
/// is.
async fn poll_opening<T>(opening: &mut Option<Opening<T>>) -> Result<T, String> {
    let result = match opening {
        Some(fut) => fut.await,
        None => std::future::pending().await,
    };
    *opening = None;
    result
}
