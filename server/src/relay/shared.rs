//! What the relay's tasks, its connection's events and
//! [`Server::stats`](crate::Server::stats) share: the state of the link to
//! NATS, the counters, the last error. Atomics and one small lock; nothing
//! here waits.

// Without the `nats` feature there is no relay to write these.
#![cfg_attr(not(feature = "nats"), allow(dead_code))]

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

use plotcast_protocol::relay::Names;
use plotcast_protocol::util::lock;
use tokio::sync::Notify;

use crate::stats::RelayStats;

/// The link to NATS as the client's events tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Link {
    /// Not connected yet, no attempt failed yet.
    Connecting = 0,
    /// Connected.
    Connected = 1,
    /// Disconnected, or an attempt failed: retrying in the background.
    Down = 2,
}

/// Shared by the relay's tasks, the client's event callback and the
/// server's statistics.
#[derive(Debug)]
pub(crate) struct RelayShared {
    names: Names,
    /// The servers dialled, for messages.
    servers: String,
    link: AtomicU8,
    /// Wakes the publisher when a connection comes up (it retries at once
    /// instead of at the end of its back-off).
    pub(crate) connected: Notify,
    pub(crate) puts: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) overviews: AtomicU64,
    pub(crate) series_chunks: AtomicU64,
    pub(crate) series_points_skipped: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) bad_requests: AtomicU64,
    /// The hub version whose values have all been put.
    synced: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// The errors logged since something last went right: while NATS stays
    /// away the same few failures repeat, and each is logged once.
    logged: Mutex<Vec<String>>,
}

/// Distinct errors logged between two successes at most.
const LOGGED_KEPT: usize = 16;

/// Adds `n` to a counter.
pub(crate) fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl RelayShared {
    pub(crate) fn new(names: Names, servers: &[String]) -> Self {
        Self {
            names,
            servers: servers.join(","),
            link: AtomicU8::new(Link::Connecting as u8),
            connected: Notify::new(),
            puts: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            overviews: AtomicU64::new(0),
            series_chunks: AtomicU64::new(0),
            series_points_skipped: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            bad_requests: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            last_error: Mutex::new(None),
            logged: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn names(&self) -> &Names {
        &self.names
    }

    /// The servers dialled (without credentials), for messages.
    pub(crate) fn servers(&self) -> &str {
        &self.servers
    }

    pub(crate) fn link(&self) -> Link {
        match self.link.load(Ordering::Acquire) {
            0 => Link::Connecting,
            1 => Link::Connected,
            _ => Link::Down,
        }
    }

    /// Records the link's new state; a connection wakes the publisher.
    pub(crate) fn set_link(&self, link: Link) {
        let before = self.link.swap(link as u8, Ordering::AcqRel);
        if link == Link::Connected {
            self.succeeded();
            self.connected.notify_waiters();
            if before != Link::Connected as u8 {
                tracing::info!(target: "plotcast::relay", run = %self.names.run,
                    process = %self.names.process, "connected to NATS");
            }
        } else if before == Link::Connected as u8 {
            tracing::info!(target: "plotcast::relay", "disconnected from NATS; retrying in the background");
        }
    }

    /// The client closed (the relay stopped): no longer connected, and
    /// nothing to say about it.
    pub(crate) fn closed(&self) {
        self.link.store(Link::Down as u8, Ordering::Release);
    }

    /// Records an error: kept for the statistics, logged unless it was
    /// already since the last success (the same failures repeat while NATS
    /// stays away).
    pub(crate) fn error(&self, text: String) {
        {
            let mut logged = lock(&self.logged);
            if !logged.contains(&text) {
                tracing::warn!(target: "plotcast::relay", "{text}");
                if logged.len() < LOGGED_KEPT {
                    logged.push(text.clone());
                }
            }
        }
        *lock(&self.last_error) = Some(text);
    }

    /// Something went right (connected, a put stored): the next error is
    /// news.
    pub(crate) fn succeeded(&self) {
        let mut logged = lock(&self.logged);
        if !logged.is_empty() {
            logged.clear();
        }
    }

    /// Records that every value up to hub `version` has been put.
    pub(crate) fn set_synced(&self, version: u64) {
        self.synced.fetch_max(version, Ordering::SeqCst);
    }

    /// Whether `finish` may stop waiting for the relay: it has put every
    /// value up to `version`, or NATS is away (it could not anyway).
    pub(crate) fn caught_up(&self, version: u64) -> bool {
        self.link() == Link::Down || self.synced.load(Ordering::SeqCst) >= version
    }

    pub(crate) fn snapshot(&self) -> RelayStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RelayStats {
            run: self.names.run.clone(),
            process: self.names.process.clone(),
            connected: self.link() == Link::Connected,
            puts: get(&self.puts),
            bytes: get(&self.bytes),
            skipped: get(&self.skipped),
            failed: get(&self.failed),
            overviews: get(&self.overviews),
            series_chunks: get(&self.series_chunks),
            series_points_skipped: get(&self.series_points_skipped),
            requests: get(&self.requests),
            bad_requests: get(&self.bad_requests),
            last_error: lock(&self.last_error).clone(),
        }
    }
}
