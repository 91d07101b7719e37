//! The run's data in JetStream: the key-value bucket `plotcast`, whose
//! keys are watched headers only (which key changed, at which revision,
//! from the last revision of each) and whose values are fetched one by
//! one when the viewer is ready for them, and the stream
//! `PLOTCAST_SERIES`, read from the first chunk it still keeps.
//!
//! Why headers only: a watch that carries the values is a push consumer,
//! and nats-server pushes every put to the viewer; what a slow link cannot
//! carry waits in the server's outbound buffer for this client, a standing
//! queue of stale frames (benchmark section 11: the age of what a viewer
//! behind 20 Mbit/s showed grew from 1.8 s to 3.9 s in 15 s). News of a
//! change is a few hundred bytes; the value crosses the link only when
//! asked for (`fetches.rs`), so it is always the newest.
//!
//! Both are found through a plain JetStream context first and, when that
//! fails, through the domain `hub`: a viewer connected to a leaf node
//! reaches the hub cluster's JetStream only that way, and a server
//! without a domain answers only the plain form (tested: on a node of a
//! cluster with domain `hub` both work, on a leaf node without JetStream
//! only `with_domain`).

use std::time::Duration;

use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::consumer::{push, DeliverPolicy, ReplayPolicy};
use async_nats::jetstream::{self, kv};
use async_nats::Client;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use plotcast_protocol::relay::{BUCKET, SERIES_PREFIX, SERIES_STREAM};

/// The JetStream domain of the hub cluster, for viewers behind leaf nodes.
pub const HUB_DOMAIN: &str = "hub";

/// Limit on one JetStream API request (opening the bucket, the stream).
pub const API_TIMEOUT: Duration = Duration::from_secs(3);

/// Limit on fetching one value: the context's request timeout for the
/// bucket's reads. Longer than [`API_TIMEOUT`] because a value of
/// `MAX_MESSAGE_BYTES` takes 0.4 s at 20 Mbit/s and seconds on slower
/// links.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// A value of a key: the key and its value (`None`: deleted).
pub type KeyChange = (String, Option<bytes::Bytes>);

/// News of a key from the headers-only watch: no value, only which key
/// changed and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNews {
    /// The key (without the bucket's prefix).
    pub key: String,
    /// Its revision (the stream sequence of the put or delete).
    pub revision: u64,
    /// Deleted or purged: there is no value to fetch.
    pub deleted: bool,
    /// The watch has announced every key that existed when it started.
    pub current: bool,
}

/// A value fetched: its revision and value (`None`: deleted), or `None`
/// when the key has no value at all.
pub type Fetched = Option<(u64, Option<bytes::Bytes>)>;

/// A series chunk: its subject and body, whether it was the last one
/// kept when it was delivered (caught up), and its stream sequence.
pub type Chunk = (String, bytes::Bytes, bool, u64);

/// The JetStream context that found the bucket.
#[derive(Clone)]
pub struct Jet {
    client: Client,
    js: jetstream::Context,
    store: kv::Store,
    /// The same bucket through a context whose requests wait
    /// [`FETCH_TIMEOUT`]: for fetching values.
    reader: kv::Store,
}

impl Jet {
    /// Opens the bucket, plainly or through the hub's domain.
    ///
    /// # Errors
    /// The plain context's error, in words, when neither finds it (no
    /// computation ever published here, or no JetStream).
    pub async fn open(client: &Client) -> Result<Self, String> {
        let plain = jetstream::ContextBuilder::new()
            .timeout(API_TIMEOUT)
            .build(client.clone());
        let first = match plain.get_key_value(BUCKET).await {
            Ok(store) => return Self::with_reader(client, plain, store, None).await,
            Err(err) => err.to_string(),
        };
        let hub = jetstream::ContextBuilder::new()
            .domain(HUB_DOMAIN)
            .timeout(API_TIMEOUT)
            .build(client.clone());
        match hub.get_key_value(BUCKET).await {
            Ok(store) => Self::with_reader(client, hub, store, Some(HUB_DOMAIN)).await,
            Err(_) => Err(first),
        }
    }

    /// Opens the bucket again through a context of the same domain whose
    /// requests wait [`FETCH_TIMEOUT`] (a context's timeout is fixed
    /// when its stream handle is made).
    async fn with_reader(
        client: &Client,
        js: jetstream::Context,
        store: kv::Store,
        domain: Option<&str>,
    ) -> Result<Self, String> {
        let reader = match domain {
            Some(domain) => jetstream::ContextBuilder::new()
                .domain(domain)
                .timeout(FETCH_TIMEOUT)
                .build(client.clone()),
            None => jetstream::ContextBuilder::new()
                .timeout(FETCH_TIMEOUT)
                .build(client.clone()),
        };
        let reader = reader
            .get_key_value(BUCKET)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client: client.clone(),
            js,
            store,
            reader,
        })
    }

    /// Watches the keys of `run` (or every key, for a pattern), from the
    /// last revision of each, headers only: news of which key changed,
    /// never its value (see the module's doc).
    ///
    /// True with it when there is nothing to announce (no key yet).
    ///
    /// # Errors
    /// The consumer's error in words.
    pub async fn watch(
        &self,
        run: &str,
    ) -> Result<(BoxStream<'static, Result<KeyNews, String>>, bool), String> {
        let keys = if run.contains('*') {
            ">".to_owned()
        } else {
            format!("{run}.>")
        };
        let prefix = self.store.prefix.clone();
        let consumer = self
            .store
            .stream
            .create_consumer(push::OrderedConfig {
                deliver_subject: self.client.new_inbox(),
                description: Some("plotcast viewer: which keys changed".to_owned()),
                filter_subject: format!("{prefix}{keys}"),
                headers_only: true,
                replay_policy: ReplayPolicy::Instant,
                deliver_policy: DeliverPolicy::LastPerSubject,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let empty = consumer.cached_info().num_pending == 0;
        let mut current = empty;
        let messages = consumer.messages().await.map_err(|e| e.to_string())?;
        let news = messages
            .map(move |m| {
                let m = m.map_err(|e| e.to_string())?;
                let info = m.info().map_err(|e| e.to_string())?;
                current |= info.pending == 0;
                let key = m
                    .subject
                    .strip_prefix(prefix.as_str())
                    .unwrap_or(m.subject.as_str())
                    .to_owned();
                Ok(KeyNews {
                    key,
                    revision: info.stream_sequence,
                    deleted: is_delete(m.headers.as_ref()),
                    current,
                })
            })
            .boxed();
        Ok((news, empty))
    }

    /// The newest value of `key`, with its revision.
    ///
    /// # Errors
    /// The request's error in words (timed out, no JetStream reachable).
    pub async fn fetch(&self, key: &str) -> Result<Fetched, String> {
        let entry = self.reader.entry(key).await.map_err(|e| e.to_string())?;
        Ok(entry.map(|e| {
            let value = (e.operation == kv::Operation::Put).then_some(e.value);
            (e.revision, value)
        }))
    }

    /// Reads the series chunks of `run` (every run, for a pattern) from
    /// stream sequence `from` (`None`: the first chunk the stream keeps),
    /// then live; true when there is nothing to catch up with.
    ///
    /// # Errors
    /// The stream's error in words (no stream yet: no series published).
    pub async fn series(
        &self,
        run: &str,
        from: Option<u64>,
    ) -> Result<(BoxStream<'static, Result<Chunk, String>>, bool), String> {
        let stream = self
            .js
            .get_stream(SERIES_STREAM)
            .await
            .map_err(|e| e.to_string())?;
        let filter = if run.contains('*') {
            format!("{SERIES_PREFIX}.*.>")
        } else {
            format!("{SERIES_PREFIX}.{run}.>")
        };
        let consumer = stream
            .create_consumer(OrderedConfig {
                filter_subject: filter,
                deliver_policy: match from {
                    Some(start_sequence) => DeliverPolicy::ByStartSequence { start_sequence },
                    None => DeliverPolicy::All,
                },
                ..OrderedConfig::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let empty = consumer.cached_info().num_pending == 0;
        let messages = consumer.messages().await.map_err(|e| e.to_string())?;
        let messages = messages
            .map(|m| {
                let m = m.map_err(|e| e.to_string())?;
                let (caught_up, seq) = m
                    .info()
                    .map(|i| (i.pending == 0, i.stream_sequence))
                    .unwrap_or((true, 0));
                Ok((m.subject.to_string(), m.payload.clone(), caught_up, seq))
            })
            .boxed();
        Ok((messages, empty))
    }
}

/// Whether a bucket message's headers mark a delete or purge (the KV
/// layout: `KV-Operation: DEL` or `PURGE`, or a server marker for a value
/// removed by age or purge).
fn is_delete(headers: Option<&async_nats::HeaderMap>) -> bool {
    let Some(headers) = headers else {
        return false;
    };
    let operation = headers.get("KV-Operation").map(|v| v.as_str());
    matches!(operation, Some("DEL" | "PURGE")) || headers.get("Nats-Marker-Reason").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletes_are_told_from_puts_by_their_headers() {
        let mut headers = async_nats::HeaderMap::new();
        assert!(!is_delete(None));
        assert!(!is_delete(Some(&headers)));
        headers.insert("Nats-Msg-Size", "250000");
        assert!(!is_delete(Some(&headers)), "a headers-only put");
        for op in ["DEL", "PURGE"] {
            let mut h = headers.clone();
            h.insert("KV-Operation", op);
            assert!(is_delete(Some(&h)), "{op}");
        }
        let mut h = headers.clone();
        h.insert("Nats-Marker-Reason", "MaxAge");
        assert!(is_delete(Some(&h)));
    }
}
