//! Recording files: the wire frames a viewer received, each with the time
//! it arrived, so a run can be replayed after the computation is gone.
//!
//! ```text
//! file   := file header (24 bytes) | record*
//!
//! file header:
//!  0  magic             8 bytes  "PLOTCREC"
//!  8  format version    u16 LE   RECORDING_VERSION (1)
//! 10  protocol version  u16 LE   wire version of the frames inside (VERSION)
//! 12  flags             u32 LE   0; a reader refuses flags it does not know
//! 16  start_unix_us     u64 LE   the recorder's wall clock when it started
//!
//! record:
//!  0  time_us           u64 LE   µs since the start (monotonic, never decreasing)
//!  8  codec             u8       0: stored, 1: lz4 block (see below)
//!  9  reserved          3 bytes  zero
//! 12  stored_len        u32 LE   bytes of `stored`
//! 16  header_crc        u32 LE   CRC-32 (IEEE) of bytes 0..16
//! 20  data_crc          u32 LE   CRC-32 (IEEE) of `stored`
//! 24  stored            codec 0: one complete wire frame (u32 BE length + body)
//!                       codec 1: frame_len u32 LE | lz4 block of the frame
//! ```
//!
//! A reader decodes each frame body with [`crate::decode`]. A file cut short
//! (the recorder killed, the disk full) reads up to its last complete
//! record; its [`Tail`] says how many bytes were left over. A record whose
//! checksum, length or codec is wrong is [`RecordingError::Corrupt`], with
//! its position. Nothing in a file can make the reader panic or allocate
//! more than the limit it was given (see [`RecordReader::with_max_frame_bytes`]).

use std::io::{Read, Seek, SeekFrom, Write};

use bytes::Bytes;
use thiserror::Error;

use crate::{DEFAULT_MAX_FRAME_BYTES, LENGTH_PREFIX_BYTES, SERVER_MESSAGE_VERSIONS, VERSION};

/// The 8 bytes that open every recording.
pub const RECORDING_MAGIC: [u8; 8] = *b"PLOTCREC";

/// The recording format version this build writes and reads.
pub const RECORDING_VERSION: u16 = 1;

/// Bytes of the file header.
pub const FILE_HEADER_BYTES: usize = 24;

/// Bytes of a record's header.
pub const RECORD_HEADER_BYTES: usize = 24;

/// How a record's frame is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Codec {
    /// The frame as it is.
    Stored = 0,
    /// An lz4 block of the frame (byte-shuffled payload, see [`crate::shuffle`]).
    Lz4 = 1,
}

/// Why a recording cannot be read (or written).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RecordingError {
    /// The file does not start with [`RECORDING_MAGIC`].
    #[error(
        "not a plotcast recording (it starts with {found:02x?}, a recording with \"PLOTCREC\")"
    )]
    NotARecording {
        /// The first bytes of the file.
        found: Vec<u8>,
    },

    /// The file is shorter than its header.
    #[error(
        "not a plotcast recording: {len} bytes, shorter than the {FILE_HEADER_BYTES}-byte header"
    )]
    TooShort {
        /// Bytes in the file.
        len: u64,
    },

    /// Written by a plotcast whose recording format this build does not read.
    #[error("recording format version {found}, this plotcast-viewer reads version {ours}: {}", if .found > .ours { "it was written by a newer plotcast; update plotcast-viewer" } else { "it was written by an older plotcast" })]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The version this build reads.
        ours: u16,
    },

    /// The frames inside are of a wire protocol version this build does not
    /// decode.
    #[error("the recording holds protocol version {found} frames, this plotcast-viewer decodes version {ours}: {}", if .found > .ours { "update plotcast-viewer" } else { "it was written by an older plotcast" })]
    UnsupportedProtocol {
        /// The version in the file.
        found: u16,
        /// The version this build decodes.
        ours: u16,
    },

    /// Header flags this build does not know.
    #[error("the recording uses features this plotcast-viewer does not know (flags {flags:#x}); update plotcast-viewer")]
    UnknownFlags {
        /// The flags found.
        flags: u32,
    },

    /// A record is damaged.
    #[error("corrupt record {index} at byte {offset}: {reason}")]
    Corrupt {
        /// Position of the record (0 is the first).
        index: u64,
        /// Byte offset of the record in the file.
        offset: u64,
        /// What is wrong.
        reason: String,
    },

    /// A frame could not be written (too large for a record).
    #[error("cannot record a frame: {0}")]
    Encode(String),

    /// Reading or writing the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    /// Recording format version.
    pub format_version: u16,
    /// Wire protocol version of the frames.
    pub protocol_version: u16,
    /// Feature flags (none defined yet).
    pub flags: u32,
    /// When the recording started, µs since the Unix epoch (recorder clock).
    pub start_unix_us: u64,
}

impl FileHeader {
    /// The header this build writes, for a recording started at `start_unix_us`.
    pub fn new(start_unix_us: u64) -> Self {
        Self {
            format_version: RECORDING_VERSION,
            protocol_version: VERSION,
            flags: 0,
            start_unix_us,
        }
    }

    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; FILE_HEADER_BYTES] {
        let mut out = [0u8; FILE_HEADER_BYTES];
        out[..8].copy_from_slice(&RECORDING_MAGIC);
        out[8..10].copy_from_slice(&self.format_version.to_le_bytes());
        out[10..12].copy_from_slice(&self.protocol_version.to_le_bytes());
        out[12..16].copy_from_slice(&self.flags.to_le_bytes());
        out[16..24].copy_from_slice(&self.start_unix_us.to_le_bytes());
        out
    }

    /// Parses and checks a header: magic first (a foreign file), then the
    /// format version, the protocol version and the flags.
    ///
    /// # Errors
    /// [`RecordingError::NotARecording`], [`RecordingError::TooShort`],
    /// [`RecordingError::UnsupportedVersion`],
    /// [`RecordingError::UnsupportedProtocol`], [`RecordingError::UnknownFlags`].
    pub fn parse(bytes: &[u8]) -> Result<Self, RecordingError> {
        let magic_len = bytes.len().min(RECORDING_MAGIC.len());
        if bytes[..magic_len] != RECORDING_MAGIC[..magic_len] {
            return Err(RecordingError::NotARecording {
                found: bytes[..magic_len].to_vec(),
            });
        }
        let Some(bytes) = bytes.get(..FILE_HEADER_BYTES) else {
            return Err(RecordingError::TooShort {
                len: bytes.len() as u64,
            });
        };
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let header = Self {
            format_version: u16_at(8),
            protocol_version: u16_at(10),
            flags: u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]),
            start_unix_us: u64::from_le_bytes(array8(&bytes[16..24])),
        };
        if header.format_version != RECORDING_VERSION {
            return Err(RecordingError::UnsupportedVersion {
                found: header.format_version,
                ours: RECORDING_VERSION,
            });
        }
        if !SERVER_MESSAGE_VERSIONS.contains(&header.protocol_version) {
            return Err(RecordingError::UnsupportedProtocol {
                found: header.protocol_version,
                ours: VERSION,
            });
        }
        if header.flags != 0 {
            return Err(RecordingError::UnknownFlags {
                flags: header.flags,
            });
        }
        Ok(header)
    }
}

fn array8(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&b[..8]);
    out
}

/// One record read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Position of the record in the file (0 is the first).
    pub index: u64,
    /// Byte offset of the record in the file (for [`read_record_at`]).
    pub offset: u64,
    /// Bytes the record takes in the file, header included.
    pub file_bytes: u64,
    /// µs since the recording started.
    pub time_us: u64,
    /// The frame body (without its length prefix): give it to
    /// [`crate::decode`].
    pub body: Bytes,
}

/// How a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// After the last complete record.
    Clean,
    /// In the middle of a record (a recorder killed while writing, a full
    /// disk), or in zeros a crash left behind: these bytes were ignored.
    Truncated {
        /// Where the incomplete record starts.
        offset: u64,
        /// Bytes from there to the end of the file.
        bytes: u64,
    },
}

/// Writes a recording: the header, then one record per frame.
///
/// Records go straight to the writer: wrap a file in a `BufWriter` and
/// [`flush`](Self::flush) at the moments the data should reach the
/// operating system (a recorder killed then loses nothing written before).
#[derive(Debug)]
pub struct RecordWriter<W: Write> {
    out: W,
    bytes: u64,
    records: u64,
    last_time_us: u64,
    compress: bool,
    scratch: Vec<u8>,
}

/// Frames smaller than this are stored as they are: compressing a control
/// message or a short series saves nothing worth the work.
const COMPRESS_MIN_BYTES: usize = 4096;

impl<W: Write> RecordWriter<W> {
    /// Writes the header; `compress` stores large frames as lz4 blocks
    /// when that makes them smaller.
    ///
    /// # Errors
    /// [`RecordingError::Io`].
    pub fn new(mut out: W, header: &FileHeader, compress: bool) -> Result<Self, RecordingError> {
        out.write_all(&header.to_bytes())?;
        Ok(Self {
            out,
            bytes: FILE_HEADER_BYTES as u64,
            records: 0,
            last_time_us: 0,
            compress,
            scratch: Vec::new(),
        })
    }

    /// Appends a record holding the frame whose body is `body` (the wire
    /// frame without its length prefix), received `time_us` after the
    /// start. Times never go back: an earlier time is written as the last
    /// one.
    ///
    /// # Errors
    /// [`RecordingError::Encode`] for a body too large for a frame,
    /// [`RecordingError::Io`].
    pub fn write_body(&mut self, time_us: u64, body: &[u8]) -> Result<(), RecordingError> {
        let frame_len = u32::try_from(body.len())
            .ok()
            .filter(|_| body.len() + LENGTH_PREFIX_BYTES <= u32::MAX as usize)
            .ok_or_else(|| {
                RecordingError::Encode(format!("a body of {} bytes is too large", body.len()))
            })?;
        let time_us = time_us.max(self.last_time_us);
        if self.compress && body.len() >= COMPRESS_MIN_BYTES {
            let frame_bytes = body.len() + LENGTH_PREFIX_BYTES;
            self.scratch.clear();
            self.scratch
                .extend_from_slice(&(frame_bytes as u32).to_le_bytes());
            crate::shuffle::compress_frame(frame_len, body, &mut self.scratch);
            if self.scratch.len() < frame_bytes {
                let stored = std::mem::take(&mut self.scratch);
                let written = self.write_record(time_us, Codec::Lz4, &[&stored]);
                self.scratch = stored;
                return written;
            }
        }
        self.write_record(time_us, Codec::Stored, &[&frame_len.to_be_bytes(), body])
    }

    fn write_record(
        &mut self,
        time_us: u64,
        codec: Codec,
        pieces: &[&[u8]],
    ) -> Result<(), RecordingError> {
        let stored_len: usize = pieces.iter().map(|p| p.len()).sum();
        let stored_len = u32::try_from(stored_len)
            .map_err(|_| RecordingError::Encode(format!("{stored_len} bytes in one record")))?;
        let mut header = [0u8; RECORD_HEADER_BYTES];
        header[..8].copy_from_slice(&time_us.to_le_bytes());
        header[8] = codec as u8;
        header[12..16].copy_from_slice(&stored_len.to_le_bytes());
        let header_crc = crc32fast::hash(&header[..16]);
        header[16..20].copy_from_slice(&header_crc.to_le_bytes());
        let mut data_crc = crc32fast::Hasher::new();
        for piece in pieces {
            data_crc.update(piece);
        }
        header[20..24].copy_from_slice(&data_crc.finalize().to_le_bytes());
        self.out.write_all(&header)?;
        for piece in pieces {
            self.out.write_all(piece)?;
        }
        self.bytes += RECORD_HEADER_BYTES as u64 + u64::from(stored_len);
        self.records += 1;
        self.last_time_us = time_us;
        Ok(())
    }

    /// Flushes the writer.
    ///
    /// # Errors
    /// [`RecordingError::Io`].
    pub fn flush(&mut self) -> Result<(), RecordingError> {
        Ok(self.out.flush()?)
    }

    /// Bytes written so far, header included.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The time of the last record.
    pub fn last_time_us(&self) -> u64 {
        self.last_time_us
    }

    /// The writer, flushed.
    ///
    /// # Errors
    /// [`RecordingError::Io`] when the flush fails.
    pub fn into_inner(mut self) -> Result<W, RecordingError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads a recording record by record.
#[derive(Debug)]
pub struct RecordReader<R: Read> {
    inner: R,
    header: FileHeader,
    offset: u64,
    index: u64,
    last_time_us: u64,
    max_frame_bytes: usize,
    tail: Option<Tail>,
}

impl<R: Read> RecordReader<R> {
    /// Reads and checks the file header, with the default frame limit
    /// ([`DEFAULT_MAX_FRAME_BYTES`]).
    ///
    /// # Errors
    /// See [`FileHeader::parse`]; [`RecordingError::Io`].
    pub fn new(inner: R) -> Result<Self, RecordingError> {
        Self::with_max_frame_bytes(inner, DEFAULT_MAX_FRAME_BYTES)
    }

    /// As [`new`](Self::new), refusing frames whose body is longer than
    /// `max_frame_bytes` (as corrupt: a recorder never wrote one).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_max_frame_bytes(
        mut inner: R,
        max_frame_bytes: usize,
    ) -> Result<Self, RecordingError> {
        let mut head = [0u8; FILE_HEADER_BYTES];
        let got = read_full(&mut inner, &mut head)?;
        let header = FileHeader::parse(&head[..got])?;
        Ok(Self {
            inner,
            header,
            offset: FILE_HEADER_BYTES as u64,
            index: 0,
            last_time_us: 0,
            max_frame_bytes,
            tail: None,
        })
    }

    /// The file header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// How the file ended, once [`next_record`](Self::next_record) returned
    /// `Ok(None)`.
    pub fn tail(&self) -> Option<Tail> {
        self.tail
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record; `Ok(None)` at the end of the file, complete or cut
    /// short (see [`tail`](Self::tail)).
    ///
    /// # Errors
    /// [`RecordingError::Corrupt`] for a damaged record (reading stops
    /// there: later calls return `Ok(None)`), [`RecordingError::Io`].
    pub fn next_record(&mut self) -> Result<Option<Record>, RecordingError> {
        if self.tail.is_some() {
            return Ok(None);
        }
        let start = self.offset;
        match read_one(&mut self.inner, start, self.index, self.max_frame_bytes)? {
            Step::Record(record) => {
                if record.time_us < self.last_time_us {
                    self.tail = Some(Tail::Clean);
                    return Err(corrupt(
                        self.index,
                        start,
                        format!(
                            "its time ({} µs) is before the previous record's ({} µs)",
                            record.time_us, self.last_time_us
                        ),
                    ));
                }
                self.last_time_us = record.time_us;
                self.offset += record.file_bytes;
                self.index += 1;
                Ok(Some(record))
            }
            Step::End { bytes: 0 } => {
                self.tail = Some(Tail::Clean);
                Ok(None)
            }
            Step::End { bytes } => {
                self.tail = Some(Tail::Truncated {
                    offset: start,
                    bytes,
                });
                Ok(None)
            }
            Step::Corrupt { reason, consumed } => {
                // A crash can leave a tail of zeros where the last writes
                // should have been: that is a cut, not damage.
                let zeros = all_zeros(&mut self.inner)?;
                self.tail = Some(Tail::Truncated {
                    offset: start,
                    bytes: consumed + zeros.unwrap_or(0),
                });
                match zeros {
                    Some(_) if consumed_is_zero(&reason) => Ok(None),
                    _ => Err(corrupt(self.index, start, reason)),
                }
            }
        }
    }
}

/// Marker in a corruption reason saying that every byte read was zero.
const ZERO_RECORD: &str = "a record of zeros";

fn consumed_is_zero(reason: &str) -> bool {
    reason == ZERO_RECORD
}

fn corrupt(index: u64, offset: u64, reason: impl Into<String>) -> RecordingError {
    RecordingError::Corrupt {
        index,
        offset,
        reason: reason.into(),
    }
}

/// Reads the record at `offset` of a seekable file (an offset a
/// [`RecordReader`] reported), with the frame limit `max_frame_bytes`.
///
/// # Errors
/// [`RecordingError::Corrupt`] when the record is damaged or cut short,
/// [`RecordingError::Io`].
pub fn read_record_at<R: Read + Seek>(
    file: &mut R,
    offset: u64,
    index: u64,
    max_frame_bytes: usize,
) -> Result<Record, RecordingError> {
    file.seek(SeekFrom::Start(offset))?;
    match read_one(file, offset, index, max_frame_bytes)? {
        Step::Record(record) => Ok(record),
        Step::End { bytes } => Err(corrupt(
            index,
            offset,
            format!("the file ends {bytes} bytes into the record"),
        )),
        Step::Corrupt { reason, .. } => Err(corrupt(index, offset, reason)),
    }
}

enum Step {
    Record(Record),
    /// End of file after `bytes` bytes of an incomplete record.
    End {
        bytes: u64,
    },
    /// A damaged record, after `consumed` bytes were read.
    Corrupt {
        reason: String,
        consumed: u64,
    },
}

fn read_one<R: Read>(
    r: &mut R,
    offset: u64,
    index: u64,
    max_frame_bytes: usize,
) -> Result<Step, RecordingError> {
    let mut header = [0u8; RECORD_HEADER_BYTES];
    let got = read_full(r, &mut header)?;
    if got < RECORD_HEADER_BYTES {
        return Ok(Step::End { bytes: got as u64 });
    }
    let consumed = RECORD_HEADER_BYTES as u64;
    let bad = |reason: String| Ok(Step::Corrupt { reason, consumed });
    let le32 =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    if header.iter().all(|&b| b == 0) {
        return bad(ZERO_RECORD.into());
    }
    if crc32fast::hash(&header[..16]) != le32(16) {
        return bad("header checksum mismatch".into());
    }
    let time_us = u64::from_le_bytes(array8(&header[..8]));
    let stored_len = le32(12) as usize;
    let codec = match header[8] {
        0 => Codec::Stored,
        1 => Codec::Lz4,
        other => {
            return bad(format!(
                "unknown codec {other} (written by a newer plotcast?)"
            ))
        }
    };
    // A stored frame is at most the limit plus its prefix; an lz4 block of
    // it is at most lz4's worst case. Beyond that the length is not one a
    // recorder wrote: refuse it before reserving memory.
    let frame_max = max_frame_bytes.saturating_add(LENGTH_PREFIX_BYTES);
    let stored_max = match codec {
        Codec::Stored => frame_max,
        Codec::Lz4 => frame_max.saturating_add(frame_max / 255 + 64),
    };
    if stored_len > stored_max {
        return bad(format!(
            "it claims {stored_len} bytes, more than a frame of at most {max_frame_bytes} bytes can take"
        ));
    }
    let mut stored = vec![0u8; stored_len];
    let got = read_full(r, &mut stored)?;
    if got < stored_len {
        return Ok(Step::End {
            bytes: consumed + got as u64,
        });
    }
    let consumed = consumed + stored_len as u64;
    let bad = |reason: String| Ok(Step::Corrupt { reason, consumed });
    if crc32fast::hash(&stored) != le32(20) {
        return bad("data checksum mismatch".into());
    }
    let frame = match codec {
        Codec::Stored => stored,
        Codec::Lz4 => match crate::shuffle::decompress_frame(&stored, frame_max) {
            Ok(frame) => frame,
            Err(reason) => return bad(reason),
        },
    };
    let Some(prefix) = frame.get(..LENGTH_PREFIX_BYTES) else {
        return bad(format!("{} bytes, too short for a frame", frame.len()));
    };
    let body_len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    if body_len != frame.len() - LENGTH_PREFIX_BYTES {
        return bad(format!(
            "its frame says {body_len} bytes, the record holds {}",
            frame.len() - LENGTH_PREFIX_BYTES
        ));
    }
    let body = Bytes::from(frame).slice(LENGTH_PREFIX_BYTES..);
    Ok(Step::Record(Record {
        index,
        offset,
        file_bytes: consumed,
        time_us,
        body,
    }))
}

/// Reads until `buf` is full or the end of the input; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads the rest of the input: `Some(bytes)` when every byte is zero.
fn all_zeros<R: Read>(r: &mut R) -> std::io::Result<Option<u64>> {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    loop {
        let n = read_full(r, &mut buf)?;
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(None);
        }
        total += n as u64;
        if n < buf.len() {
            return Ok(Some(total));
        }
    }
}

#[cfg(test)]
#[path = "recording_tests.rs"]
mod tests;
