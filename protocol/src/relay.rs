//! The relay through NATS: where a computation's messages live in a NATS
//! server with JetStream, so that viewers anywhere read them without ever
//! connecting to the computation (see PROTOCOL.md, "Relay through NATS").
//!
//! ```text
//! KV bucket `plotcast` (history 1: latest value wins)
//!   <run>.<process>.hello        ProcessInfo (bincode): who publishes, relay version
//!   <run>.<process>.layout       Layout message body
//!   <run>.<process>.d.<channel>  newest Data message body of a snapshot channel
//!   <run>.<process>.bye          Goodbye message body: how the computation ended
//! stream `PLOTCAST_SERIES`, subjects `plotcast.series.<run>.<process>.<channel>`
//!   one Data message body per chunk of new points of an append series,
//!   parts carrying their first point's index; the newest chunks are kept
//! requests `plotcast.rpc.<run>.<process>.clock`  Ping body → Pong body
//!          `plotcast.rpc.<run>.<process>.view`   View body  → a Data body (in parts when long)
//! ```
//!
//! Values are message bodies exactly as on the wire after the length
//! prefix ([`decode`](crate::decode) reads them), so one codec serves both
//! paths. Names are checked here once, for the publisher and the viewer.

use serde::{Deserialize, Serialize};

use crate::ProtocolError;

/// The relay layout's version: any change to keys, subjects or values
/// bumps it. A viewer reads only processes that announce its version.
pub const RELAY_VERSION: u16 = 1;

/// The key-value bucket holding every run's newest values.
pub const BUCKET: &str = "plotcast";

/// The JetStream stream holding append series' chunks.
pub const SERIES_STREAM: &str = "PLOTCAST_SERIES";

/// Subjects of series chunks: `plotcast.series.<run>.<process>.<channel>`.
pub const SERIES_PREFIX: &str = "plotcast.series";

/// Subjects of requests to a computation: `plotcast.rpc.<run>.<process>.<what>`.
pub const RPC_PREFIX: &str = "plotcast.rpc";

/// The largest value put in the bucket or sent as one message: under
/// nats-server's default `max_payload` of 1 MiB, with room for headers.
/// A longer reply to a request comes in several messages.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024 - 64 * 1024;

/// Chunks of each series the stream keeps (per subject), so a viewer that
/// joins or was away fetches the history it missed that is still kept.
pub const SERIES_CHUNKS_KEPT: i64 = 4096;

/// Longest run or process name.
pub const MAX_NAME_CHARS: usize = 64;

/// The header numbering the messages of a reply longer than
/// [`MAX_MESSAGE_BYTES`]: `Plotcast-Part: i/n`, `i` from 1 to `n`. The
/// messages carry consecutive slices of one body (all but the last
/// exactly `MAX_MESSAGE_BYTES` long); their payloads joined in the order
/// of `i` are the body. A reply in one message has no such header.
pub const PART_HEADER: &str = "Plotcast-Part";

/// `body` cut for replies: `(i, n, slice)` for `i` from 1 to `n`, slices
/// of at most [`MAX_MESSAGE_BYTES`] (one part, the whole body, when it is
/// short enough; an empty body is one empty part).
pub fn split_parts(body: &bytes::Bytes) -> Vec<(usize, usize, bytes::Bytes)> {
    let n = body.len().div_ceil(MAX_MESSAGE_BYTES).max(1);
    (0..n)
        .map(|k| {
            let start = k * MAX_MESSAGE_BYTES;
            let end = (start + MAX_MESSAGE_BYTES).min(body.len());
            (k + 1, n, body.slice(start..end))
        })
        .collect()
}

/// The [`PART_HEADER`] value of part `i` of `n`: `i/n`.
pub fn part_value(i: usize, n: usize) -> String {
    format!("{i}/{n}")
}

/// A [`PART_HEADER`] value read back: `(i, n)` with `1 ≤ i ≤ n`; `None`
/// for anything else. A reader bounds `n` itself (`n` parts are up to
/// `n × MAX_MESSAGE_BYTES` bytes).
pub fn parse_part(value: &str) -> Option<(usize, usize)> {
    let (i, n) = value.trim().split_once('/')?;
    let (i, n): (usize, usize) = (i.parse().ok()?, n.parse().ok()?);
    (1..=n).contains(&i).then_some((i, n))
}

/// Checks a run or process name: 1 to 64 of `A-Z a-z 0-9 _ -` (a NATS
/// subject token and a KV key token without escaping).
///
/// # Errors
/// [`ProtocolError::Invalid`] quoting the name and saying what is allowed.
pub fn check_name(what: &'static str, name: &str) -> Result<(), ProtocolError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(80).collect();
        Err(ProtocolError::invalid(
            what,
            format!("{shown:?} is not a name: use 1 to 64 letters, digits, '_' or '-'"),
        ))
    }
}

/// `name` made a valid name: other characters become `-`, cut to 64.
pub fn sanitize_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    if clean.is_empty() {
        "process".into()
    } else {
        clean
    }
}

/// The label of this process when the computation gives none:
/// `<host>-<pid>`.
pub fn default_process_label() -> String {
    let host = crate::util::host_name().unwrap_or_else(|| "host".into());
    let pid = std::process::id().to_string();
    let room = MAX_NAME_CHARS.saturating_sub(pid.len() + 1);
    let host: String = sanitize_name(&host).chars().take(room).collect();
    format!("{host}-{pid}")
}

/// What one key of the bucket holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// [`ProcessInfo`].
    Hello,
    /// The layout.
    Layout,
    /// A snapshot channel's newest frame.
    Data(u32),
    /// The goodbye.
    Bye,
}

/// The keys and subjects of one process of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The run.
    pub run: String,
    /// The process.
    pub process: String,
}

impl Names {
    /// The names of `process` of `run`, checked.
    ///
    /// # Errors
    /// [`ProtocolError::Invalid`] for a name [`check_name`] refuses.
    pub fn new(run: &str, process: &str) -> Result<Self, ProtocolError> {
        check_name("run", run)?;
        check_name("process", process)?;
        Ok(Self {
            run: run.to_owned(),
            process: process.to_owned(),
        })
    }

    /// The bucket key of `entry`.
    pub fn key(&self, entry: Entry) -> String {
        let (run, process) = (&self.run, &self.process);
        match entry {
            Entry::Hello => format!("{run}.{process}.hello"),
            Entry::Layout => format!("{run}.{process}.layout"),
            Entry::Data(channel) => format!("{run}.{process}.d.{channel}"),
            Entry::Bye => format!("{run}.{process}.bye"),
        }
    }

    /// The subject of `channel`'s series chunks.
    pub fn series_subject(&self, channel: u32) -> String {
        format!("{SERIES_PREFIX}.{}.{}.{channel}", self.run, self.process)
    }

    /// The subject of requests `what` (`clock`, `view`) to this process.
    pub fn rpc_subject(&self, what: &str) -> String {
        format!("{RPC_PREFIX}.{}.{}.{what}", self.run, self.process)
    }
}

/// A bucket key read back: whose it is and what it holds; `None` for a
/// key of another shape (a hostile or newer publisher).
pub fn parse_key(key: &str) -> Option<(Names, Entry)> {
    let mut tokens = key.split('.');
    let (run, process) = (tokens.next()?, tokens.next()?);
    let entry = match (tokens.next()?, tokens.next(), tokens.next()) {
        ("hello", None, None) => Entry::Hello,
        ("layout", None, None) => Entry::Layout,
        ("bye", None, None) => Entry::Bye,
        ("d", Some(id), None) => Entry::Data(id.parse().ok()?),
        _ => return None,
    };
    Some((Names::new(run, process).ok()?, entry))
}

/// A series subject read back: whose chunks, of which channel.
pub fn parse_series_subject(subject: &str) -> Option<(Names, u32)> {
    let rest = subject.strip_prefix(SERIES_PREFIX)?.strip_prefix('.')?;
    let mut tokens = rest.split('.');
    let (run, process, channel) = (tokens.next()?, tokens.next()?, tokens.next()?);
    if tokens.next().is_some() {
        return None;
    }
    Some((Names::new(run, process).ok()?, channel.parse().ok()?))
}

/// True when `run` matches `pattern`, where `*` stands for any run of
/// name characters (`sweep-*` matches `sweep-1` and `sweep-17`).
pub fn run_matches(pattern: &str, run: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == run,
        Some((head, tail)) => {
            run.len() >= head.len()
                && run.starts_with(head)
                && run_matches_rest(tail, &run[head.len()..])
        }
    }
}

fn run_matches_rest(pattern: &str, rest: &str) -> bool {
    // `*` may take any number of characters: try every split.
    (0..=rest.len())
        .filter(|&k| rest.is_char_boundary(k))
        .any(|k| run_matches(pattern, &rest[k..]))
}

/// What a process says about itself, first: the relay version it writes,
/// its computation's title and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// [`RELAY_VERSION`] of the writer.
    pub relay_version: u16,
    /// The wire protocol version of the message bodies it writes.
    pub protocol_version: u16,
    /// The computation's title.
    pub title: String,
    /// Its process label (rank, sweep point, host-pid).
    pub process: String,
    /// Host name, for people.
    pub host: String,
    /// Process id, for people.
    pub pid: u32,
    /// The server's session id: a new one means a restarted computation.
    pub session_id: u64,
    /// When it started, µs since the Unix epoch (its clock).
    pub started_us: u64,
}

impl ProcessInfo {
    /// Encodes it (bincode, as every header).
    ///
    /// # Errors
    /// [`ProtocolError`] when encoding fails.
    pub fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        crate::codec::header_bytes("process info", self)
    }

    /// Decodes one, with a size limit.
    ///
    /// # Errors
    /// [`ProtocolError`] for bytes that are not a process info.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        crate::codec::header_from_bytes("process info", bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_keys_read_back() {
        assert!(check_name("run", "sweep-17").is_ok());
        for bad in ["", "a.b", "a b", "x*", "é", &"r".repeat(65)] {
            assert!(check_name("run", bad).is_err(), "{bad:?}");
        }
        let names = Names::new("sweep-17", "rank3").unwrap_or_else(|e| panic!("{e}"));
        for entry in [Entry::Hello, Entry::Layout, Entry::Data(7), Entry::Bye] {
            let key = names.key(entry);
            assert_eq!(parse_key(&key), Some((names.clone(), entry)), "{key}");
        }
        assert_eq!(parse_key("a.b.d.x"), None);
        assert_eq!(parse_key("a.b.what"), None);
        assert_eq!(parse_key("a.b.d.1.2"), None);
        let subject = names.series_subject(4);
        assert_eq!(subject, "plotcast.series.sweep-17.rank3.4");
        assert_eq!(parse_series_subject(&subject), Some((names.clone(), 4)));
        assert_eq!(
            names.rpc_subject("clock"),
            "plotcast.rpc.sweep-17.rank3.clock"
        );
    }

    #[test]
    fn run_patterns_and_labels() {
        assert!(run_matches("sweep-*", "sweep-17"));
        assert!(run_matches("sweep-*", "sweep-"));
        assert!(!run_matches("sweep-*", "sweeps"));
        assert!(run_matches("*", "anything"));
        assert!(run_matches("a*c", "abbbc") && !run_matches("a*c", "abd"));
        assert!(run_matches("exact", "exact") && !run_matches("exact", "exact2"));
        let label = default_process_label();
        assert!(check_name("process", &label).is_ok(), "{label}");
        assert_eq!(sanitize_name("node7:1234"), "node7-1234");
    }

    #[test]
    fn long_replies_split_into_numbered_parts_that_join_back() {
        let body = bytes::Bytes::from(
            (0..2 * MAX_MESSAGE_BYTES + 5)
                .map(|i| i as u8)
                .collect::<Vec<u8>>(),
        );
        let parts = split_parts(&body);
        assert_eq!(parts.len(), 3);
        let joined: Vec<u8> = parts
            .iter()
            .flat_map(|(_, _, b)| b.iter().copied())
            .collect();
        assert_eq!(joined, body);
        assert_eq!((parts[2].0, parts[2].1, parts[2].2.len()), (3, 3, 5));
        assert_eq!(parse_part(&part_value(2, 3)), Some((2, 3)));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0"] {
            assert_eq!(parse_part(bad), None, "{bad}");
        }
        assert_eq!(split_parts(&bytes::Bytes::new()).len(), 1);
    }

    #[test]
    fn process_info_round_trips_and_garbage_is_an_error() {
        let info = ProcessInfo {
            relay_version: RELAY_VERSION,
            protocol_version: crate::VERSION,
            title: "heat".into(),
            process: "rank0".into(),
            host: "node7".into(),
            pid: 42,
            session_id: 7,
            started_us: 1,
        };
        let bytes = info.encode().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ProcessInfo::decode(&bytes).ok(), Some(info));
        assert!(ProcessInfo::decode(&[0xff; 16]).is_err());
    }
}
