//! plotcast-cli: the `plotcast` command, live plots of any program's
//! printed numbers, read from stdin (`plotcast pipe`) or from a command it
//! runs (`plotcast run -- CMD`), published through the `plotcast` server
//! library, which launches the viewer.
//!
//! The pipeline has two threads: a reader drains the input as fast as it
//! comes and hands whole lines over a bounded, never-blocking [`Handoff`];
//! a parser reads columns or JSON Lines and publishes to the server's
//! channels (which never waits for a viewer). So the producer is never
//! slowed by plotting; if it outruns the parser, the oldest unparsed lines
//! are dropped (latest value wins) and counted.
//!
//! ```
//! use plotcast_cli::{CountingSink, Handoff, Parser, ParseOptions, Problems};
//! use plotcast_cli::handoff::Block;
//!
//! let handoff = Handoff::default();
//! handoff.push(Block { first_line: 1, lines: 3, data: b"t e\n0 1.5\n1 2.5\n".to_vec() });
//! handoff.close();
//! let problems = Problems::new(5, true);
//! let mut sink = CountingSink::default();
//! let totals = Parser::new(ParseOptions::default()).run(&handoff, &mut sink, &problems);
//! assert_eq!((totals.samples, sink.points), (2, 4));
//! ```
//!
//! Layout:
//! - `reader`: [`read_input`], the reader thread's loop (`poll`, cancel).
//! - `handoff`: [`Handoff`], the bounded queue of whole lines.
//! - `parser`: [`Parser`], format detection and dispatch.
//! - `columns`: columns of numbers (whitespace or delimited, header).
//! - `jsonl`: JSON Lines records.
//! - `number`: what text is a number, a gap, or neither.
//! - `sink`: [`Sink`], [`SeriesBatch`], [`Routing`] (columns to plots).
//! - `plots`: [`Plots`], the sink over a running server.
//! - `plot_options`: [`PlotOptions`] and the command-line value syntax.
//! - `problems`: [`Problems`], bad lines counted and reported.

#![warn(missing_docs)]

pub mod columns;
pub mod handoff;
pub mod jsonl;
pub mod number;
pub mod parser;
pub mod plot_options;
pub mod plots;
pub mod problems;
pub mod reader;
pub mod sink;

pub use columns::{ColumnOptions, ColumnParser, XColumn};
pub use handoff::Handoff;
pub use jsonl::{JsonOptions, JsonParser};
pub use parser::{Format, ParseOptions, ParseTotals, Parser};
pub use plot_options::{OptionError, PlotOptions, Targeted, Targets};
pub use plots::Plots;
pub use problems::{Counts, Problems};
pub use reader::{read_input, ReadTotals, ReaderConfig};
pub use sink::{CountingSink, Routing, SeriesBatch, Sink};
