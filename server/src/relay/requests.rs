//! Requests to this process through NATS (core request-reply):
//!
//! ```text
//! plotcast.rpc.<run>.<process>.clock   Ping body → Pong body (as the direct heartbeat)
//! plotcast.rpc.<run>.<process>.view    View body → the channel's newest frame reduced
//!                                      to that view: one Data body, or its bytes in
//!                                      parts of ≤ MAX_MESSAGE_BYTES with the header
//!                                      `Plotcast-Part: i/n` (i from 1)
//! ```
//!
//! A view is prepared through the channel's cache of prepared frames
//! (`lod_cache.rs`), the one direct viewers use: viewers with the same view
//! share one reduction. Requests are answered one at a time per subject
//! (a reduction runs on a blocking thread meanwhile); the client holds at
//! most a bounded number waiting, and drops the rest (a viewer asks again).
//! Something that is not a request (garbage, an unknown channel, a channel
//! with no data yet) gets no answer and is counted.

use std::sync::Arc;

use async_nats::{Client, HeaderMap, Message as NatsMessage, Subject};
use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::relay::{part_value, split_parts, PART_HEADER};
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{decode, encode, Message, Pong, CODEC_LZ4_SHUFFLE};
use tokio_util::sync::CancellationToken;

use crate::hub::{Hub, Store};
use crate::lod::{prepare_series_replace, prepare_snapshot};
use crate::lod_cache::{LodKey, ViewKey};

use super::shared::{count, RelayShared};
use super::value::body;

/// Answers clock requests until cancelled.
pub(crate) async fn serve_clock(
    client: Client,
    shared: Arc<RelayShared>,
    cancel: CancellationToken,
) {
    let subject = shared.names().rpc_subject("clock");
    let Some(mut requests) = subscribe(&client, &subject, &shared, &cancel).await else {
        return;
    };
    loop {
        let msg = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            msg = requests.next() => msg,
        };
        let Some(msg) = msg else { return };
        let received_us = unix_now_us();
        let Some(reply) = msg.reply.clone() else {
            count(&shared.bad_requests, 1);
            continue;
        };
        let pong = match decode(msg.payload) {
            Ok(Message::Ping(ping)) => Pong::answer(&ping, received_us, unix_now_us()),
            _ => {
                count(&shared.bad_requests, 1);
                continue;
            }
        };
        match encode(&Message::Pong(pong)) {
            Ok(frame) => {
                respond(&client, reply, vec![(None, body(&frame))], &shared, &cancel).await
            }
            Err(err) => shared.error(format!("cannot encode a pong: {err}")),
        }
    }
}

/// Answers view requests until cancelled.
pub(crate) async fn serve_views(
    client: Client,
    hub: Arc<Hub>,
    shared: Arc<RelayShared>,
    cancel: CancellationToken,
) {
    let subject = shared.names().rpc_subject("view");
    let Some(mut requests) = subscribe(&client, &subject, &shared, &cancel).await else {
        return;
    };
    loop {
        let msg = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            msg = requests.next() => msg,
        };
        let Some(msg) = msg else { return };
        let answer = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            answer = answer_view(&hub, msg) => answer,
        };
        match answer {
            Some((reply, frame)) => {
                let parts = split_parts(&frame)
                    .into_iter()
                    .map(|(i, n, bytes)| ((n > 1).then(|| part_value(i, n)), bytes))
                    .collect();
                respond(&client, reply, parts, &shared, &cancel).await;
            }
            None => count(&shared.bad_requests, 1),
        }
    }
}

async fn subscribe(
    client: &Client,
    subject: &str,
    shared: &RelayShared,
    cancel: &CancellationToken,
) -> Option<async_nats::Subscriber> {
    let subscribed = tokio::select! {
        biased;
        () = cancel.cancelled() => return None,
        s = client.subscribe(Subject::from(subject)) => s,
    };
    match subscribed {
        Ok(subscriber) => Some(subscriber),
        Err(err) => {
            shared.error(format!("cannot answer requests on {subject}: {err}"));
            None
        }
    }
}

/// The reply subject and the Data body answering a view request, `None`
/// for anything that is not one.
async fn answer_view(hub: &Hub, msg: NatsMessage) -> Option<(Subject, Bytes)> {
    let reply = msg.reply?;
    let Ok(Message::View(view)) = decode(msg.payload) else {
        return None;
    };
    let (_, _, listed) = hub.layout_frame();
    let channel = hub
        .channels()
        .into_iter()
        .take(listed)
        .find(|c| c.id == view.channel)?;
    let frame = match &channel.store {
        Store::Snapshot(_) => {
            let (seq, frame) = channel.latest()?;
            let key = LodKey {
                seq,
                view: (!view.is_full()).then(|| ViewKey::of(&view)),
                codec: CODEC_LZ4_SHUFFLE,
            };
            match channel.lod_cache.get(&key) {
                Some(bytes) => bytes,
                None => {
                    let ch = Arc::clone(&channel);
                    let prepared = tokio::task::spawn_blocking(move || {
                        prepare_snapshot(&ch, &frame, Some(&view), CODEC_LZ4_SHUFFLE)
                    })
                    .await;
                    let bytes = log_failure(prepared)?;
                    channel.lod_cache.insert(key, bytes.clone());
                    bytes
                }
            }
        }
        Store::Series(store) => {
            // The whole window, reduced for the view (a full view: as it
            // is), replacing what the viewer has.
            let (snapshot, _) = lock(store).snapshot_since(&mut None);
            let snapshot = snapshot?;
            let seq = channel.seq.load(std::sync::atomic::Ordering::Relaxed);
            let ch = Arc::clone(&channel);
            let prepared = tokio::task::spawn_blocking(move || {
                let gathered = snapshot.gather();
                prepare_series_replace(&ch, seq, unix_now_us(), &gathered, &view, CODEC_LZ4_SHUFFLE)
            })
            .await;
            log_failure(prepared)?
        }
    };
    Some((reply, body(&frame)))
}

fn log_failure(
    prepared: Result<Result<Bytes, plotcast_protocol::ProtocolError>, tokio::task::JoinError>,
) -> Option<Bytes> {
    match prepared {
        Ok(Ok(bytes)) => Some(bytes),
        Ok(Err(err)) => {
            tracing::warn!(target: "plotcast::relay", "cannot prepare a frame for a view request: {err}");
            None
        }
        Err(err) => {
            tracing::warn!(target: "plotcast::relay", "preparing a frame for a view request failed: {err}");
            None
        }
    }
}

/// Sends the parts of an answer to `reply`, each with its header if any.
async fn respond(
    client: &Client,
    reply: Subject,
    parts: Vec<(Option<String>, Bytes)>,
    shared: &RelayShared,
    cancel: &CancellationToken,
) {
    for (header, bytes) in parts {
        let sent = match header {
            Some(value) => {
                let mut headers = HeaderMap::new();
                headers.insert(PART_HEADER, value.as_str());
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => return,
                    sent = client.publish_with_headers(reply.clone(), headers, bytes) => sent,
                }
            }
            None => tokio::select! {
                biased;
                () = cancel.cancelled() => return,
                sent = client.publish(reply.clone(), bytes) => sent,
            },
        };
        if let Err(err) = sent {
            shared.error(format!("cannot answer a request: {err}"));
            return;
        }
    }
    count(&shared.requests, 1);
}
