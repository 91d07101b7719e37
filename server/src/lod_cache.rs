//! The prepared frames of one channel (see `lod.rs`), kept so viewers
//! with the same view and codec share the same bytes.
//!
//! A leaf: the channel owns its cache (`hub.rs`), and the writer looks
//! frames up in it before preparing them (`lod.rs`).

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use plotcast_protocol::util::lock;
use plotcast_protocol::View;

use crate::precision::Precision;

/// Prepared frames kept per channel: a few views and codecs of the newest
/// values (older sequence numbers fall out first).
const CACHE_ENTRIES: usize = 8;

/// A view, hashable: what a prepared frame depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ViewKey {
    x_px: i32,
    width_px: u32,
    height_px: u32,
    x_range: Option<(u64, u64)>,
    y_range: Option<(u64, u64)>,
    logs: (bool, bool),
}

impl ViewKey {
    pub(crate) fn of(view: &View) -> Self {
        let bits = |r: Option<(f64, f64)>| r.map(|(a, b)| (a.to_bits(), b.to_bits()));
        Self {
            x_px: view.x_px,
            width_px: view.width_px,
            height_px: view.height_px,
            x_range: bits(view.x_range),
            y_range: bits(view.y_range),
            logs: (view.x_log, view.y_log),
        }
    }
}

/// What a cached frame was prepared from and for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct LodKey {
    pub(crate) seq: u64,
    pub(crate) view: Option<ViewKey>,
    pub(crate) codec: u8,
    pub(crate) precision: Precision,
}

/// The prepared frames of one channel.
#[derive(Debug, Default)]
pub(crate) struct LodCache {
    entries: Mutex<VecDeque<(LodKey, Bytes)>>,
}

impl LodCache {
    pub(crate) fn get(&self, key: &LodKey) -> Option<Bytes> {
        lock(&self.entries)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, b)| b.clone())
    }

    pub(crate) fn insert(&self, key: LodKey, bytes: Bytes) {
        let mut entries = lock(&self.entries);
        // Older values are never asked for again once a newer one exists.
        entries.retain(|(k, _)| k.seq >= key.seq);
        if entries.len() >= CACHE_ENTRIES {
            entries.pop_front();
        }
        entries.push_back((key, bytes));
    }
}
