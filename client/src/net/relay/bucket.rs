//! The run's data in JetStream: the key-value bucket `plotcast`, watched
//! from the last value of each key, and the stream `PLOTCAST_SERIES`, read
//! from the first chunk it still keeps.
//!
//! Both are found through a plain JetStream context first and, when that
//! fails, through the domain `hub`: a viewer connected to a leaf node
//! reaches the hub cluster's JetStream only that way, and a server
//! without a domain answers only the plain form (tested: on a node of a
//! cluster with domain `hub` both work, on a leaf node without JetStream
//! only `with_domain`).

use std::time::Duration;

use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::{self, kv};
use async_nats::Client;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use plotcast_protocol::relay::{BUCKET, SERIES_PREFIX, SERIES_STREAM};

/// The JetStream domain of the hub cluster, for viewers behind leaf nodes.
pub const HUB_DOMAIN: &str = "hub";

/// Limit on one JetStream API request (opening the bucket, the stream).
pub const API_TIMEOUT: Duration = Duration::from_secs(3);

/// A change of a key: the key and its value (`None`: deleted), and
/// whether the watcher has delivered every value that existed when it
/// started.
pub type KeyChange = (String, Option<bytes::Bytes>, bool);

/// A series chunk: its subject and body, whether it was the last one
/// kept when it was delivered (caught up), and its stream sequence.
pub type Chunk = (String, bytes::Bytes, bool, u64);

/// The JetStream context that found the bucket.
#[derive(Clone)]
pub struct Jet {
    js: jetstream::Context,
    store: kv::Store,
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
            Ok(store) => return Ok(Self { js: plain, store }),
            Err(err) => err.to_string(),
        };
        let hub = jetstream::ContextBuilder::new()
            .domain(HUB_DOMAIN)
            .timeout(API_TIMEOUT)
            .build(client.clone());
        match hub.get_key_value(BUCKET).await {
            Ok(store) => Ok(Self { js: hub, store }),
            Err(_) => Err(first),
        }
    }

    /// Watches the keys of `run` (or every key, for a pattern), from the
    /// last value of each.
    ///
    /// # Errors
    /// The watcher's error in words.
    pub async fn watch(
        &self,
        run: &str,
    ) -> Result<BoxStream<'static, Result<KeyChange, String>>, String> {
        let filter = if run.contains('*') {
            ">".to_owned()
        } else {
            format!("{run}.>")
        };
        let watch = self
            .store
            .watch_with_history(filter)
            .await
            .map_err(|e| e.to_string())?;
        Ok(watch
            .map(|entry| {
                entry.map_err(|e| e.to_string()).map(|e| {
                    let value = (e.operation == kv::Operation::Put).then_some(e.value);
                    (e.key, value, e.delta == 0 || e.seen_current)
                })
            })
            .boxed())
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
