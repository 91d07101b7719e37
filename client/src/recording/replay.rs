//! Replay: the viewer's state at any time of a recording.
//!
//! Opening a recording reads it once: it checks every record, keeps the
//! small ones (sessions, layouts, append series) in memory and remembers
//! where each snapshot record is. The state at time `t` is then the
//! session running at `t`, its newest layout, the newest value of each
//! snapshot channel (read from the file: one record per channel) and every
//! series point received up to `t`, exactly as a live viewer would have
//! had it. Moving forward applies only the records in between; moving
//! back rebuilds from the start of the session.
//!
//! ```text
//! entries: Session Layout Series Snap(0) Snap(1) Series Snap(0) … Goodbye
//!          ────────────── applied ──────────────┤ position
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use plotcast_protocol::{
    decode, read_record_at, ChannelKind, FileHeader, Frame, GoodbyeCode, Layout, Message,
    RecordReader, RecordingError, Tail, DEFAULT_MAX_FRAME_BYTES,
};
use thiserror::Error;

use crate::model::{Connection, PlotState};
use crate::peer_text::{clean, MAX_LABEL_CHARS, MAX_REASON_CHARS};

/// Why a recording cannot be replayed.
#[derive(Debug, Error)]
pub enum ReplayError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a recording this viewer can read, or is damaged.
    #[error("{}: {source}{hint}", path.display())]
    Recording {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: RecordingError,
        /// What the user can do about it.
        hint: String,
    },
    /// A record holds a frame that does not decode.
    #[error("{}: record {index} at byte {offset} holds an invalid frame: {reason}{hint}", path.display())]
    BadFrame {
        /// The file.
        path: PathBuf,
        /// The record's position.
        index: u64,
        /// Its byte offset.
        offset: u64,
        /// The decoder's words.
        reason: String,
        /// What the user can do about it.
        hint: String,
    },
    /// The recording holds no record at all.
    #[error("{}: the recording is empty (the recorder stopped before the server sent anything)", .0.display())]
    Empty(PathBuf),
}

/// What one record means to a replay.
#[derive(Debug, Clone)]
enum What {
    /// A server's welcome: a new session starts from nothing.
    Session { server_name: String },
    /// A new layout.
    Layout(Layout),
    /// A snapshot value, read from the file when needed.
    Snapshot {
        channel: u32,
        offset: u64,
        index: u64,
    },
    /// Points of an append series, kept in memory.
    Series(Frame),
    /// The computation ended.
    Goodbye { reason: String, interrupted: bool },
}

#[derive(Debug, Clone)]
struct Entry {
    time_us: u64,
    what: What,
}

/// A recording opened for replay.
#[derive(Debug)]
pub struct Recording {
    path: PathBuf,
    file: File,
    header: FileHeader,
    entries: Vec<Entry>,
    /// How the file ended (a cut is normal for a recorder that was killed).
    tail: Tail,
    /// Set with `salvage` when reading stopped at a damaged record.
    damage: Option<String>,
}

impl Recording {
    /// Opens and checks a recording. With `salvage`, a damaged record ends
    /// the recording there (the records before it are replayed) instead of
    /// being an error.
    ///
    /// # Errors
    /// [`ReplayError`] saying what is wrong with the file, and where.
    pub fn open(path: &Path, salvage: bool) -> Result<Self, ReplayError> {
        let io = |source| ReplayError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut reader =
            RecordReader::new(BufReader::new(file.try_clone().map_err(io)?)).map_err(|source| {
                ReplayError::Recording {
                    path: path.to_owned(),
                    source,
                    hint: String::new(),
                }
            })?;
        let header = *reader.header();
        let mut entries = Vec::new();
        let mut damage = None;
        let salvage_hint = |entries: &[Entry]| {
            let until = entries.last().map_or(0, |e| e.time_us);
            format!(
                "; the {} records before it (up to {:.1} s) are intact: replay them with --salvage",
                entries.len(),
                us_to_secs(until)
            )
        };
        loop {
            let record = match reader.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(RecordingError::Io(source)) => return Err(io(source)),
                Err(source) if salvage => {
                    damage = Some(source.to_string());
                    break;
                }
                Err(source) => {
                    return Err(ReplayError::Recording {
                        path: path.to_owned(),
                        source,
                        hint: salvage_hint(&entries),
                    })
                }
            };
            let (index, offset, time_us) = (record.index, record.offset, record.time_us);
            let what = match decode(record.body) {
                Ok(Message::Welcome(w)) => What::Session {
                    server_name: clean(&w.server_name, MAX_LABEL_CHARS).into_owned(),
                },
                Ok(Message::Layout(layout)) => What::Layout(layout),
                Ok(Message::Data(frame)) if frame.kind == ChannelKind::Series => {
                    What::Series(frame)
                }
                Ok(Message::Data(frame)) => What::Snapshot {
                    channel: frame.channel,
                    offset,
                    index,
                },
                Ok(Message::Goodbye(bye)) => What::Goodbye {
                    reason: clean(&bye.reason, MAX_REASON_CHARS).into_owned(),
                    interrupted: bye.code == GoodbyeCode::Interrupted,
                },
                // Batch ends, pings: nothing to replay.
                Ok(_) => continue,
                Err(err) if salvage => {
                    damage = Some(format!("record {index} at byte {offset}: {err}"));
                    break;
                }
                Err(err) => {
                    return Err(ReplayError::BadFrame {
                        path: path.to_owned(),
                        index,
                        offset,
                        reason: err.to_string(),
                        hint: salvage_hint(&entries),
                    })
                }
            };
            entries.push(Entry { time_us, what });
        }
        if entries.is_empty() && damage.is_none() {
            return Err(ReplayError::Empty(path.to_owned()));
        }
        Ok(Self {
            path: path.to_owned(),
            file,
            header,
            tail: reader.tail().unwrap_or(Tail::Clean),
            entries,
            damage,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file header (start time, versions).
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// How the file ended.
    pub fn tail(&self) -> Tail {
        self.tail
    }

    /// With `salvage`: where reading stopped, and why.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// Time of the last record: the recording runs from 0 to this.
    pub fn span(&self) -> Duration {
        Duration::from_micros(self.entries.last().map_or(0, |e| e.time_us))
    }

    /// Records kept for replay.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing can be replayed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The time of the first data record (where Home goes), else 0.
    pub fn first_data_time(&self) -> Duration {
        self.entries
            .iter()
            .find(|e| matches!(e.what, What::Snapshot { .. } | What::Series(_)))
            .map_or(Duration::ZERO, |e| Duration::from_micros(e.time_us))
    }

    /// The time of the first record after `t`, if any.
    pub fn next_time(&self, t: Duration) -> Option<Duration> {
        let t = dur_us(t);
        let i = self.entries.partition_point(|e| e.time_us <= t);
        self.entries
            .get(i)
            .map(|e| Duration::from_micros(e.time_us))
    }

    /// The time of the last record before `t`, if any.
    pub fn previous_time(&self, t: Duration) -> Option<Duration> {
        let t = dur_us(t);
        let i = self.entries.partition_point(|e| e.time_us < t);
        i.checked_sub(1)
            .map(|i| Duration::from_micros(self.entries[i].time_us))
    }

    /// The frames of an append channel received in the session running at
    /// `t`, up to `t` (for exporting a whole series, beyond the window a
    /// viewer keeps).
    pub fn series_frames(&self, channel: u32, t: Duration) -> impl Iterator<Item = &Frame> {
        let end = self.entries.partition_point(|e| e.time_us <= dur_us(t));
        let start = self.session_start(end);
        self.entries[start..end]
            .iter()
            .filter_map(move |e| match &e.what {
                What::Series(f) if f.channel == channel => Some(f),
                _ => None,
            })
    }

    /// Index of the session entry that rules the entries before `end`.
    fn session_start(&self, end: usize) -> usize {
        self.entries[..end]
            .iter()
            .rposition(|e| matches!(e.what, What::Session { .. }))
            .unwrap_or(0)
    }

    /// Reads the snapshot frame of a record.
    fn load_snapshot(&self, offset: u64, index: u64) -> Result<Frame, ReplayError> {
        let record = read_record_at(&mut &self.file, offset, index, DEFAULT_MAX_FRAME_BYTES)
            .map_err(|source| match source {
                RecordingError::Io(source) => ReplayError::Io {
                    path: self.path.clone(),
                    source,
                },
                source => ReplayError::Recording {
                    path: self.path.clone(),
                    source,
                    hint: " (the file changed since it was opened?)".into(),
                },
            })?;
        match decode(record.body) {
            Ok(Message::Data(frame)) => Ok(frame),
            other => Err(ReplayError::BadFrame {
                path: self.path.clone(),
                index,
                offset,
                reason: match other {
                    Err(err) => err.to_string(),
                    Ok(msg) => format!("a {} where a data frame was", msg.name()),
                },
                hint: " (the file changed since it was opened?)".into(),
            }),
        }
    }
}

/// The state of a recording at a moving position.
#[derive(Debug)]
pub struct Replay {
    rec: Recording,
    position: Duration,
    /// Entries `..applied` are in `state`.
    applied: usize,
    state: PlotState,
}

impl Replay {
    /// A replay positioned before the first record (nothing shown yet).
    pub fn new(rec: Recording) -> Self {
        let mut state = PlotState::default();
        state.status.address = file_name(rec.path());
        Self {
            rec,
            position: Duration::ZERO,
            applied: 0,
            state,
        }
    }

    /// The recording.
    pub fn recording(&self) -> &Recording {
        &self.rec
    }

    /// The shown time.
    pub fn position(&self) -> Duration {
        self.position
    }

    /// The state at the position.
    pub fn state(&self) -> &PlotState {
        &self.state
    }

    /// Moves to time `t` (clamped to the recording); true when the data
    /// shown changed.
    ///
    /// # Errors
    /// [`ReplayError`] when a snapshot record cannot be read back.
    pub fn seek(&mut self, t: Duration) -> Result<bool, ReplayError> {
        let t = t.min(self.rec.span());
        self.position = t;
        let target = self.rec.entries.partition_point(|e| e.time_us <= dur_us(t));
        if target == self.applied {
            return Ok(false);
        }
        let from = if target > self.applied {
            self.applied
        } else {
            let start = self.rec.session_start(target);
            self.state = PlotState::default();
            self.state.status.address = file_name(self.rec.path());
            start
        };
        self.apply(from, target)?;
        self.applied = target;
        Ok(true)
    }

    /// Applies entries `from..to`. Of the snapshots between two layout
    /// changes only the newest per channel is read from the file.
    fn apply(&mut self, from: usize, to: usize) -> Result<(), ReplayError> {
        let (rec, state) = (&self.rec, &mut self.state);
        let mut newest: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        let now = Instant::now();
        for entry in &rec.entries[from..to] {
            match &entry.what {
                What::Snapshot {
                    channel,
                    offset,
                    index,
                } => {
                    newest.insert(*channel, (*offset, *index));
                }
                What::Series(frame) => {
                    state.apply_frame(frame.clone(), now);
                }
                What::Session { server_name } => {
                    newest.clear();
                    state.reset_session();
                    state.status.server_name = server_name.clone();
                    state.status.connection = Connection::Connected;
                }
                What::Layout(layout) => {
                    apply_snapshots(rec, state, &mut newest, now)?;
                    state.set_layout(layout.clone());
                }
                What::Goodbye {
                    reason,
                    interrupted,
                } => {
                    let reason = reason.clone();
                    state.status.connection = if *interrupted {
                        Connection::Interrupted { reason }
                    } else {
                        Connection::Ended { reason }
                    };
                }
            }
        }
        apply_snapshots(rec, state, &mut newest, now)
    }
}

/// Reads and applies the newest snapshot of each channel collected.
fn apply_snapshots(
    rec: &Recording,
    state: &mut PlotState,
    newest: &mut BTreeMap<u32, (u64, u64)>,
    now: Instant,
) -> Result<(), ReplayError> {
    for (_, (offset, index)) in std::mem::take(newest) {
        let frame = rec.load_snapshot(offset, index)?;
        state.apply_frame(frame, now);
    }
    Ok(())
}

/// The file name of a path, for the status line.
pub fn file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy());
    clean(&name, MAX_LABEL_CHARS).into_owned()
}

/// Seconds, for messages.
pub fn us_to_secs(us: u64) -> f64 {
    Duration::from_micros(us).as_secs_f64()
}

fn dur_us(t: Duration) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
}
