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

use std::future::Future;
use std::sync::Arc;

use async_nats::{Client, HeaderMap, Subject};
use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::relay::{part_value, split_parts, PART_HEADER};
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{decode, encode, Message, Pong, ProtocolError, CODEC_LZ4_SHUFFLE};
use tokio::task::JoinError;
use tokio_util::sync::CancellationToken;

use crate::hub::{Hub, Store};
use crate::lod::{prepare_series_replace, prepare_snapshot};
use crate::lod_cache::{LodKey, ViewKey};
use crate::precision::Precision;

use super::shared::{count, RelayShared};
use super::value::body;

/// Answers clock requests until cancelled.
pub(crate) async fn serve_clock(
    client: Client,
    shared: Arc<RelayShared>,
    cancel: CancellationToken,
) {
    serve(
        client,
        "clock",
        shared,
        cancel,
        |payload, received_us| async move { answer_clock(payload, received_us) },
    )
    .await;
}

/// Answers view requests until cancelled.
pub(crate) async fn serve_views(
    client: Client,
    hub: Arc<Hub>,
    shared: Arc<RelayShared>,
    cancel: CancellationToken,
) {
    let hub = &hub;
    serve(client, "view", shared, cancel, move |payload, _| {
        answer_view(hub, payload)
    })
    .await;
}

/// Takes the requests `plotcast.rpc.<run>.<process>.<what>` one at a
/// time until cancelled: `answer` makes the reply's body from the
/// request's payload and the time it arrived (`None`: not a request it
/// answers), sent to the request's reply subject.
async fn serve<F, Fut>(
    client: Client,
    what: &str,
    shared: Arc<RelayShared>,
    cancel: CancellationToken,
    mut answer: F,
) where
    F: FnMut(Bytes, u64) -> Fut,
    Fut: Future<Output = Option<Bytes>>,
{
    let subject = shared.names().rpc_subject(what);
    let subscribed = tokio::select! {
        biased;
        () = cancel.cancelled() => return,
        s = client.subscribe(Subject::from(subject.as_str())) => s,
    };
    let mut requests = match subscribed {
        Ok(subscriber) => subscriber,
        Err(err) => {
            shared.error(format!("cannot answer requests on {subject}: {err}"));
            return;
        }
    };
    loop {
        let msg = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            msg = requests.next() => msg,
        };
        let Some(msg) = msg else { return };
        let received_us = unix_now_us();
        let answered = match msg.reply {
            Some(reply) => tokio::select! {
                biased;
                () = cancel.cancelled() => return,
                body = answer(msg.payload, received_us) => body.map(|body| (reply, body)),
            },
            None => None,
        };
        match answered {
            Some((reply, body)) => respond(&client, reply, &body, &shared, &cancel).await,
            None => count(&shared.bad_requests, 1),
        }
    }
}

/// The Pong body answering a Ping body.
fn answer_clock(payload: Bytes, received_us: u64) -> Option<Bytes> {
    let Ok(Message::Ping(ping)) = decode(payload) else {
        return None;
    };
    let pong = Pong::answer(&ping, received_us, unix_now_us());
    encode(&Message::Pong(pong)).ok().map(|frame| body(&frame))
}

/// The Data body answering a View body: the channel's newest frame reduced
/// to the view; `None` for anything else, or a channel without data.
async fn answer_view(hub: &Hub, payload: Bytes) -> Option<Bytes> {
    let Ok(Message::View(view)) = decode(payload) else {
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
                precision: Precision::Auto,
            };
            match channel.lod_cache.get(&key) {
                Some(bytes) => bytes,
                None => {
                    let ch = Arc::clone(&channel);
                    let prepared = tokio::task::spawn_blocking(move || {
                        prepare_snapshot(
                            &ch,
                            &frame,
                            Some(&view),
                            CODEC_LZ4_SHUFFLE,
                            Precision::Auto,
                        )
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
    Some(body(&frame))
}

fn log_failure(prepared: Result<Result<Bytes, ProtocolError>, JoinError>) -> Option<Bytes> {
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

/// Sends `body` to `reply`: in one message, or in parts numbered by
/// their `Plotcast-Part` header when longer than one message.
async fn respond(
    client: &Client,
    reply: Subject,
    body: &Bytes,
    shared: &RelayShared,
    cancel: &CancellationToken,
) {
    for (i, n, bytes) in split_parts(body) {
        let send = async {
            if n == 1 {
                return client.publish(reply.clone(), bytes).await;
            }
            let mut headers = HeaderMap::new();
            headers.insert(PART_HEADER, part_value(i, n).as_str());
            client
                .publish_with_headers(reply.clone(), headers, bytes)
                .await
        };
        let sent = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            sent = send => sent,
        };
        if let Err(err) = sent {
            shared.error(format!("cannot answer a request: {err}"));
            return;
        }
    }
    count(&shared.requests, 1);
}
