//! Recording files written by hand for replay tests: messages and data
//! frames at chosen times, stored as the viewer's recorder stores what it
//! receives (each message's body, without its length prefix).
//!
//! ```
//! use plotcast_protocol::{ChannelKind, ChannelSpec, Layout, Message};
//! use plotcast_testkit::RecordingFile;
//!
//! let mut file = RecordingFile::new(0, false);
//! file.message(0, &Message::Layout(Layout {
//!     title: "small".into(),
//!     columns: 0,
//!     channels: vec![ChannelSpec::new(0, "wave", ChannelKind::Line)],
//! }));
//! assert!(!file.into_bytes().is_empty());
//! ```

use std::path::Path;

use bytes::BytesMut;
use plotcast_protocol::{
    encode, encode_data, FileHeader, Frame, FrameRef, Message, RecordWriter, LENGTH_PREFIX_BYTES,
};

/// A recording being written, in memory.
#[derive(Debug)]
pub struct RecordingFile(RecordWriter<Vec<u8>>);

impl RecordingFile {
    /// An empty recording started at `start_unix_us`, its records
    /// compressed or not (as the recorder's option).
    ///
    /// # Panics
    /// When the header cannot be written (in memory it always can).
    pub fn new(start_unix_us: u64, compressed: bool) -> Self {
        let header = FileHeader::new(start_unix_us);
        Self(RecordWriter::new(Vec::new(), &header, compressed).expect("a header in memory"))
    }

    fn body(&mut self, time_us: u64, wire: &[u8]) {
        self.0
            .write_body(time_us, &wire[LENGTH_PREFIX_BYTES..])
            .expect("a record in memory");
    }

    /// Records `msg`, received `time_us` after the start.
    ///
    /// # Panics
    /// When the message cannot be encoded.
    pub fn message(&mut self, time_us: u64, msg: &Message) {
        let wire = encode(msg).expect("test messages encode");
        self.body(time_us, &wire);
    }

    /// Records a data frame, received `time_us` after the start.
    ///
    /// # Panics
    /// When the frame cannot be encoded.
    pub fn frame(&mut self, time_us: u64, frame: &FrameRef<'_>) {
        let mut wire = BytesMut::new();
        encode_data(frame, &mut wire).expect("test frames encode");
        self.body(time_us, &wire);
    }

    /// Records an owned data frame (as [`frames`](crate::frames) builds
    /// them), received `time_us` after the start.
    ///
    /// # Panics
    /// When the frame cannot be encoded.
    pub fn data(&mut self, time_us: u64, frame: &Frame) {
        frame.with_ref(|r| self.frame(time_us, r));
    }

    /// The file's bytes.
    ///
    /// # Panics
    /// When the last record cannot be finished (in memory it always can).
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner().expect("a recording in memory")
    }

    /// Writes the file to `path` and returns its bytes.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn save(self, path: &Path) -> Vec<u8> {
        let bytes = self.into_bytes();
        std::fs::write(path, &bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        bytes
    }
}
