//! Light NATS subscribers for section 11: each one its own async-nats
//! connection and a key-value watcher of one run's keys, from the last
//! value of each (`watch_with_history("<run>.>")` on the `plotcast`
//! bucket), as a viewer reads a relayed run; they count what they get and
//! decode nothing unless asked. They may lag and skip (the bucket keeps
//! one value per key: latest value wins).
//!
//! ```text
//! Subscribers::start(url, run, on_value)   a named thread ("bench-subs"), a
//!   .add(n)                                current-thread runtime: n more watchers,
//!                                          returned once each got its first value
//!   .totals()                              values and bytes received by all
//! drop                                     cancel, await every watcher, join
//! ```
//!
//! Their CPU is on their own thread, never on the computation's
//! (`plotcast-net`, the publisher), whose cost the section measures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc as std_mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use async_nats::jetstream;
use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::relay::BUCKET;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Watchers being set up at once: a thousand consumer creations at once
/// would time out on a loaded 2-core machine.
const SETUP_AT_ONCE: usize = 32;

/// How long `add` waits for its watchers' first values.
const ADD_TIMEOUT: Duration = Duration::from_secs(120);

/// Called with each key and value a watcher gets (on the subscribers'
/// thread).
pub type OnValue = Arc<dyn Fn(&str, &Bytes) + Send + Sync>;

/// What every watcher received so far.
#[derive(Default)]
pub struct SubscriberTotals {
    /// Values (key changes) received.
    pub values: AtomicU64,
    /// Bytes of those values.
    pub bytes: AtomicU64,
}

struct Add {
    n: usize,
    done: std_mpsc::SyncSender<Result<()>>,
}

/// Everything a watcher task needs.
#[derive(Clone)]
struct WatcherEnv {
    url: String,
    run: String,
    totals: Arc<SubscriberTotals>,
    on_value: Option<OnValue>,
    setup: Arc<Semaphore>,
    cancel: CancellationToken,
}

/// Watchers of one run, on a thread and runtime of their own.
pub struct Subscribers {
    commands: Option<mpsc::Sender<Add>>,
    totals: Arc<SubscriberTotals>,
    cancel: CancellationToken,
    thread: Option<JoinHandle<()>>,
    count: usize,
}

impl Subscribers {
    /// Starts the thread, with no watcher yet.
    pub fn start(url: &str, run: &str, on_value: Option<OnValue>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let cancel = CancellationToken::new();
        let totals = Arc::new(SubscriberTotals::default());
        let env = WatcherEnv {
            url: url.to_owned(),
            run: run.to_owned(),
            totals: Arc::clone(&totals),
            on_value,
            setup: Arc::new(Semaphore::new(SETUP_AT_ONCE)),
            cancel: cancel.clone(),
        };
        let (tx, rx) = mpsc::channel(1);
        let thread = std::thread::Builder::new()
            .name("bench-subs".into())
            .spawn(move || runtime.block_on(serve(env, rx)))?;
        Ok(Self {
            commands: Some(tx),
            totals,
            cancel,
            thread: Some(thread),
            count: 0,
        })
    }

    /// Adds watchers until there are `n`; returns when each has its first
    /// value (the run must have published one).
    ///
    /// # Errors
    /// When a watcher cannot connect or watch, or they are not all
    /// watching within two minutes.
    pub fn grow_to(&mut self, n: usize) -> Result<()> {
        let more = n.saturating_sub(self.count);
        if more == 0 {
            return Ok(());
        }
        let (done, result) = std_mpsc::sync_channel(1);
        self.commands
            .as_ref()
            .context("subscribers stopped")?
            .blocking_send(Add { n: more, done })
            .map_err(|_| anyhow!("the subscribers' thread ended"))?;
        result
            .recv()
            .map_err(|_| anyhow!("the subscribers' thread ended"))??;
        self.count = n;
        Ok(())
    }

    /// Values and bytes received so far by every watcher.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.totals.values.load(Ordering::Relaxed),
            self.totals.bytes.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Subscribers {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: adds watchers when asked, until cancelled; then
/// waits for every watcher to end.
async fn serve(env: WatcherEnv, mut commands: mpsc::Receiver<Add>) {
    let tracker = TaskTracker::new();
    loop {
        let add = tokio::select! {
            () = env.cancel.cancelled() => break,
            add = commands.recv() => match add {
                Some(add) => add,
                None => break,
            },
        };
        let (ready_tx, mut ready_rx) = mpsc::channel(add.n.max(1));
        for _ in 0..add.n {
            let (env, ready) = (env.clone(), ready_tx.clone());
            tracker.spawn(async move { watcher(env, ready).await });
        }
        drop(ready_tx);
        let all_ready = async {
            for _ in 0..add.n {
                match ready_rx.recv().await {
                    Some(Ok(())) => {}
                    Some(Err(err)) => return Err(err),
                    None => return Err(anyhow!("a watcher ended before its first value")),
                }
            }
            Ok(())
        };
        let result = tokio::time::timeout(ADD_TIMEOUT, all_ready)
            .await
            .unwrap_or_else(|_| {
                Err(anyhow!(
                    "{} watchers not watching after {ADD_TIMEOUT:?}",
                    add.n
                ))
            });
        let _ = add.done.send(result);
    }
    env.cancel.cancel();
    tracker.close();
    tracker.wait().await;
}

/// One watcher: connects, watches, says when its first value came, then
/// counts values until cancelled.
async fn watcher(env: WatcherEnv, ready: mpsc::Sender<Result<()>>) {
    let setup = async {
        let _permit = env.setup.acquire().await?;
        let client = async_nats::ConnectOptions::new()
            .name("plotcast-bench-subscriber")
            .connect(env.url.as_str())
            .await?;
        let store = jetstream::new(client.clone()).get_key_value(BUCKET).await?;
        let mut watch = store.watch_with_history(format!("{}.>", env.run)).await?;
        let first = watch.next().await.context("the watch ended at once")??;
        anyhow::Ok((client, watch, first))
    };
    let (client, mut watch, first) = tokio::select! {
        () = env.cancel.cancelled() => return,
        setup = setup => match setup {
            Ok(set) => set,
            Err(err) => {
                let _ = ready.send(Err(err.context("setting up a watcher"))).await;
                return;
            }
        },
    };
    let take = |entry: &jetstream::kv::Entry| {
        env.totals.values.fetch_add(1, Ordering::Relaxed);
        env.totals
            .bytes
            .fetch_add(entry.value.len() as u64, Ordering::Relaxed);
        if let Some(on_value) = &env.on_value {
            on_value(&entry.key, &entry.value);
        }
    };
    take(&first);
    let _ = ready.send(Ok(())).await;
    drop(ready);
    loop {
        tokio::select! {
            () = env.cancel.cancelled() => break,
            entry = watch.next() => match entry {
                Some(Ok(entry)) => take(&entry),
                // A hiccup of the ordered consumer: it recreates itself.
                Some(Err(_)) => {}
                None => break,
            },
        }
    }
    drop(watch);
    drop(client);
}
