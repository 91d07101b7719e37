//! The bucket's values, fetched when the viewer is ready for them: the
//! watch says which keys changed (headers only, `bucket.rs`), and this
//! table fetches the newest value of each changed key itself.
//!
//! ```text
//! news (key, revision) ─▶ known ─┐
//!                                ├─ hello / layout / bye: fetched at once
//!                                └─ d.<channel>: fetched when its process's
//!                                   small keys are in, and the last value
//!                                   fetched for it was drawn
//! one fetch per key in flight; a value at or below the revision held is
//! no news; a delete needs no fetch
//! ```
//!
//! Latest value wins on any link: a data value crosses the link only after
//! the one before it was drawn, and what is fetched is the newest there
//! is, so nothing stale waits anywhere (values replaced meanwhile are
//! counted as skipped by the model, from the frames' `seq`). Hello and
//! layout come before the data of their process because the model drops a
//! process's frames on a new session and refuses data a layout does not
//! fit.

use std::collections::{HashMap, HashSet};

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use plotcast_protocol::relay::{self, Entry};
use tracing::debug;

use super::bucket::{Fetched, Jet, KeyChange, KeyNews, FETCH_TIMEOUT};

/// When a data key may be fetched again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Now.
    Open,
    /// After the value last fetched went out in a batch.
    Unpublished,
    /// Once this batch was drawn.
    Drawn(u64),
}

/// What the viewer knows of one key.
#[derive(Debug)]
struct Key {
    /// `<run>.<process>`: the process the key belongs to.
    process: String,
    entry: Entry,
    /// The newest revision announced.
    known: u64,
    /// The revision of the value applied.
    have: u64,
    in_flight: bool,
    /// The last fetch failed: tried again on the next tick.
    failed: bool,
    gate: Gate,
}

impl Key {
    fn wanted(&self) -> bool {
        self.known > self.have && !self.in_flight && !self.failed
    }

    fn pending(&self) -> bool {
        self.known > self.have || self.in_flight
    }
}

/// A fetch that came back.
pub struct Done {
    key: String,
    result: Result<Fetched, String>,
}

/// The keys of one run (or pattern) and the fetches in flight.
pub struct Fetches {
    pattern: String,
    keys: HashMap<String, Key>,
    in_flight: FuturesUnordered<BoxFuture<'static, Done>>,
}

impl Fetches {
    /// Nothing known yet, for the runs `pattern` matches.
    pub fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_owned(),
            keys: HashMap::new(),
            in_flight: FuturesUnordered::new(),
        }
    }

    /// Forgets everything (a new watch announces every key again): a
    /// bucket made anew after a node's loss restarts its revisions.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.in_flight = FuturesUnordered::new();
    }

    /// Takes news of a key; returns what to apply at once (a delete, or
    /// a key the model must refuse and count).
    pub fn announce(&mut self, news: KeyNews) -> Option<KeyChange> {
        let Some((names, entry)) = relay::parse_key(&news.key) else {
            return Some((news.key, None));
        };
        if !relay::run_matches(&self.pattern, &names.run) {
            return None;
        }
        let key = self.keys.entry(news.key.clone()).or_insert_with(|| Key {
            process: format!("{}.{}", names.run, names.process),
            entry,
            known: 0,
            have: 0,
            in_flight: false,
            failed: false,
            gate: Gate::Open,
        });
        if news.revision <= key.have {
            return None;
        }
        key.known = key.known.max(news.revision);
        if news.deleted {
            key.have = news.revision;
            return Some((news.key, None));
        }
        None
    }

    /// Starts the fetches that are due: small keys at once, a data key
    /// when its process's small keys are in and the batch that carried
    /// its last value (`presented`: the last batch drawn) was drawn.
    pub fn pump(&mut self, jet: &Jet, presented: u64) {
        for name in self.take_due(presented) {
            let jet = jet.clone();
            self.in_flight.push(Box::pin(async move {
                // The context's own timeout bounds the request; this bounds
                // the whole fetch (a reply that never ends).
                let result = tokio::time::timeout(FETCH_TIMEOUT, jet.fetch(&name))
                    .await
                    .unwrap_or_else(|_| Err(format!("no value within {FETCH_TIMEOUT:?}")));
                Done { key: name, result }
            }));
        }
    }

    /// The keys due for a fetch, marked in flight.
    fn take_due(&mut self, presented: u64) -> Vec<String> {
        let busy: HashSet<String> = self
            .keys
            .values()
            .filter(|k| !matches!(k.entry, Entry::Data(_)) && k.pending())
            .map(|k| k.process.clone())
            .collect();
        let mut due = Vec::new();
        for (name, key) in &mut self.keys {
            let ready = match key.entry {
                Entry::Data(_) => {
                    !busy.contains(&key.process)
                        && match key.gate {
                            Gate::Open => true,
                            Gate::Unpublished => false,
                            Gate::Drawn(batch) => presented >= batch,
                        }
                }
                _ => true,
            };
            if key.wanted() && ready {
                key.in_flight = true;
                due.push(name.clone());
            }
        }
        due
    }

    /// The batch `published` carries every value applied so far: the data
    /// keys waiting for it may be fetched again once it was drawn.
    pub fn published(&mut self, published: u64) {
        for key in self.keys.values_mut() {
            if key.gate == Gate::Unpublished {
                key.gate = Gate::Drawn(published);
            }
        }
    }

    /// Fetches that failed are tried again.
    pub fn retry(&mut self) {
        for key in self.keys.values_mut() {
            key.failed = false;
        }
    }

    /// True when every value announced was fetched (or found gone).
    pub fn settled(&self) -> bool {
        self.in_flight.is_empty() && !self.keys.values().any(Key::pending)
    }

    /// True while a hello, layout or bye of `process` (`<run>.<process>`)
    /// is announced and not yet applied: its series chunks wait, as its
    /// data does (a hello of a new session drops what came before it).
    pub fn process_pending(&self, process: &str) -> bool {
        self.keys
            .values()
            .any(|k| !matches!(k.entry, Entry::Data(_)) && k.process == process && k.pending())
    }

    /// The next fetch that came back; never ready while none is in
    /// flight. Cancel-safe.
    pub async fn next(&mut self) -> Done {
        match self.in_flight.next().await {
            Some(done) => done,
            None => std::future::pending().await,
        }
    }

    /// Takes a fetch that came back; returns the value to apply, if it is
    /// news.
    pub fn fetched(&mut self, done: Done) -> Option<KeyChange> {
        let hello = self.hello_revision(&done.key);
        let key = self.keys.get_mut(&done.key)?;
        key.in_flight = false;
        let (revision, value) = match done.result {
            Ok(Some(found)) => found,
            // Gone since it was announced: its delete is announced too.
            Ok(None) => {
                key.have = key.known;
                return None;
            }
            Err(err) => {
                debug!(key = %done.key, "relay value not fetched: {err}");
                key.failed = true;
                return None;
            }
        };
        if revision <= key.have {
            return None;
        }
        key.have = revision;
        key.known = key.known.max(revision);
        if let Entry::Data(_) = key.entry {
            key.gate = Gate::Unpublished;
            // A value of the session before a new hello: the model would
            // take it as the new session's.
            if revision < hello {
                return None;
            }
        }
        Some((done.key, value))
    }

    /// The newest revision announced of the hello of `key`'s process.
    fn hello_revision(&self, key: &str) -> u64 {
        let Some(process) = self.keys.get(key).map(|k| &k.process) else {
            return 0;
        };
        self.keys
            .get(&format!("{process}.hello"))
            .map_or(0, |k| k.known)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn news(key: &str, revision: u64) -> KeyNews {
        KeyNews {
            key: key.into(),
            revision,
            deleted: false,
            current: false,
        }
    }

    fn done(key: &str, revision: u64) -> Done {
        Done {
            key: key.into(),
            result: Ok(Some((revision, Some(Bytes::from_static(b"v"))))),
        }
    }

    fn due(f: &mut Fetches, presented: u64) -> Vec<String> {
        let mut due = f.take_due(presented);
        due.sort();
        due
    }

    #[test]
    fn data_waits_for_its_process_then_for_the_drawing() {
        let mut f = Fetches::new("r");
        assert!(f.settled());
        f.announce(news("r.a.hello", 1));
        f.announce(news("r.a.layout", 2));
        f.announce(news("r.a.d.1", 3));
        f.announce(news("other.a.d.1", 4));
        assert!(!f.settled());
        assert_eq!(due(&mut f, 0), ["r.a.hello", "r.a.layout"], "small first");
        assert!(f.fetched(done("r.a.hello", 1)).is_some());
        assert_eq!(due(&mut f, 0), Vec::<String>::new(), "layout still out");
        assert!(f.fetched(done("r.a.layout", 2)).is_some());
        assert_eq!(due(&mut f, 0), ["r.a.d.1"]);
        // The fetch found a newer value than announced: the announcement
        // of it that follows is no news.
        assert!(f.fetched(done("r.a.d.1", 5)).is_some());
        f.announce(news("r.a.d.1", 5));
        assert!(f.settled());
        f.announce(news("r.a.d.1", 6));
        assert_eq!(due(&mut f, 9), Vec::<String>::new(), "not published yet");
        f.published(3);
        assert_eq!(due(&mut f, 2), Vec::<String>::new(), "batch 3 not drawn");
        assert_eq!(due(&mut f, 3), ["r.a.d.1"]);
        assert_eq!(due(&mut f, 3), Vec::<String>::new(), "one in flight");
        assert!(f.fetched(done("r.a.d.1", 4)).is_none(), "older than held");
    }

    #[test]
    fn deletes_and_failures_and_new_sessions() {
        let mut f = Fetches::new("r*");
        let mut deleted = news("r1.a.d.2", 7);
        deleted.deleted = true;
        assert_eq!(f.announce(deleted), Some(("r1.a.d.2".into(), None)));
        assert_eq!(
            f.announce(news("bad key", 1)),
            Some(("bad key".into(), None)),
            "the model counts it"
        );
        f.announce(news("r1.a.layout", 8));
        assert_eq!(due(&mut f, 0), ["r1.a.layout"]);
        let failed = Done {
            key: "r1.a.layout".into(),
            result: Err("timed out".into()),
        };
        assert!(f.fetched(failed).is_none());
        assert_eq!(due(&mut f, 0), Vec::<String>::new(), "not before a tick");
        f.retry();
        assert_eq!(due(&mut f, 0), ["r1.a.layout"]);
        assert!(f.fetched(done("r1.a.layout", 8)).is_some());
        // A data value older than its process's newest hello is dropped.
        f.announce(news("r1.a.d.1", 9));
        assert_eq!(due(&mut f, 0), ["r1.a.d.1"]);
        f.announce(news("r1.a.hello", 10));
        assert!(f.fetched(done("r1.a.d.1", 9)).is_none());
        f.clear();
        assert!(f.settled());
    }
}
