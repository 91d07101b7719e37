//! [`Parser`]: decides the input format from the first line that holds
//! something, then hands every block to the columns or JSON Lines reader.

use crate::columns::{ColumnOptions, ColumnParser};
use crate::handoff::{Block, Handoff};
use crate::jsonl::{JsonOptions, JsonParser};
use crate::problems::Problems;
use crate::sink::Sink;

/// The input format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines if the first line that is not blank or a `#` comment
    /// starts with `{`, columns otherwise.
    #[default]
    Auto,
    /// Columns of numbers.
    Columns,
    /// JSON Lines.
    Json,
}

/// Everything the parser needs to know.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The format.
    pub format: Format,
    /// How columns are read.
    pub columns: ColumnOptions,
    /// How JSON Lines are read.
    pub json: JsonOptions,
}

/// What the parser read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ParseTotals {
    /// Samples (column lines) or records (JSON objects) plotted.
    pub samples: u64,
    /// Whether the input was JSON Lines.
    pub json: bool,
}

#[derive(Debug)]
enum State {
    /// Nothing but blank and comment lines so far: kept (up to
    /// [`MAX_PENDING_BYTES`]) until a line decides the format.
    Undecided(Vec<Block>),
    Columns(ColumnParser),
    Json(JsonParser),
}

/// Comment lines kept while the format is undecided; beyond this the
/// input is taken as columns.
const MAX_PENDING_BYTES: usize = 1 << 20;

/// Reads blocks of lines in whatever format the input has.
#[derive(Debug)]
pub struct Parser {
    opts: ParseOptions,
    state: State,
}

impl Parser {
    /// A parser with these options.
    pub fn new(opts: ParseOptions) -> Self {
        let state = match opts.format {
            Format::Auto => State::Undecided(Vec::new()),
            Format::Columns => State::Columns(ColumnParser::new(opts.columns.clone())),
            Format::Json => State::Json(JsonParser::new(opts.json.clone())),
        };
        Self { opts, state }
    }

    /// Parses one block of whole lines, publishing to `sink`.
    pub fn feed(&mut self, block: Block, sink: &mut dyn Sink, problems: &Problems) {
        let mut block = Some(block);
        if let State::Undecided(pending) = &mut self.state {
            let first = block.as_ref().and_then(|b| first_content(&b.data));
            if first.is_none() {
                pending.extend(block.take());
                if pending.iter().map(|b| b.data.len()).sum::<usize>() <= MAX_PENDING_BYTES {
                    return;
                }
            }
            let json = first == Some(b'{');
            let pending = std::mem::take(pending);
            self.state = if json {
                State::Json(JsonParser::new(self.opts.json.clone()))
            } else {
                State::Columns(ColumnParser::new(self.opts.columns.clone()))
            };
            for old in pending {
                self.parse(&old, sink, problems);
            }
        }
        if let Some(block) = block {
            self.parse(&block, sink, problems);
        }
    }

    fn parse(&mut self, block: &Block, sink: &mut dyn Sink, problems: &Problems) {
        match &mut self.state {
            State::Undecided(_) => {}
            State::Columns(p) => p.feed(&block.data, block.first_line, sink, problems),
            State::Json(p) => p.feed(&block.data, block.first_line, sink, problems),
        }
    }

    /// End of input.
    pub fn finish(&mut self, problems: &Problems) -> ParseTotals {
        match &mut self.state {
            State::Undecided(_) => ParseTotals::default(),
            State::Columns(p) => {
                p.finish(problems);
                ParseTotals {
                    samples: p.rows(),
                    json: false,
                }
            }
            State::Json(p) => {
                p.finish(problems);
                ParseTotals {
                    samples: p.records(),
                    json: true,
                }
            }
        }
    }

    /// Parses every block of `handoff` until it is closed and empty.
    pub fn run(
        mut self,
        handoff: &Handoff,
        sink: &mut dyn Sink,
        problems: &Problems,
    ) -> ParseTotals {
        while let Some(block) = handoff.pop() {
            self.feed(block, sink, problems);
        }
        self.finish(problems)
    }
}

/// The first byte of the first line that is not blank or a `#` comment.
fn first_content(data: &[u8]) -> Option<u8> {
    data.split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty() && l[0] != b'#')
        .map(|l| l[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::CountingSink;

    fn block(first_line: u64, text: &str) -> Block {
        Block {
            first_line,
            lines: text.matches('\n').count() as u64,
            data: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn detects_json_after_comment_blocks() {
        let problems = Problems::with_output(0, true, Box::new(std::io::sink()));
        let mut p = Parser::new(ParseOptions::default());
        let mut sink = CountingSink::default();
        p.feed(block(1, "# a comment\n\n"), &mut sink, &problems);
        p.feed(
            block(3, "{\"a\": 1, \"b\": [1, 2]}\n"),
            &mut sink,
            &problems,
        );
        let totals = p.finish(&problems);
        assert_eq!(
            totals,
            ParseTotals {
                samples: 1,
                json: true
            }
        );
        assert_eq!((sink.points, sink.lines), (1, 1));
    }

    #[test]
    fn detects_columns_with_a_comment_header() {
        let problems = Problems::with_output(0, true, Box::new(std::io::sink()));
        let mut p = Parser::new(ParseOptions::default());
        let mut sink = CountingSink::default();
        p.feed(block(1, "# x y\n"), &mut sink, &problems);
        p.feed(block(2, "1 2\n3 4\n"), &mut sink, &problems);
        assert_eq!(
            p.finish(&problems),
            ParseTotals {
                samples: 2,
                json: false
            }
        );
        assert_eq!(sink.points, 4);
        assert_eq!(problems.counts().skipped_lines, 0);
    }
}
