//! Where the relay writes in JetStream (PROTOCOL.md, "Relay through NATS"):
//! the key-value bucket `plotcast` (history 1, file storage) and the stream
//! `PLOTCAST_SERIES` (per-subject limit, oldest discarded), created by the
//! first publisher that finds them missing, opened as they are otherwise.
//!
//! Opening is idempotent and retried by the caller: "no stream found", a
//! leader election and timeouts are all "try again shortly".

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream, Context};
use plotcast_protocol::relay::{
    Names, BUCKET, MAX_MESSAGE_BYTES, SERIES_CHUNKS_KEPT, SERIES_PREFIX, SERIES_STREAM,
};

use super::settings::RelayConfig;

/// How long a JetStream request or a put's acknowledgement may take before
/// it counts as failed (and is retried with the newest value).
pub(crate) const JETSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// The relay's JetStream context: in the configured domain (a leaf node's
/// clients reach the hub's JetStream through it), with the relay's timeout.
pub(crate) fn context(client: async_nats::Client, cfg: &RelayConfig) -> Context {
    let builder = jetstream::ContextBuilder::new().timeout(JETSTREAM_TIMEOUT);
    match &cfg.domain {
        Some(domain) => builder.domain(domain.clone()).build(client),
        None => builder.build(client),
    }
}

/// The bucket and the stream, open.
#[derive(Debug, Clone)]
pub(crate) struct Storage {
    pub(crate) kv: kv::Store,
    pub(crate) series: stream::Stream,
}

impl Storage {
    /// Creates or opens the bucket and the stream. With `fresh`, also
    /// removes what an earlier run of this process left under its names
    /// (keys of channels it may no longer have, series chunks numbered from
    /// another start), so a viewer that joins later sees this run only.
    ///
    /// # Errors
    /// A message saying what failed; the caller retries later.
    pub(crate) async fn open(js: &Context, cfg: &RelayConfig, fresh: bool) -> Result<Self, String> {
        let kv = open_bucket(js, cfg.replicas).await?;
        let series = js
            .get_or_create_stream(stream::Config {
                name: SERIES_STREAM.into(),
                subjects: vec![format!("{SERIES_PREFIX}.>")],
                max_messages_per_subject: SERIES_CHUNKS_KEPT,
                discard: stream::DiscardPolicy::Old,
                storage: stream::StorageType::File,
                num_replicas: cfg.replicas,
                allow_direct: true,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("cannot open or create the stream {SERIES_STREAM}: {e}"))?;
        let storage = Self { kv, series };
        if fresh {
            storage.purge_earlier(&cfg.names).await?;
        }
        Ok(storage)
    }

    async fn purge_earlier(&self, names: &Names) -> Result<(), String> {
        let (run, process) = (&names.run, &names.process);
        self.kv
            .stream
            .purge()
            .filter(format!("$KV.{BUCKET}.{run}.{process}.>"))
            .await
            .map_err(|e| format!("cannot clear the earlier keys of {run}.{process}: {e}"))?;
        self.series
            .purge()
            .filter(format!("{SERIES_PREFIX}.{run}.{process}.>"))
            .await
            .map_err(|e| format!("cannot clear the earlier series of {run}.{process}: {e}"))?;
        Ok(())
    }
}

/// Creates the bucket, or opens it when it exists with another
/// configuration (created by a publisher told other replicas).
async fn open_bucket(js: &Context, replicas: usize) -> Result<kv::Store, String> {
    let created = js
        .create_key_value(kv::Config {
            bucket: BUCKET.into(),
            history: 1,
            max_value_size: i32::try_from(MAX_MESSAGE_BYTES).unwrap_or(i32::MAX),
            storage: stream::StorageType::File,
            num_replicas: replicas,
            ..Default::default()
        })
        .await;
    match created {
        Ok(store) => Ok(store),
        Err(err) if err.kind() == jetstream::context::CreateKeyValueErrorKind::BucketCreate => {
            js.get_key_value(BUCKET).await.map_err(|open| {
                format!("cannot create the bucket {BUCKET} ({err}) nor open it ({open})")
            })
        }
        Err(err) => Err(format!("cannot create the bucket {BUCKET}: {err}")),
    }
}
