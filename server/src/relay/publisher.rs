//! The publisher: puts this process's newest values into the bucket and
//! its series' new points into the stream, one put at a time, each
//! awaited.
//!
//! ```text
//!  publish ─▶ hub (newest value per channel) ─▶ news ─▶ look: what changed?
//!                                                        │ hello (once), layout (on change),
//!                                                        │ each snapshot channel's NEWEST frame,
//!                                                        │ one chunk per series channel
//!                                                        ▼
//!                                               put, await ack, look again
//! ```
//!
//! Like a viewer's connection, it holds no queue: each look takes the
//! newest frame of every channel that changed since its last put, so
//! values published while a put is in flight are skipped (and counted),
//! and memory stays the hub's newest values whatever NATS does. A put that
//! fails is retried, with the newest value then, after a back-off; the
//! bucket and stream are opened again first (they may have gone with a
//! restarted server), and everything is put again once they are.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, Context};
use bytes::Bytes;
use plotcast_protocol::relay::{Entry, ProcessInfo, RELAY_VERSION};
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{encode, Message, VERSION};
use tokio_util::sync::CancellationToken;

use crate::hub::{Channel, Hub, Store};

use super::series_chunks::{Next, SeriesChunks};
use super::settings::RelayConfig;
use super::shared::{count, RelayShared};
use super::storage::Storage;
use super::value::{body, snapshot_value, SnapshotValue};

/// The first wait after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How long the goodbye may take when the server stops: a slow or dead
/// NATS never makes dropping the server hang longer.
pub(crate) const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where the relay stands with one channel.
#[derive(Debug)]
enum Relayed {
    Snapshot {
        /// The newest sequence number accounted for (put or skipped).
        counted: u64,
        /// The sequence number the bucket holds now (0: none).
        stored: u64,
    },
    Series(SeriesChunks),
}

/// What one look at the hub found to put.
#[derive(Default)]
struct Plan {
    hello: bool,
    layout: Option<(u64, Bytes)>,
    snapshots: Vec<(usize, Arc<Channel>, u64, Bytes)>,
    series: Vec<usize>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        !self.hello && self.layout.is_none() && self.snapshots.is_empty() && self.series.is_empty()
    }
}

/// The relay's publishing side.
pub(crate) struct Publisher {
    hub: Arc<Hub>,
    cfg: Arc<RelayConfig>,
    shared: Arc<RelayShared>,
    js: Context,
    /// Open, and checked since the last failure.
    storage: Option<Storage>,
    /// This run's earlier keys were cleared (once, at the first open).
    cleared: bool,
    /// The hello was put into the storage as open now.
    hello_put: bool,
    /// A hello was ever put: the goodbye is owed.
    announced: bool,
    layout_put: u64,
    channels: Vec<Relayed>,
    started_us: u64,
    backoff: Duration,
}

impl Publisher {
    pub(crate) fn new(
        hub: Arc<Hub>,
        cfg: Arc<RelayConfig>,
        shared: Arc<RelayShared>,
        js: Context,
    ) -> Self {
        Self {
            hub,
            cfg,
            shared,
            js,
            storage: None,
            cleared: false,
            hello_put: false,
            announced: false,
            layout_put: 0,
            channels: Vec::new(),
            started_us: unix_now_us(),
            backoff: FIRST_BACKOFF,
        }
    }

    /// Publishes until cancelled, then puts the goodbye.
    pub(crate) async fn run(mut self, cancel: CancellationToken) {
        let (hub, shared) = (Arc::clone(&self.hub), Arc::clone(&self.shared));
        loop {
            // Register for the wake-ups before looking, so a publish
            // between the look and the wait is not missed (see
            // `Hub::notify`).
            let news = hub.news.notified();
            tokio::pin!(news);
            news.as_mut().enable();
            let connected = shared.connected.notified();
            tokio::pin!(connected);
            connected.as_mut().enable();
            let waiting = hub.wait_guard();
            let version = hub.version.load(Ordering::SeqCst);
            let plan = if self.storage.is_some() {
                self.look()
            } else {
                Plan::default()
            };
            if self.storage.is_none() || !plan.is_empty() {
                drop(waiting);
                let done = tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    done = self.work(plan) => done,
                };
                if let Err(err) = done {
                    self.failed(err);
                    tokio::select! {
                        biased;
                        () = cancel.cancelled() => break,
                        () = &mut connected => {}
                        () = tokio::time::sleep(self.backoff) => {}
                    }
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                }
                continue;
            }
            shared.set_synced(version);
            hub.wake_synced();
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                () = &mut news => {}
                () = &mut connected => {}
            }
        }
        self.goodbye().await;
    }

    /// Opens the storage if it is not, then puts what `plan` says.
    async fn work(&mut self, plan: Plan) -> Result<(), String> {
        if self.storage.is_none() {
            let storage = Storage::open(&self.js, &self.cfg, !self.cleared).await?;
            self.storage = Some(storage);
            self.cleared = true;
            // Everything again: the storage may be new (a restarted
            // server that lost it).
            self.hello_put = false;
            self.layout_put = 0;
            for relayed in &mut self.channels {
                if let Relayed::Snapshot { stored, .. } = relayed {
                    *stored = 0;
                }
            }
            return Ok(());
        }
        if plan.hello {
            self.put_hello().await?;
        }
        if let Some((version, layout)) = plan.layout {
            self.put(Entry::Layout, body(&layout)).await?;
            self.layout_put = version;
        }
        for (index, channel, seq, frame) in plan.snapshots {
            self.put_snapshot(index, channel, seq, frame).await?;
        }
        for index in plan.series {
            self.put_series_chunk(index).await?;
        }
        self.backoff = FIRST_BACKOFF;
        self.shared.succeeded();
        Ok(())
    }

    /// What changed since the last puts. Cheap: clones of shared bytes.
    fn look(&mut self) -> Plan {
        let mut plan = Plan {
            hello: !self.hello_put,
            ..Plan::default()
        };
        let (version, layout, listed) = self.hub.layout_frame();
        if version > self.layout_put {
            plan.layout = Some((version, layout));
        }
        // Only channels the layout lists: a newer one comes after the
        // layout that names it.
        let channels = self.hub.channels();
        for channel in channels.iter().take(listed).skip(self.channels.len()) {
            self.channels.push(match channel.store {
                Store::Snapshot(_) => Relayed::Snapshot {
                    counted: 0,
                    stored: 0,
                },
                Store::Series(_) => {
                    Relayed::Series(SeriesChunks::new(Arc::clone(channel), self.hub.session_id))
                }
            });
        }
        for (index, (channel, relayed)) in channels.iter().zip(&self.channels).enumerate() {
            match relayed {
                Relayed::Snapshot { stored, .. } => {
                    if let Some((seq, frame)) = channel.latest().filter(|(seq, _)| seq > stored) {
                        plan.snapshots
                            .push((index, Arc::clone(channel), seq, frame));
                    }
                }
                Relayed::Series(chunks) => {
                    if chunks.has_news() {
                        plan.series.push(index);
                    }
                }
            }
        }
        plan
    }

    async fn put_hello(&mut self) -> Result<(), String> {
        let info = ProcessInfo {
            relay_version: RELAY_VERSION,
            protocol_version: VERSION,
            title: self.hub.title.clone(),
            process: self.cfg.names.process.clone(),
            host: plotcast_protocol::util::host_name().unwrap_or_default(),
            pid: std::process::id(),
            session_id: self.hub.session_id,
            started_us: self.started_us,
        };
        let value = info
            .encode()
            .map_err(|e| format!("cannot encode the hello: {e}"))?;
        self.put(Entry::Hello, Bytes::from(value)).await?;
        self.hello_put = true;
        self.announced = true;
        Ok(())
    }

    /// Puts a snapshot channel's newest frame (or its overview); counts the
    /// values it replaced unseen.
    async fn put_snapshot(
        &mut self,
        index: usize,
        channel: Arc<Channel>,
        seq: u64,
        frame: Bytes,
    ) -> Result<(), String> {
        let ch = Arc::clone(&channel);
        let value = match tokio::task::spawn_blocking(move || snapshot_value(&ch, &frame)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(format!(
                "cannot prepare a frame of {:?}: {err}",
                channel.name
            )),
            Err(err) => Err(format!(
                "preparing a frame of {:?} failed: {err}",
                channel.name
            )),
        };
        // A frame that cannot be relayed is passed over (the next one may
        // be), never retried for ever.
        let put = match value {
            Ok(SnapshotValue::Whole(bytes)) => Some(bytes),
            Ok(SnapshotValue::Overview(bytes)) => {
                count(&self.shared.overviews, 1);
                Some(bytes)
            }
            Ok(SnapshotValue::TooLarge(bytes)) => {
                count(&self.shared.failed, 1);
                self.shared.error(format!(
                    "a frame of {:?} is {bytes} bytes compressed, longer than one NATS message, and cannot be reduced: not relayed",
                    channel.name
                ));
                None
            }
            Err(err) => {
                count(&self.shared.failed, 1);
                self.shared.error(err);
                None
            }
        };
        if let Some(bytes) = put {
            self.put(Entry::Data(channel.id), bytes).await?;
        }
        if let Some(Relayed::Snapshot { counted, stored }) = self.channels.get_mut(index) {
            if seq > *counted + 1 {
                count(&self.shared.skipped, seq - *counted - 1);
            }
            *counted = (*counted).max(seq);
            *stored = seq;
        }
        Ok(())
    }

    /// Publishes the next chunk of an append channel and waits for the
    /// stream to store it.
    async fn put_series_chunk(&mut self, index: usize) -> Result<(), String> {
        let Some(Relayed::Series(chunks)) = self.channels.get_mut(index) else {
            return Ok(());
        };
        let chunk = match chunks.next().await {
            Next::Nothing => return Ok(()),
            Next::Dropped(why) => {
                count(&self.shared.failed, 1);
                self.shared.error(why);
                return Ok(());
            }
            Next::Chunk(chunk) => chunk,
        };
        let subject = self.cfg.names.series_subject(chunks.channel().id);
        let len = chunk.body.len() as u64;
        let publish = jetstream::message::PublishMessage::build()
            .payload(chunk.body)
            .message_id(&chunk.msg_id);
        let ack = self
            .js
            .send_publish(subject, publish)
            .await
            .map_err(|e| format!("cannot publish a series chunk: {e}"))?;
        ack.await
            .map_err(|e| format!("a series chunk was not stored: {e}"))?;
        chunks.stored();
        count(&self.shared.series_points_skipped, chunk.skipped);
        count(&self.shared.series_chunks, 1);
        count(&self.shared.puts, 1);
        count(&self.shared.bytes, len);
        Ok(())
    }

    /// Puts one value into the bucket and waits for it to be stored.
    async fn put(&self, entry: Entry, value: Bytes) -> Result<(), String> {
        let Some(storage) = &self.storage else {
            return Err("the bucket is not open".into());
        };
        let key = self.cfg.names.key(entry);
        let len = value.len() as u64;
        storage
            .kv
            .put(&key, value)
            .await
            .map_err(|e| format!("cannot put {key}: {e}"))?;
        count(&self.shared.puts, 1);
        count(&self.shared.bytes, len);
        Ok(())
    }

    /// A put or an open failed: counted, and the storage is checked again
    /// before the next put.
    fn failed(&mut self, err: String) {
        if self.storage.is_some() {
            count(&self.shared.failed, 1);
        }
        self.storage = None;
        self.shared.error(err);
    }

    /// Puts the goodbye (how the computation ended), bounded by
    /// [`GOODBYE_TIMEOUT`].
    async fn goodbye(&mut self) {
        if !self.announced {
            return;
        }
        let farewell = lock(&self.hub.farewell).clone();
        let value = match encode(&Message::Goodbye(farewell)) {
            Ok(frame) => body(&frame),
            Err(err) => {
                self.shared
                    .error(format!("cannot encode the goodbye: {err}"));
                return;
            }
        };
        let put = async {
            if self.storage.is_none() {
                self.storage = Some(Storage::open(&self.js, &self.cfg, false).await?);
            }
            self.put(Entry::Bye, value).await
        };
        match tokio::time::timeout(GOODBYE_TIMEOUT, put).await {
            Ok(Ok(())) => {
                tracing::debug!(target: "plotcast::relay", "goodbye put");
            }
            Ok(Err(err)) => self.shared.error(format!("the goodbye was not put: {err}")),
            Err(_) => self.shared.error(format!(
                "the goodbye was not put within {} ms (NATS slow or away)",
                GOODBYE_TIMEOUT.as_millis()
            )),
        }
    }
}
