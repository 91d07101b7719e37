//! One viewer's writer: the welcome and layout, then batches as the viewer
//! asks for them (each built from the newest values when it is sent, for
//! every batch number up to the viewer's grant), pings, pongs, and the
//! goodbye when the server stops.
//!
//! Frames are written whole: a write that makes no progress for the
//! heartbeat timeout ends the connection, and a batch's frames are declared
//! to the stalled-write budget while they are being written.

use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{
    encode, BatchEnd, Message, Ping, Pong, ProtocolError, Welcome, CODEC_NONE, VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::time::{interval_at, timeout, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::batch::{collect, Cursors, Item, LinkBudget};
use crate::budget::Evict;
use crate::conn_state::Shared;
use crate::hub::Hub;
use crate::lod::{compress, prepare_series_replace, prepare_snapshot};
use crate::lod_cache::{LodKey, ViewKey};
use crate::net_config::NetConfig;
use crate::overview::overview_views;

/// Writes `buf` completely; fails if the peer accepts nothing for `stall`.
/// Every write is counted in the link model (so acknowledgements can be
/// matched to it); `batch` marks batch data, whose progress is a sign of
/// life of the viewer.
async fn write_progress(
    wr: &mut OwnedWriteHalf,
    buf: &[u8],
    stall: Duration,
    sh: &Shared,
    batch: bool,
) -> io::Result<()> {
    let mut off = 0;
    while off < buf.len() {
        match timeout(stall, wr.write(&buf[off..])).await {
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the viewer accepted no data for {} ms", stall.as_millis()),
                ))
            }
            Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => {
                off += n;
                lock(&sh.control).link.wrote(n as u64, Instant::now());
                sh.mid_frame.store(off < buf.len(), Ordering::Relaxed);
                if batch {
                    sh.stats.wrote_now();
                }
            }
            Ok(Err(err)) => return Err(err),
        }
    }
    Ok(())
}

/// Writes one whole frame and counts its bytes; `batch` marks frames of a
/// batch (layout, data, batch end).
async fn send(
    wr: &mut OwnedWriteHalf,
    bytes: Bytes,
    stall: Duration,
    sh: &Shared,
    batch: bool,
) -> Result<(), String> {
    // Only batch data counts as progress: pings alone would fill the kernel
    // buffer of a half-open peer for a long time.
    write_progress(wr, &bytes, stall, sh, batch)
        .await
        .map_err(|e| e.to_string())?;
    sh.stats
        .bytes_sent
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// The frames of a batch as this viewer needs them: reduced to its views
/// and compressed with its codec, on a blocking thread (a 4096² heatmap
/// takes tens of milliseconds to reduce: the runtime serves the other
/// viewers meanwhile), through the channel's cache of prepared frames. A
/// frame that cannot be prepared goes as it is.
async fn prepare(items: Vec<Item>, codec: u8) -> Vec<Bytes> {
    let mut frames = Vec::with_capacity(items.len());
    for item in items {
        let frame = match item {
            Item::Layout(bytes) => bytes,
            Item::Data(bytes) if codec == CODEC_NONE => bytes,
            Item::Data(bytes) => {
                let raw = bytes.clone();
                blocking("compress", raw, move || compress(bytes, codec)).await
            }
            Item::Snapshot {
                frame, view: None, ..
            } if codec == CODEC_NONE => frame,
            Item::Snapshot {
                channel,
                seq,
                frame,
                view,
                precision,
            } => {
                let key = LodKey {
                    seq,
                    view: view.as_ref().map(ViewKey::of),
                    codec,
                    precision,
                };
                if let Some(bytes) = channel.lod_cache.get(&key) {
                    bytes
                } else {
                    let (ch, raw) = (Arc::clone(&channel), frame.clone());
                    let bytes = blocking("reduce", frame, move || {
                        prepare_snapshot(&ch, &raw, view.as_ref(), codec, precision)
                    })
                    .await;
                    channel.lod_cache.insert(key, bytes.clone());
                    bytes
                }
            }
            Item::SeriesReplace {
                channel,
                seq,
                timestamp_us,
                snapshot,
                view,
            } => {
                let run = move || {
                    let gathered = snapshot.gather();
                    prepare_series_replace(&channel, seq, timestamp_us, &gathered, &view, codec)
                };
                match tokio::task::spawn_blocking(run).await {
                    Ok(Ok(bytes)) => bytes,
                    Ok(Err(err)) => {
                        tracing::warn!(target: "plotcast", "cannot reduce a series: {err}");
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!(target: "plotcast", "reducing a series failed: {err}");
                        continue;
                    }
                }
            }
        };
        frames.push(frame);
    }
    frames
}

/// Runs `work` on a blocking thread; on failure logs it and returns
/// `fallback` (the frame as it was).
async fn blocking(
    what: &'static str,
    fallback: Bytes,
    work: impl FnOnce() -> Result<Bytes, ProtocolError> + Send + 'static,
) -> Bytes {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) => {
            tracing::warn!(target: "plotcast", "cannot {what} a frame, sending it as it is: {err}");
            fallback
        }
        Err(err) => {
            tracing::warn!(target: "plotcast", "{what} failed, sending the frame as it is: {err}");
            fallback
        }
    }
}

/// Longest a clock message (ping, pong) waits for the link to have room.
const CLOCK_HOLD: Duration = Duration::from_secs(1);
const CLOCK_HOLD_US: u64 = 1_000_000;

pub(crate) async fn write_loop(
    wr: &mut OwnedWriteHalf,
    sh: &Arc<Shared>,
    hub: &Hub,
    cfg: &NetConfig,
    shutdown: &CancellationToken,
) {
    if let Err(err) = write_loop_inner(wr, sh, hub, cfg, shutdown).await {
        sh.end(format!("write failed: {err}"));
    }
}

async fn write_loop_inner(
    wr: &mut OwnedWriteHalf,
    sh: &Arc<Shared>,
    hub: &Hub,
    cfg: &NetConfig,
    shutdown: &CancellationToken,
) -> Result<(), String> {
    let stall = cfg.heartbeat_timeout;
    let stats = &*sh.stats;
    let msg = |m: Message| encode(&m).map_err(|e| e.to_string());

    let welcome = msg(Message::Welcome(Welcome {
        version: VERSION,
        server_name: hub.title.clone(),
        session_id: hub.session_id,
        heartbeat_interval_ms: u32::try_from(cfg.heartbeat_interval.as_millis())
            .unwrap_or(u32::MAX),
        heartbeat_timeout_ms: u32::try_from(cfg.heartbeat_timeout.as_millis()).unwrap_or(u32::MAX),
        codec: sh.codec,
    }))?;
    send(wr, welcome, stall, sh, false).await?;
    let mut cur = Cursors::joining(hub);
    let (version, layout, count) = hub.layout_frame();
    send(wr, layout, stall, sh, false).await?;
    cur.layout_version = version;
    cur.layout_channels = count;

    let mut ping = interval_at(
        tokio::time::Instant::now() + cfg.heartbeat_interval,
        cfg.heartbeat_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut nonce: u64 = 0;
    let mut sent: u64 = 0;
    // When the last batch left: the next waits for the viewer's interval.
    let mut last_batch: Option<tokio::time::Instant> = None;
    // A heartbeat ping due since then.
    let mut ping_due: Option<tokio::time::Instant> = None;
    loop {
        let now = tokio::time::Instant::now();
        // The control state is the truth; the notification only wakes us.
        let (granted, interval, room, clock_room, pong, link_paced) = {
            let mut control = lock(&sh.control);
            control.sent = sent;
            let clock_room = control.link.has_room_now(now.into_std());
            // A batch may start one build time early (see `link_model`),
            // except while a clock message waits: then the path empties
            // first and the message crosses it clean (with every batch
            // early the queue never emptied on a full link, and the
            // viewer's displayed age went 9-14 % off the true one).
            let clock_waits = ping_due.is_some() || control.pong_due.is_some();
            let room = if clock_waits {
                clock_room
            } else {
                control.link.has_room(now.into_std())
            };
            let link_paced = control
                .link
                .paced_until(now.into_std())
                .map(tokio::time::Instant::from_std);
            if control.link.probe_drained(now.into_std()) {
                ping_due.get_or_insert(now);
            }
            // Clock messages go on an empty link (a pong queued behind
            // data would make the viewer's clock estimate wrong by the
            // queue), or when they waited CLOCK_HOLD.
            let pong_held = control
                .pong_due
                .as_ref()
                .is_some_and(|&(_, at)| unix_now_us().saturating_sub(at) >= CLOCK_HOLD_US);
            let pong = if clock_room || pong_held {
                control.pong_due.take()
            } else {
                None
            };
            (
                control.granted,
                control.interval,
                room,
                clock_room,
                pong,
                link_paced,
            )
        };
        if let Some((ping, received_us)) = pong {
            let pong = Pong::answer(&ping, received_us, unix_now_us());
            send(wr, msg(Message::Pong(pong))?, stall, sh, false).await?;
        }
        if ping_due.is_some_and(|at| clock_room || now >= at + CLOCK_HOLD) {
            ping_due = None;
            nonce += 1;
            let ping = Ping::at(nonce, unix_now_us());
            send(wr, msg(Message::Ping(ping))?, stall, sh, false).await?;
        }
        // The next batch the viewer is ready for, if any, once its pacing
        // interval has passed and the link has room (the batch is built
        // then, from the newest values).
        let paced_until = last_batch.map(|t| t + interval);
        let paced = paced_until.is_some_and(|t| t > now);
        let pending = (sent < granted && !paced && room).then_some(sent + 1);
        // Register for the wake-up before looking, so a publish between the
        // look and the wait is not missed (see `Hub::notify`).
        let news = hub.news.notified();
        tokio::pin!(news);
        let waiting = pending.map(|_| {
            news.as_mut().enable();
            hub.wait_guard()
        });
        if let Some(n) = pending {
            let building = Instant::now();
            let version = hub.version.load(Ordering::SeqCst);
            let (mut views, mut budget) = {
                let control = lock(&sh.control);
                let budget = LinkBudget {
                    rate_bps: control.link.rate_bps(),
                    // The pacing interval is 0.8 of the drawing period.
                    period: control.interval * 5 / 4,
                    compressed: sh.codec != CODEC_NONE,
                    u8_codes: sh.u8_codes,
                    acking: control.link.acking(),
                    overview: false,
                };
                (control.views.clone(), budget)
            };
            // The overview's batch: before the viewer's own Views, each
            // plot reduced for its share of the viewer's canvas.
            if let Some(canvas) = sh.overview.filter(|_| n == 1 && views.is_empty()) {
                views = overview_views(&lock(&hub.layout).layout, canvas);
                budget.overview = true;
            }
            let batch = collect(hub, &mut cur, &views, &budget);
            if !batch.items.is_empty() {
                drop(waiting);
                let frames = prepare(batch.items, sh.codec).await;
                // The link drains while a batch is built: the cap starts
                // the next one that much earlier (see `link_model`).
                lock(&sh.control)
                    .link
                    .built(building.elapsed(), Instant::now());
                let evict: Arc<dyn Evict> = Arc::clone(sh) as Arc<dyn Evict>;
                let _held = hub.budget.hold(sh.conn_id, &frames, &sh.stats, evict);
                for frame in frames {
                    send(wr, frame, stall, sh, true).await?;
                }
                // Counted before the end marker, so a viewer that read it sees them.
                stats
                    .frames_sent
                    .fetch_add(u64::from(batch.data_frames), Ordering::Relaxed);
                stats
                    .frames_skipped
                    .fetch_add(batch.skipped, Ordering::Relaxed);
                stats.batches.fetch_add(1, Ordering::Relaxed);
                let end = msg(Message::BatchEnd(BatchEnd {
                    batch: n,
                    server_time_us: unix_now_us(),
                    frames: batch.data_frames,
                    skipped: batch.skipped,
                }))?;
                send(wr, end, stall, sh, true).await?;
                // A heatmap still shown as codes is not synced yet: its
                // exact values follow once it stopped changing.
                if !cur.coded() {
                    hub.viewer_synced(stats, version);
                }
                sent = n;
                last_batch = Some(tokio::time::Instant::now());
                continue;
            }
            if !cur.coded() {
                hub.viewer_synced(stats, version);
            }
        }
        // Waiting for room: the reader wakes us when an acknowledgement
        // makes some; clock messages go after CLOCK_HOLD regardless.
        let wants_room =
            (!room && sent < granted) || (!clock_room && (ping_due.is_some() || pong_waits(sh)));
        let clock_deadline = ping_due.map(|at| at + CLOCK_HOLD);
        let refresh_due = cur.refresh_due().map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                let farewell = lock(&hub.farewell).clone();
                let bye = msg(Message::Goodbye(farewell))?;
                send(wr, bye, stall, sh, false).await?;
                let _ = wr.shutdown().await;
                sh.end("server stopped (goodbye sent)");
                return Ok(());
            }
            () = sh.conn.cancelled() => return Ok(()),
            () = sh.wake.notified() => {}
            _ = ping.tick() => {
                ping_due.get_or_insert_with(tokio::time::Instant::now);
            }
            () = &mut news, if pending.is_some() => {}
            () = tokio::time::sleep_until(paced_until.unwrap_or(now)), if paced && sent < granted => {}
            () = tokio::time::sleep_until(clock_deadline.unwrap_or(now)), if clock_deadline.is_some() => {}
            () = tokio::time::sleep(CLOCK_HOLD), if wants_room => {}
            () = tokio::time::sleep_until(link_paced.unwrap_or(now)), if wants_room && link_paced.is_some() => {}
            () = tokio::time::sleep_until(refresh_due.unwrap_or(now)), if refresh_due.is_some() && pending.is_none() => {}
        }
    }
}

/// A viewer's ping waits for its pong.
fn pong_waits(sh: &Shared) -> bool {
    lock(&sh.control).pong_due.is_some()
}
