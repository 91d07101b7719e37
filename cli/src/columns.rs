//! Columns of numbers, one line per sample: whitespace-separated (any
//! run of spaces or tabs) or delimited (`,` detected, or `--delimiter`,
//! read with the `csv` crate: quotes, trimming).
//!
//! Before the first line of numbers, the last text line (or `#` comment)
//! with as many fields as the data is the header: it names the columns.
//! `--names` overrides it; otherwise columns are `c1`, `c2`, .... Later
//! copies of the header line (programs such as `vmstat` repeat it) are
//! skipped silently. Every column becomes an append series; `--x` makes one
//! column the x of the others, otherwise x is the sample's index.

use crate::number::{is_number, parse_field};
use crate::problems::Problems;
use crate::sink::{Routing, SeriesBatch, Sink};

/// Which column is the x axis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum XColumn {
    /// None: x is the index of the sample (0, 1, 2, ...).
    #[default]
    Index,
    /// The first column.
    First,
    /// The column with this name (or this 1-based number).
    Named(String),
}

/// How columns are read.
#[derive(Debug, Clone, Default)]
pub struct ColumnOptions {
    /// Column names given on the command line.
    pub names: Option<Vec<String>>,
    /// The x column.
    pub x: XColumn,
    /// A forced delimiter (otherwise `,` if the first data line has one,
    /// else whitespace).
    pub delimiter: Option<u8>,
    /// Which plot each column goes to.
    pub routing: Routing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Whitespace,
    Csv(u8),
}

/// A text line seen before the data: perhaps the header.
#[derive(Debug)]
struct Candidate {
    line: u64,
    text: Vec<u8>,
    fields: Vec<String>,
    comment: bool,
}

/// The columns, once the first data line fixed them.
#[derive(Debug)]
struct Layout {
    delim: Delim,
    /// The header's fields, to recognise it when it is repeated.
    header: Option<Vec<String>>,
    ncols: usize,
    x_col: Option<usize>,
    /// The batch slot of each column (`None` for the x column).
    slots: Vec<Option<usize>>,
}

/// Reads columns of numbers, block by block.
#[derive(Debug)]
pub struct ColumnParser {
    opts: ColumnOptions,
    candidate: Option<Candidate>,
    layout: Option<Layout>,
    row: u64,
    values: Vec<f64>,
    batch: SeriesBatch,
}

impl ColumnParser {
    /// A parser with these options.
    pub fn new(opts: ColumnOptions) -> Self {
        Self {
            opts,
            candidate: None,
            layout: None,
            row: 0,
            values: Vec::new(),
            batch: SeriesBatch::default(),
        }
    }

    /// Data lines read so far.
    pub fn rows(&self) -> u64 {
        self.row
    }

    /// Parses whole lines (`data`, whose first line is `first_line`) and
    /// appends their points to `sink`.
    pub fn feed(&mut self, data: &[u8], first_line: u64, sink: &mut dyn Sink, problems: &Problems) {
        let mut pos = 0;
        let mut line_no = first_line;
        while self.layout.is_none() && pos < data.len() {
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i + 1);
            self.start_line(&data[pos..end], line_no, sink, problems);
            pos = end;
            line_no += 1;
        }
        if let Some(layout) = &self.layout {
            let rest = &data[pos..];
            match layout.delim {
                Delim::Whitespace => self.whitespace_lines(rest, line_no, problems),
                Delim::Csv(d) => self.csv_lines(rest, d, line_no, problems),
            }
        }
        self.batch.flush(sink);
    }

    /// End of input: a text line never followed by data is reported.
    pub fn finish(&mut self, problems: &Problems) {
        if let Some(c) = self.candidate.take() {
            if !c.comment {
                problems.bad_line(c.line, "text, and no numbers followed", &c.text);
            }
        }
    }

    fn start_line(&mut self, line: &[u8], line_no: u64, sink: &mut dyn Sink, problems: &Problems) {
        let text = line.trim_ascii();
        if text.is_empty() {
            return;
        }
        if let Some(comment) = text.strip_prefix(b"#") {
            let comment = comment.trim_ascii_start();
            let comment = comment.strip_prefix(b"#").unwrap_or(comment);
            let delim = self.delim_of(comment);
            let fields = names_of(&split(comment, delim));
            if !fields.is_empty() {
                self.set_candidate(
                    Candidate {
                        line: line_no,
                        text: text.to_vec(),
                        fields,
                        comment: true,
                    },
                    problems,
                );
            }
            return;
        }
        let delim = self.delim_of(text);
        let fields = split(text, delim);
        if fields.iter().all(|f| is_number(f)) {
            self.establish(delim, fields.len(), sink, problems);
            let refs = fields.iter().map(Vec::as_slice);
            self.data_line(refs, line_no, LineText::Is(text), problems);
        } else {
            self.set_candidate(
                Candidate {
                    line: line_no,
                    text: text.to_vec(),
                    fields: names_of(&fields),
                    comment: false,
                },
                problems,
            );
        }
    }

    fn delim_of(&self, text: &[u8]) -> Delim {
        match self.opts.delimiter {
            Some(d) => Delim::Csv(d),
            None if text.contains(&b',') => Delim::Csv(b','),
            None => Delim::Whitespace,
        }
    }

    /// Keeps the newest text line as the header candidate; an older text
    /// line that was not a comment was not data either: reported.
    fn set_candidate(&mut self, new: Candidate, problems: &Problems) {
        if let Some(old) = self.candidate.replace(new) {
            if !old.comment {
                problems.bad_line(old.line, "text before the data", &old.text);
            }
        }
    }

    fn establish(&mut self, delim: Delim, ncols: usize, sink: &mut dyn Sink, problems: &Problems) {
        let candidate = self.candidate.take();
        let mut header = None;
        let mut names: Vec<String> = match (&self.opts.names, candidate) {
            (Some(names), c) => {
                if let Some(c) = c.filter(|c| c.fields.len() == ncols) {
                    header = Some(c.fields);
                }
                names.iter().take(ncols).cloned().collect()
            }
            (None, Some(c)) if c.fields.len() == ncols => {
                header = Some(c.fields.clone());
                c.fields
            }
            (None, Some(c)) => {
                if !c.comment {
                    let why = format!(
                        "text with {} fields before data with {ncols}",
                        c.fields.len()
                    );
                    problems.bad_line(c.line, why, &c.text);
                }
                Vec::new()
            }
            (None, None) => Vec::new(),
        };
        unique_names(&mut names, ncols);
        let x_col = match &self.opts.x {
            XColumn::Index => None,
            XColumn::First => Some(0),
            XColumn::Named(name) => {
                let by_number = name
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=ncols).contains(n));
                let found = names
                    .iter()
                    .position(|n| n == name)
                    .or(by_number.map(|n| n - 1));
                if found.is_none() {
                    problems.note(format_args!(
                        "--x {name}: no such column (columns: {}); x is the line's index",
                        names.join(", ")
                    ));
                }
                found
            }
        };
        if let Some(x) = x_col {
            sink.x_name(&names[x]);
        }
        let slots = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                (Some(i) != x_col).then(|| {
                    let (plot, series) = self.opts.routing.route(name);
                    self.batch.slot(&plot, &series)
                })
            })
            .collect();
        self.layout = Some(Layout {
            delim,
            header,
            ncols,
            x_col,
            slots,
        });
    }

    fn whitespace_lines(&mut self, data: &[u8], first_line: u64, problems: &Problems) {
        for (line_no, line) in (first_line..).zip(data.split_inclusive(|&b| b == b'\n')) {
            let text = line.trim_ascii();
            if !text.is_empty() && text[0] != b'#' {
                let fields = text
                    .split(u8::is_ascii_whitespace)
                    .filter(|f| !f.is_empty());
                self.data_line(fields, line_no, LineText::Is(text), problems);
            }
        }
    }

    fn csv_lines(&mut self, data: &[u8], delim: u8, first_line: u64, problems: &Problems) {
        let mut reader = csv_reader(delim, data);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(err) => {
                    // Reading a byte slice fails only on malformed quoting
                    // at the very end; report it and stop this block.
                    let line = err.position().map_or(0, csv::Position::line);
                    problems.bad_line(first_line + line.saturating_sub(1), err, b"");
                    break;
                }
            }
            let (line, start) = record
                .position()
                .map_or((1, 0), |p| (p.line(), p.byte() as usize));
            if record
                .get(0)
                .is_some_and(|f| f.trim_ascii_start().starts_with(b"#"))
            {
                continue;
            }
            let line_no = first_line + line.saturating_sub(1);
            // The line's text is needed only for a report: found lazily.
            let text = LineText::At { data, start };
            self.data_line(record.iter(), line_no, text, problems);
        }
    }

    /// One line of fields: a sample, or a reported problem.
    fn data_line<'f>(
        &mut self,
        fields: impl Iterator<Item = &'f [u8]>,
        line_no: u64,
        text: LineText<'_>,
        problems: &Problems,
    ) {
        let text = || text.get();
        let Some(layout) = &self.layout else {
            return;
        };
        self.values.clear();
        let mut bad: Option<&[u8]> = None;
        for f in fields {
            match parse_field(f) {
                Some(v) => self.values.push(v),
                None => {
                    bad.get_or_insert(f);
                    self.values.push(f64::NAN);
                }
            }
        }
        if let Some(field) = bad {
            let text = text();
            if self.is_header_again(text) {
                return;
            }
            // The line is quoted once: a one-field line is not named twice.
            let why = if field.trim_ascii() == text {
                "not a number".to_owned()
            } else {
                format!("\"{}\" is not a number", String::from_utf8_lossy(field))
            };
            problems.bad_line(line_no, why, text);
            return;
        }
        if self.values.len() != layout.ncols {
            let n = self.values.len();
            let why = format!("{n} field{} instead of {}", plural(n), layout.ncols);
            problems.bad_line(line_no, why, text());
            return;
        }
        let x = layout.x_col.map_or(self.row as f64, |c| self.values[c]);
        if x.is_nan() {
            problems.bad_line(line_no, "the x value is missing or not finite", text());
            return;
        }
        for (slot, &y) in layout.slots.iter().zip(&self.values) {
            if let Some(slot) = *slot {
                self.batch.push(slot, x, y);
            }
        }
        self.row += 1;
    }

    fn is_header_again(&self, text: &[u8]) -> bool {
        let Some(layout) = &self.layout else {
            return false;
        };
        let Some(header) = &layout.header else {
            return false;
        };
        names_of(&split(text, layout.delim)) == *header
    }
}

/// A line's text, for reports and the repeated-header check.
#[derive(Clone, Copy)]
enum LineText<'a> {
    /// The text itself.
    Is(&'a [u8]),
    /// The line starting at byte `start` of `data`.
    At { data: &'a [u8], start: usize },
}

impl<'a> LineText<'a> {
    fn get(self) -> &'a [u8] {
        match self {
            Self::Is(text) => text,
            Self::At { data, start } => {
                let rest = data.get(start..).unwrap_or_default();
                rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())].trim_ascii()
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn csv_reader(delim: u8, data: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(data)
}

/// The fields of one line (copied: used before the data starts and when a
/// line is checked against the header).
fn split(text: &[u8], delim: Delim) -> Vec<Vec<u8>> {
    match delim {
        Delim::Whitespace => text
            .split(u8::is_ascii_whitespace)
            .filter(|f| !f.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
        Delim::Csv(d) => {
            let mut record = csv::ByteRecord::new();
            match csv_reader(d, text).read_byte_record(&mut record) {
                Ok(true) => record.iter().map(<[u8]>::to_vec).collect(),
                _ => Vec::new(),
            }
        }
    }
}

fn names_of(fields: &[Vec<u8>]) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            let f = f.trim_ascii();
            let f = f
                .strip_prefix(b"\"")
                .and_then(|f| f.strip_suffix(b"\""))
                .unwrap_or(f);
            String::from_utf8_lossy(f).into_owned()
        })
        .collect()
}

/// Pads `names` to `n` with `c1`, `c2`, ... and makes them unique (a plot
/// per name).
fn unique_names(names: &mut Vec<String>, n: usize) {
    for i in names.len()..n {
        names.push(format!("c{}", i + 1));
    }
    for i in 0..n {
        if names[i].is_empty() {
            names[i] = format!("c{}", i + 1);
        }
        if names[..i].contains(&names[i]) {
            names[i] = format!("{} ({})", names[i], i + 1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::problems::Said;
    use std::collections::BTreeMap;

    /// Records every point per plot/series.
    #[derive(Default)]
    struct Rec {
        points: BTreeMap<(String, String), Vec<(f64, f64)>>,
        x_name: Option<String>,
    }
    impl Sink for Rec {
        fn series(&mut self, plot: &str, series: &str, x: &[f64], y: &[f64]) {
            let v = self.points.entry((plot.into(), series.into())).or_default();
            v.extend(x.iter().copied().zip(y.iter().copied()));
        }
        fn line(&mut self, _: &str, _: &[plotcast::Trace<'_>]) {}
        fn heatmap(&mut self, _: &str, _: &[f64], _: usize, _: usize) {}
        fn x_name(&mut self, name: &str) {
            self.x_name = Some(name.into());
        }
    }

    fn quiet() -> Problems {
        Problems::with_output(0, true, Box::new(std::io::sink()))
    }

    fn parse(opts: ColumnOptions, chunks: &[&str]) -> (Rec, Problems) {
        let mut p = ColumnParser::new(opts);
        let mut sink = Rec::default();
        let problems = quiet();
        let mut line = 1;
        for c in chunks {
            p.feed(c.as_bytes(), line, &mut sink, &problems);
            line += c.matches('\n').count() as u64;
        }
        p.finish(&problems);
        (sink, problems)
    }

    fn ys(rec: &Rec, plot: &str) -> Vec<f64> {
        rec.points[&(plot.to_owned(), String::new())]
            .iter()
            .map(|p| p.1)
            .collect()
    }

    #[test]
    fn whitespace_with_header_and_x() {
        let opts = ColumnOptions {
            x: XColumn::First,
            ..Default::default()
        };
        let (rec, problems) = parse(
            opts,
            &["t  energy\tres\n", "0 1.5 1e-3\n1 2.5 nan\n", "2 3.5 \n"],
        );
        assert_eq!(rec.x_name.as_deref(), Some("t"));
        assert_eq!(
            rec.points[&("energy".into(), String::new())],
            vec![(0.0, 1.5), (1.0, 2.5)]
        );
        let res = ys(&rec, "res");
        assert_eq!(res.len(), 2);
        assert!(res[1].is_nan(), "nan is a gap");
        assert_eq!(
            problems.counts().skipped_lines,
            1,
            "a short line is malformed"
        );
    }

    #[test]
    fn csv_with_gaps_quotes_and_comments() {
        let (rec, problems) = parse(
            ColumnOptions::default(),
            &["# a comment\n\"a\", \"b\"\n1,2\n", "# more\n3,\n,4\n5,x\n"],
        );
        assert_eq!(ys(&rec, "a")[..2], [1.0, 3.0]);
        assert!(ys(&rec, "a")[2].is_nan());
        assert!(ys(&rec, "b")[1].is_nan());
        assert_eq!(problems.counts().skipped_lines, 1, "5,x");
    }

    #[test]
    fn default_names_and_comment_header() {
        let (rec, _) = parse(ColumnOptions::default(), &["1 2 3\n4 5 6\n"]);
        assert_eq!(ys(&rec, "c3"), vec![3.0, 6.0]);
        let (rec, _) = parse(ColumnOptions::default(), &["# step  loss\n0 1\n1 0.5\n"]);
        assert_eq!(ys(&rec, "loss"), vec![1.0, 0.5]);
        assert_eq!(
            rec.points[&("loss".into(), String::new())][1].0,
            1.0,
            "x is the index"
        );
    }

    #[test]
    fn names_option_and_x_by_name() {
        let opts = ColumnOptions {
            names: Some(vec!["a".into(), "b".into()]),
            x: XColumn::Named("b".into()),
            ..Default::default()
        };
        let (rec, _) = parse(opts, &["x y z\n1 10 100\n2 20 200\n"]);
        assert_eq!(rec.x_name.as_deref(), Some("b"));
        assert_eq!(
            rec.points[&("c3".into(), String::new())],
            vec![(10.0, 100.0), (20.0, 200.0)]
        );
    }

    #[test]
    fn preamble_is_reported_and_repeated_header_skipped() {
        let (rec, problems) = parse(
            ColumnOptions::default(),
            &["procs ---memory---\n", "r b free\n1 2 3\nr b free\n4 5 6\n"],
        );
        assert_eq!(ys(&rec, "free"), vec![3.0, 6.0]);
        assert_eq!(problems.counts().skipped_lines, 1, "only the preamble line");
    }

    #[test]
    fn field_count_changes_are_reported_with_line_numbers() {
        let out = Said::default();
        let problems = out.problems(10);
        let mut p = ColumnParser::new(ColumnOptions::default());
        let mut sink = Rec::default();
        p.feed(b"1 2\n3\n\n4 5 6\n7 8\n", 1, &mut sink, &problems);
        p.feed(b"1,5 2\n", 6, &mut sink, &problems);
        let text = out.text();
        assert!(
            text.contains("line 2: 1 field instead of 2: \"3\""),
            "{text}"
        );
        assert!(text.contains("line 4: 3 fields instead of 2"), "{text}");
        assert!(text.contains("line 6: \"1,5\" is not a number"), "{text}");
        assert_eq!(ys(&sink, "c2"), vec![2.0, 8.0]);
    }

    #[test]
    fn a_bad_line_is_quoted_once() {
        let out = Said::default();
        let problems = out.problems(10);
        let mut p = ColumnParser::new(ColumnOptions::default());
        p.feed(b"1\nfoo\n2\n", 1, &mut Rec::default(), &problems);
        let mut p = ColumnParser::new(ColumnOptions::default());
        p.feed(b"1 2\n3 oops\n", 1, &mut Rec::default(), &problems);
        let text = out.text();
        assert!(text.contains("line 2: not a number: \"foo\"\n"), "{text}");
        assert_eq!(text.matches("foo").count(), 1, "{text}");
        assert!(
            text.contains("line 2: \"oops\" is not a number: \"3 oops\""),
            "the field and the line it is in: {text}"
        );
    }

    #[test]
    fn routing_groups_columns() {
        let opts = ColumnOptions {
            routing: Routing {
                overlay: None,
                groups: vec![("energy".into(), vec!["kin".into(), "pot".into()])],
            },
            ..Default::default()
        };
        let (rec, _) = parse(opts, &["kin pot res\n1 2 3\n"]);
        let keys: Vec<_> = rec.points.keys().cloned().collect();
        assert_eq!(
            keys,
            vec![
                ("energy".into(), "kin".into()),
                ("energy".into(), "pot".into()),
                ("res".into(), String::new())
            ]
        );
    }

    #[test]
    fn unique_names_pad_and_dedupe() {
        let mut n = vec!["a".to_owned(), "a".into(), String::new()];
        unique_names(&mut n, 4);
        assert_eq!(n, ["a", "a (2)", "c3", "c4"]);
    }
}
