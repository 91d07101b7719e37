//! Requests to the processes of a run, in flight side by side: clock
//! pings (`plotcast.rpc.<run>.<process>.clock`, a Ping body answered by a
//! Pong: the NTP-style sample that makes frame ages true across machines)
//! and views (`….view`, a View body answered by the channel's newest
//! frame reduced to it, in one or several messages).
//!
//! At most one request per process (clock) or process channel (view) is
//! in flight, and at most [`MAX_IN_FLIGHT`] in all; each gives up after
//! [`REQUEST_TIMEOUT`] (no answer within 2 s is a computation gone or
//! stopped, PROTOCOL.md says).

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_nats::{Client, StatusCode};
use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use plotcast_protocol::{decode, encode, Frame, Message, Ping, Pong, View, LENGTH_PREFIX_BYTES};

use super::parts::{frame_of, part_number, Assembly, PART_HEADER};
use crate::clock;
use crate::model::ProcessKey;

/// A process that has not answered within this long is gone or stopped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Requests in flight at most.
pub const MAX_IN_FLIGHT: usize = 256;

/// What came back.
#[derive(Debug)]
pub enum Reply {
    /// A clock ping's answer and when it arrived (µs, our clock).
    Clock {
        /// Whose.
        key: ProcessKey,
        /// The pong, or why there is none.
        result: Result<(Pong, u64), String>,
    },
    /// A view's answer.
    View {
        /// Whose.
        key: ProcessKey,
        /// The view asked for (its channel is the process's).
        view: View,
        /// The frame, or why there is none.
        result: Result<Frame, String>,
    },
}

type Pending = Pin<Box<dyn Future<Output = Reply> + Send>>;

/// The requests in flight.
pub struct Requests {
    client: Client,
    in_flight: FuturesUnordered<Pending>,
    clocks: HashSet<ProcessKey>,
    views: HashSet<(ProcessKey, u32)>,
    nonce: u64,
}

impl Requests {
    /// No request yet.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            in_flight: FuturesUnordered::new(),
            clocks: HashSet::new(),
            views: HashSet::new(),
            nonce: 0,
        }
    }

    fn full(&self) -> bool {
        self.in_flight.len() >= MAX_IN_FLIGHT
    }

    /// Pings a process's clock, unless a ping to it is in flight.
    pub fn ping(&mut self, key: &ProcessKey) {
        if self.full() || self.clocks.contains(key) {
            return;
        }
        self.nonce += 1;
        let ping = Message::Ping(Ping::at(self.nonce, clock::now_us()));
        let Ok(body) = encode(&ping).map(|b| b.slice(LENGTH_PREFIX_BYTES..)) else {
            return;
        };
        let subject = key.names().rpc_subject("clock");
        let client = self.client.clone();
        let key = key.clone();
        self.clocks.insert(key.clone());
        self.in_flight.push(Box::pin(async move {
            let result = ask_clock(&client, subject, body).await;
            Reply::Clock { key, result }
        }));
    }

    /// Asks a process for a channel reduced to `view`, unless such a
    /// request is in flight.
    pub fn view(&mut self, key: &ProcessKey, view: View) {
        let slot = (key.clone(), view.channel);
        if self.full() || self.views.contains(&slot) {
            return;
        }
        let Ok(body) = encode(&Message::View(view)).map(|b| b.slice(LENGTH_PREFIX_BYTES..)) else {
            return;
        };
        let subject = key.names().rpc_subject("view");
        let client = self.client.clone();
        let key = key.clone();
        self.views.insert(slot);
        self.in_flight.push(Box::pin(async move {
            let result = ask_view(&client, subject, body).await;
            Reply::View { key, view, result }
        }));
    }

    /// The next reply; never ready while nothing is in flight.
    pub async fn next(&mut self) -> Reply {
        let reply = match self.in_flight.next().await {
            Some(reply) => reply,
            None => std::future::pending().await,
        };
        match &reply {
            Reply::Clock { key, .. } => {
                self.clocks.remove(key);
            }
            Reply::View { key, view, .. } => {
                self.views.remove(&(key.clone(), view.channel));
            }
        }
        reply
    }
}

async fn ask_clock(client: &Client, subject: String, body: Bytes) -> Result<(Pong, u64), String> {
    let request = async_nats::Request::new()
        .payload(body)
        .timeout(Some(REQUEST_TIMEOUT));
    let reply = client
        .send_request(subject, request)
        .await
        .map_err(|e| e.to_string())?;
    let arrived = clock::now_us();
    match decode(reply.payload) {
        Ok(Message::Pong(pong)) => Ok((pong, arrived)),
        Ok(other) => Err(format!("a {} message instead of a pong", other.name())),
        Err(err) => Err(err.to_string()),
    }
}

/// A request whose answer may come in several messages, gathered on an
/// inbox of its own.
async fn ask_view(client: &Client, subject: String, body: Bytes) -> Result<Frame, String> {
    let inbox = client.new_inbox();
    let mut replies = client
        .subscribe(inbox.clone())
        .await
        .map_err(|e| e.to_string())?;
    client
        .publish_with_reply(subject, inbox, body)
        .await
        .map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let mut parts = Assembly::default();
    loop {
        let msg = match tokio::time::timeout_at(deadline, replies.next()).await {
            Err(_) => return Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
            Ok(None) => return Err("the reply subscription ended".into()),
            Ok(Some(msg)) => msg,
        };
        if msg.status == Some(StatusCode::NO_RESPONDERS) {
            return Err("no responders".into());
        }
        let part = match msg.headers.as_ref().and_then(|h| h.get(PART_HEADER)) {
            Some(value) => Some(part_number(value.as_str()).ok_or("a bad Plotcast-Part header")?),
            None => None,
        };
        if let Some(all) = parts.add(part, msg.payload)? {
            return frame_of(&all);
        }
    }
}
