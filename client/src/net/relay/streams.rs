//! The JetStream side of a relay source: the bucket, its watch, the
//! values fetched and the series stream, each opened (and opened again
//! after it ended) in the background, so the source's loop never waits on
//! an API request.
//!
//! ```text
//! open() ─▶ bucket (plain, else domain hub) ─▶ watch `<run>.>` headers only, from the last revisions
//!                                          └─▶ series consumer from the first chunk kept
//! pump() ─▶ fetch the changed keys the viewer is ready for (fetches.rs)
//! next() ─▶ a value fetched (or deleted), a chunk, or news of what opened (or did not)
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use async_nats::Client;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use plotcast_protocol::relay;
use tracing::{debug, info};

use super::bucket::{Chunk, Jet, KeyChange, KeyNews};
use super::fetches::Fetches;

type Opening<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;
type Watch = BoxStream<'static, Result<KeyNews, String>>;
type Series = BoxStream<'static, Result<Chunk, String>>;

/// Most series chunks held while their process's hello or layout is
/// being fetched; the oldest go first (the model counts the points
/// missed, from `first_index`).
pub const MAX_HELD_CHUNKS: usize = 256;

/// What happened on the JetStream side.
#[derive(Debug)]
pub enum StreamEvent {
    /// A key's newest value (`None`: deleted).
    Key(KeyChange),
    /// A series chunk: subject, body, and whether it was the last kept.
    Chunk(Chunk),
    /// The watch (re)started: its values are coming.
    WatchOpened,
    /// The series stream was found; true when it keeps nothing of the run.
    SeriesOpened(bool),
    /// There is no series stream (yet): nothing to catch up with.
    NoSeries,
    /// Nothing the source needs to act on (an error logged, a retry due).
    Nothing,
}

/// The bucket, the watch and the series stream of one run (or pattern).
pub struct Streams {
    client: Client,
    run: String,
    jet: Option<Jet>,
    jet_opening: Option<Opening<Jet>>,
    watch: Option<Watch>,
    watch_opening: Option<Opening<(Watch, bool)>>,
    /// Series chunks of processes whose hello or layout is still being
    /// fetched (or of any process before the watch announced every key),
    /// in the order they came.
    held: VecDeque<Chunk>,
    /// The watch has announced every key that existed when it started.
    watch_current: bool,
    fetches: Fetches,
    series: Option<Series>,
    series_opening: Option<Opening<(Series, bool)>>,
    /// The stream sequence after the last chunk read: where reading
    /// starts again.
    series_next: Option<u64>,
}

impl Streams {
    /// Nothing open yet.
    pub fn new(client: Client, run: &str) -> Self {
        Self {
            client,
            run: run.to_owned(),
            jet: None,
            jet_opening: None,
            watch: None,
            watch_opening: None,
            held: VecDeque::new(),
            watch_current: false,
            fetches: Fetches::new(run),
            series: None,
            series_opening: None,
            series_next: None,
        }
    }

    /// True when the watch announced every key that existed when it
    /// started and every value announced was fetched.
    pub fn caught_up(&self) -> bool {
        self.watch_current && self.fetches.settled()
    }

    /// Fetches the values due: `presented` is the last batch drawn,
    /// `published` the last batch made when it carries every value
    /// applied (nothing applied waits for a batch).
    pub fn pump(&mut self, presented: u64, published: Option<u64>) {
        if let Some(published) = published {
            self.fetches.published(published);
        }
        if let Some(jet) = &self.jet {
            self.fetches.pump(jet, presented);
        }
    }

    /// Fetches that failed are tried again (every tick).
    pub fn retry(&mut self) {
        self.fetches.retry();
    }

    /// Watches and reads again from where they were, after the client
    /// reconnected: a consumer on a node that died can leave a watcher
    /// silent for good (seen in the failover test), and the new watch
    /// announces every key again, whose newest values are fetched again
    /// (the model takes repeats as no news).
    pub fn restart(&mut self) {
        self.watch = None;
        self.watch_opening = None;
        self.fetches.clear();
        self.series = None;
        self.series_opening = None;
        self.open();
    }

    /// Starts opening whatever is not open (or being opened).
    pub fn open(&mut self) {
        let Some(jet) = self.jet.clone() else {
            if self.jet_opening.is_none() {
                let client = self.client.clone();
                self.jet_opening = Some(Box::pin(async move { Jet::open(&client).await }));
            }
            return;
        };
        if self.watch.is_none() && self.watch_opening.is_none() {
            let (jet, run) = (jet.clone(), self.run.clone());
            self.watch_opening = Some(Box::pin(async move { jet.watch(&run).await }));
        }
        if self.series.is_none() && self.series_opening.is_none() {
            let (run, from) = (self.run.clone(), self.series_next);
            self.series_opening = Some(Box::pin(async move { jet.series(&run, from).await }));
        }
    }

    /// The next event; never ready while nothing is open or opening.
    /// Cancel-safe: what is being opened or read stays where it was.
    pub async fn next(&mut self) -> StreamEvent {
        if let Some(at) = self.held.iter().position(|c| !self.waits(&c.0)) {
            if let Some(chunk) = self.held.remove(at) {
                return StreamEvent::Chunk(chunk);
            }
        }
        tokio::select! {
            jet = poll_opening(&mut self.jet_opening) => match jet {
                Ok(jet) => {
                    self.jet = Some(jet);
                    self.open();
                    StreamEvent::Nothing
                }
                // No bucket: no computation ever published here (the
                // status line says the run is awaited); tried again.
                Err(err) => {
                    debug!("relay bucket not open yet: {err}");
                    StreamEvent::Nothing
                }
            },
            watch = poll_opening(&mut self.watch_opening) => match watch {
                Ok((watch, empty)) => {
                    self.watch = Some(watch);
                    self.watch_current = empty;
                    StreamEvent::WatchOpened
                }
                Err(err) => {
                    debug!("relay watch not open yet: {err}");
                    StreamEvent::Nothing
                }
            },
            series = poll_opening(&mut self.series_opening) => match series {
                Ok((series, empty)) => {
                    self.series = Some(series);
                    StreamEvent::SeriesOpened(empty)
                }
                // No stream until a computation published an append series.
                Err(err) => {
                    debug!("relay series stream not open yet: {err}");
                    StreamEvent::NoSeries
                }
            },
            done = self.fetches.next() => match self.fetches.fetched(done) {
                Some(change) => StreamEvent::Key(change),
                None => StreamEvent::Nothing,
            },
            news = next_of(&mut self.watch) => match news {
                Some(Ok(news)) => {
                    self.watch_current |= news.current;
                    match self.fetches.announce(news) {
                        Some(change) => StreamEvent::Key(change),
                        None => StreamEvent::Nothing,
                    }
                }
                // The watcher goes on after a consumer error (a missed
                // heartbeat while a node fails over).
                Some(Err(err)) => {
                    debug!("relay watch: {err}");
                    StreamEvent::Nothing
                }
                None => {
                    info!("relay watch ended; watching again");
                    self.watch = None;
                    StreamEvent::Nothing
                }
            },
            chunk = next_of(&mut self.series) => match chunk {
                Some(Ok(chunk)) => {
                    self.series_next = Some(chunk.3 + 1);
                    // Behind any held chunk: a process's chunks keep their order.
                    if self.held.is_empty() && !self.waits(&chunk.0) {
                        return StreamEvent::Chunk(chunk);
                    }
                    if self.held.len() >= MAX_HELD_CHUNKS {
                        self.held.pop_front();
                    }
                    self.held.push_back(chunk);
                    StreamEvent::Nothing
                }
                Some(Err(err)) => {
                    debug!("relay series stream: {err}");
                    StreamEvent::Nothing
                }
                None => {
                    info!("relay series stream ended; reading again");
                    self.series = None;
                    StreamEvent::Nothing
                }
            },
        }
    }
}

impl Streams {
    /// Whether a chunk on `subject` must wait: the watch has not
    /// announced every key yet, or its process's hello or layout is being
    /// fetched (the model would drop the chunk on a new session's hello).
    fn waits(&self, subject: &str) -> bool {
        let Some((names, _)) = relay::parse_series_subject(subject) else {
            return false;
        };
        !self.watch_current
            || self
                .fetches
                .process_pending(&format!("{}.{}", names.run, names.process))
    }
}

/// The next item of a stream that may not be open: never ready then.
async fn next_of<S: futures_util::Stream + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// The result of something being opened, once; never ready when nothing
/// is.
async fn poll_opening<T>(opening: &mut Option<Opening<T>>) -> Result<T, String> {
    let result = match opening {
        Some(fut) => fut.await,
        None => std::future::pending().await,
    };
    *opening = None;
    result
}
