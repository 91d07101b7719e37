//! The JetStream side of a relay source: the bucket, its watch and the
//! series stream, each opened (and opened again after it ended) in the
//! background, so the source's loop never waits on an API request.
//!
//! ```text
//! open() ─▶ bucket (plain, else domain hub) ─▶ watch `<run>.>` from the last values
//!                                          └─▶ series consumer from the first chunk kept
//! next() ─▶ a key change, a chunk, or news of what opened (or did not)
//! ```

use std::future::Future;
use std::pin::Pin;

use async_nats::Client;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tracing::{debug, info};

use super::bucket::{Chunk, Jet, KeyChange};

type Opening<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;
type Watch = BoxStream<'static, Result<KeyChange, String>>;
type Series = BoxStream<'static, Result<Chunk, String>>;

/// What happened on the JetStream side.
#[derive(Debug)]
pub enum StreamEvent {
    /// A key changed: the key, its value (`None`: deleted), and whether
    /// the watcher has delivered every value that existed when it started.
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
    watch_opening: Option<Opening<Watch>>,
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
            series: None,
            series_opening: None,
            series_next: None,
        }
    }

    /// Watches and reads again from where they were, after the client
    /// reconnected: a consumer on a node that died can leave a watcher
    /// silent for good (seen in the failover test), and the new watch
    /// delivers the newest value of every key again (the model takes
    /// repeats as no news).
    pub fn restart(&mut self) {
        self.watch = None;
        self.watch_opening = None;
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
                Ok(watch) => {
                    self.watch = Some(watch);
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
            change = next_of(&mut self.watch) => match change {
                Some(Ok(change)) => StreamEvent::Key(change),
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
                    StreamEvent::Chunk(chunk)
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
