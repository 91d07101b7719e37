//! JSON Lines: one object per line, read with `serde_json` straight into
//! flat `f64` buffers (no intermediate `serde_json::Value` tree).
//!
//! What each key's value becomes:
//!
//! ```text
//! {"t": 0.5, "loss": 0.12}            scalars: points of append series (x: "t" or --x KEY, else the record's index)
//! {"profile": [1, 2, 3]}              1-D array: a line snapshot (x: the top-level x key, if it holds an array of equal length)
//! {"T": [[1, 2], [3, 4]]}             2-D array (a list of rows): a heatmap snapshot
//! {"loss": {"train": 1, "val": 2}}    object of scalars: one plot, a series per inner key
//! {"u": {"x": [..], "a": [..], ..}}   object of arrays: one line plot, a trace per inner key ("x" is their x)
//! ```
//!
//! `null` is a gap; so are `NaN` and `Infinity`, which Python's `json`
//! writes although JSON has no such tokens. Strings and booleans are
//! ignored (said once per key).
//!
//! Plots appear in the order of their keys, as the first record holding
//! each key lists them (a key first seen later comes after the ones seen
//! before it): records are read key by key, in order, never through a map.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use plotcast::Trace;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::problems::Problems;
use crate::sink::{Routing, SeriesBatch, Sink};

/// How JSON Lines are read.
#[derive(Debug, Clone, Default)]
pub struct JsonOptions {
    /// The key whose scalar is the x of the other scalars (default `t`).
    pub x_key: Option<String>,
    /// Which plot each scalar key goes to.
    pub routing: Routing,
}

/// One value of a record.
#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    /// A number; `null` is a NaN (a gap).
    Number(f64),
    /// A 1-D array of numbers.
    Array(Vec<f64>),
    /// A 2-D array: `ny` rows of `nx` numbers, row-major.
    Grid {
        /// The numbers.
        values: Vec<f64>,
        /// Row length.
        nx: usize,
        /// Number of rows.
        ny: usize,
    },
    /// A nested object.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
    /// Anything else, described (`"a string"`, `"a ragged array"`).
    Other(&'static str),
}

/// One line's object, keys in order.
#[derive(Debug, PartialEq)]
pub struct Record<'a>(pub Vec<(Cow<'a, str>, Value<'a>)>);

/// Reads JSON Lines, block by block.
#[derive(Debug)]
pub struct JsonParser {
    x_key: String,
    /// Whether `--x` named the x key (the default, `t`, may be absent).
    x_given: bool,
    /// Whether some record held the x key.
    x_seen: bool,
    /// The keys of the first record, to list when `--x` names none of them.
    first_keys: Vec<String>,
    routing: Routing,
    /// Records read (the x of records without the x key).
    index: u64,
    x_named: bool,
    batch: SeriesBatch,
    /// Batch slot per top-level scalar key.
    slots: HashMap<String, usize>,
    /// The slots of the last record's keys by position: producers print
    /// their keys in the same order every line, so a string comparison
    /// usually finds the slot without hashing.
    recent: Vec<(String, usize)>,
    /// Batch slot per (object key, inner key).
    nested_slots: HashMap<String, HashMap<String, usize>>,
    /// The batch holds points of a series the sink has not heard of yet.
    unsent_new_slot: bool,
}

impl JsonParser {
    /// A parser with these options.
    pub fn new(opts: JsonOptions) -> Self {
        Self {
            x_given: opts.x_key.is_some(),
            x_key: opts.x_key.unwrap_or_else(|| "t".to_owned()),
            x_seen: false,
            first_keys: Vec::new(),
            routing: opts.routing,
            index: 0,
            x_named: false,
            batch: SeriesBatch::default(),
            slots: HashMap::new(),
            recent: Vec::new(),
            nested_slots: HashMap::new(),
            unsent_new_slot: false,
        }
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.index
    }

    /// End of input: a `--x` key that no record held is said, with the
    /// keys there were.
    pub fn finish(&mut self, problems: &Problems) {
        if self.x_given && !self.x_seen && self.index > 0 {
            let key = &self.x_key;
            problems.note(format_args!(
                "--x {key}: no record has the key \"{key}\" (the first record's keys: {}); x was the record's index",
                self.first_keys.join(", ")
            ));
        }
    }

    /// Parses whole lines (`data`, whose first line is `first_line`).
    pub fn feed(&mut self, data: &[u8], first_line: u64, sink: &mut dyn Sink, problems: &Problems) {
        for (line_no, line) in (first_line..).zip(data.split_inclusive(|&b| b == b'\n')) {
            let text = line.trim_ascii();
            if !text.is_empty() && text[0] != b'#' {
                self.line(text, line_no, sink, problems);
            }
        }
        self.flush(sink);
    }

    fn flush(&mut self, sink: &mut dyn Sink) {
        self.batch.flush(sink);
        self.unsent_new_slot = false;
    }

    /// Before a snapshot (an array, a grid) goes to the sink: plots appear
    /// in the order of their keys, and scalars wait in the batch until the
    /// end of the block, so a batch holding a series the sink has not heard
    /// of goes first. Once every key has been seen this costs nothing.
    fn before_snapshot(&mut self, sink: &mut dyn Sink) {
        if self.unsent_new_slot {
            self.flush(sink);
        }
    }

    fn line(&mut self, text: &[u8], line_no: u64, sink: &mut dyn Sink, problems: &Problems) {
        match serde_json::from_slice::<Record<'_>>(text) {
            Ok(record) => self.record(record, line_no, text, sink, problems),
            Err(err) => match python_tokens_as_null(text) {
                Some(fixed) => match serde_json::from_slice::<Record<'_>>(&fixed) {
                    Ok(record) => self.record(record, line_no, text, sink, problems),
                    Err(_) => problems.bad_line(line_no, not_json(&err), text),
                },
                None => problems.bad_line(line_no, not_json(&err), text),
            },
        }
    }

    fn record(
        &mut self,
        record: Record<'_>,
        line_no: u64,
        text: &[u8],
        sink: &mut dyn Sink,
        problems: &Problems,
    ) {
        if self.index == 0 {
            self.first_keys = record.0.iter().map(|(k, _)| k.to_string()).collect();
        }
        let x_value = record
            .0
            .iter()
            .find(|(k, _)| *k == self.x_key)
            .map(|(_, v)| v);
        self.x_seen |= x_value.is_some();
        let (x, x_array) = match x_value {
            Some(Value::Number(x)) if x.is_finite() => (*x, None),
            Some(Value::Number(_)) => {
                problems.bad_line(
                    line_no,
                    format!("\"{}\" (x) is not finite", self.x_key),
                    text,
                );
                return;
            }
            Some(Value::Array(xs)) => (self.index as f64, Some(xs.as_slice())),
            _ => (self.index as f64, None),
        };
        if matches!(x_value, Some(Value::Number(_))) && !self.x_named {
            self.x_named = true;
            sink.x_name(&self.x_key);
        }
        for (pos, (key, value)) in record.0.iter().enumerate() {
            if *key == self.x_key {
                continue;
            }
            match value {
                Value::Number(y) => {
                    let slot = self.scalar_slot(pos, key);
                    self.batch.push(slot, x, *y);
                }
                Value::Array(y) => {
                    self.before_snapshot(sink);
                    let x = x_array.filter(|xs| xs.len() == y.len());
                    sink.line(key, &[Trace { name: "", x, y }]);
                }
                Value::Grid { values, nx, ny } => {
                    self.before_snapshot(sink);
                    sink.heatmap(key, values, *nx, *ny);
                }
                Value::Object(inner) => self.object(key, inner, x, sink, problems),
                Value::Other(what) => problems.note_once(
                    key,
                    format_args!("ignoring \"{key}\": {what}, not a number or an array of numbers"),
                ),
            }
        }
        self.index += 1;
    }

    /// The batch slot of top-level scalar `key`, at position `pos` of its
    /// record.
    fn scalar_slot(&mut self, pos: usize, key: &str) -> usize {
        if let Some((k, slot)) = self.recent.get(pos) {
            if k == key {
                return *slot;
            }
        }
        let slot = match self.slots.get(key) {
            Some(&slot) => slot,
            None => {
                let (plot, series) = self.routing.route(key);
                let slot = self.batch.slot(&plot, &series);
                self.slots.insert(key.to_owned(), slot);
                self.unsent_new_slot = true;
                slot
            }
        };
        if self.recent.len() <= pos {
            self.recent.resize(pos + 1, (String::new(), 0));
        }
        self.recent[pos] = (key.to_owned(), slot);
        slot
    }

    /// A nested object: one plot holding several series or traces.
    fn object(
        &mut self,
        key: &str,
        inner: &[(Cow<'_, str>, Value<'_>)],
        x: f64,
        sink: &mut dyn Sink,
        problems: &Problems,
    ) {
        if inner.iter().all(|(_, v)| matches!(v, Value::Number(_))) {
            for (name, value) in inner {
                let Value::Number(y) = value else { continue };
                let slots = self.nested_slots.entry(key.to_owned()).or_default();
                let slot = match slots.get(name.as_ref()) {
                    Some(&slot) => slot,
                    None => {
                        let slot = self.batch.slot(key, name);
                        slots.insert(name.to_string(), slot);
                        self.unsent_new_slot = true;
                        slot
                    }
                };
                self.batch.push(slot, x, *y);
            }
        } else if inner.iter().all(|(_, v)| matches!(v, Value::Array(_))) {
            let xs = inner.iter().find_map(|(k, v)| match v {
                Value::Array(xs) if k == "x" => Some(xs.as_slice()),
                _ => None,
            });
            let traces: Vec<Trace<'_>> = inner
                .iter()
                .filter(|(k, _)| k != "x" || xs.is_none())
                .filter_map(|(k, v)| match v {
                    Value::Array(y) => Some(Trace {
                        name: k,
                        x: xs.filter(|xs| xs.len() == y.len()),
                        y,
                    }),
                    _ => None,
                })
                .collect();
            self.before_snapshot(sink);
            sink.line(key, &traces);
        } else {
            problems.note_once(
                key,
                format_args!(
                    "ignoring \"{key}\": an object must hold only numbers (series) or only 1-D arrays (traces)"
                ),
            );
        }
    }
}

/// Why a line is not a record, in the report's terms: serde_json counts
/// lines within the text it was given (always "line 1" here), so only the
/// column is kept.
fn not_json(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let place = format!(" at line {} column {}", err.line(), err.column());
    let what = text.strip_suffix(&place).unwrap_or(&text);
    match err.column() {
        0 => format!("not a JSON object ({what})"),
        column => format!("not a JSON object ({what}, column {column})"),
    }
}

/// The line with Python's `NaN`, `Infinity` and `-Infinity` (outside
/// strings) replaced by `null`; `None` if it has none.
fn python_tokens_as_null(text: &[u8]) -> Option<Vec<u8>> {
    if memchr::memmem::find(text, b"NaN").is_none()
        && memchr::memmem::find(text, b"Infinity").is_none()
    {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < text.len() {
        let b = text[i];
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let token = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| text[i..].starts_with(t));
        match (b, token) {
            (b'"', _) => {
                in_string = true;
                out.push(b);
                i += 1;
            }
            (_, Some(t)) => {
                out.extend_from_slice(b"null");
                i += t.len();
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

impl<'de> Deserialize<'de> for Record<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = Record<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Record<'de>, A::Error> {
                fields(map).map(Record)
            }
        }
        d.deserialize_map(RecordVisitor)
    }
}

type Fields<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

fn fields<'de, A: MapAccess<'de>>(mut map: A) -> Result<Fields<'de>, A::Error> {
    let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
    while let Some(Key(key)) = map.next_key()? {
        out.push((key, map.next_value()?));
    }
    Ok(out)
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Value<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value<'de>, E> {
        Ok(Value::Number(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value<'de>, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Number(f64::NAN))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value<'de>, E> {
        Ok(Value::Other("a boolean"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Value<'de>, E> {
        Ok(Value::Other("a string"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value<'de>, A::Error> {
        fields(map).map(Value::Object)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut flat = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        let mut shape = Shape::Empty;
        while let Some(elem) = seq.next_element_seed(Elem(&mut flat))? {
            shape = shape.add(elem);
        }
        Ok(match shape {
            Shape::Empty | Shape::Numbers => Value::Array(flat),
            Shape::Rows { nx, ny } => Value::Grid {
                values: flat,
                nx,
                ny,
            },
            Shape::Bad(what) => Value::Other(what),
        })
    }
}

/// The shape of an array, element by element.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Empty,
    Numbers,
    Rows { nx: usize, ny: usize },
    Bad(&'static str),
}

/// What one array element was.
enum ElemKind {
    Number,
    Row(usize),
    Bad(&'static str),
}

impl Shape {
    fn add(self, elem: ElemKind) -> Self {
        match (self, elem) {
            (Self::Bad(w), _) | (_, ElemKind::Bad(w)) => Self::Bad(w),
            (Self::Empty | Self::Numbers, ElemKind::Number) => Self::Numbers,
            (Self::Empty, ElemKind::Row(nx)) => Self::Rows { nx, ny: 1 },
            (Self::Rows { nx, ny }, ElemKind::Row(n)) if n == nx => Self::Rows { nx, ny: ny + 1 },
            (Self::Rows { .. }, ElemKind::Row(_)) => {
                Self::Bad("an array of rows of different lengths")
            }
            _ => Self::Bad("an array mixing numbers and arrays"),
        }
    }
}

/// Deserializes one array element, appending its numbers to the flat
/// buffer.
struct Elem<'v>(&'v mut Vec<f64>);

impl<'de> DeserializeSeed<'de> for Elem<'_> {
    type Value = ElemKind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ElemKind, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Elem<'_> {
    type Value = ElemKind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or an array of numbers")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ElemKind, E> {
        self.0.push(v);
        Ok(ElemKind::Number)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ElemKind, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ElemKind, E> {
        self.visit_f64(v as f64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<ElemKind, E> {
        self.visit_f64(f64::NAN)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<ElemKind, E> {
        Ok(ElemKind::Bad("an array holding non-numbers"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<ElemKind, E> {
        Ok(ElemKind::Bad("an array holding non-numbers"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ElemKind, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ElemKind::Bad("an array holding objects"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ElemKind, A::Error> {
        let mut n = 0;
        let mut bad = None;
        while let Some(ok) = seq.next_element_seed(Cell(&mut *self.0))? {
            n += 1;
            if !ok {
                bad = Some("an array nested deeper than rows of numbers");
            }
        }
        Ok(bad.map_or(ElemKind::Row(n), ElemKind::Bad))
    }
}

/// One number of a row; `false` for anything else (consumed and ignored).
struct Cell<'v>(&'v mut Vec<f64>);

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        self.0.push(v);
        Ok(true)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        self.visit_f64(v as f64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        self.visit_f64(f64::NAN)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::problems::Said;
    use std::collections::BTreeMap;

    fn rec(text: &str) -> Record<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn values_take_their_shapes() {
        let r = rec(
            r#"{"t": 1, "a": -2.5, "n": null, "p": [1, 2], "g": [[1, 2], [3, 4], [5, 6]], "s": "x", "b": true}"#,
        );
        let get = |k: &str| {
            r.0.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v)
                .unwrap()
        };
        assert_eq!(get("t"), &Value::Number(1.0));
        assert_eq!(get("a"), &Value::Number(-2.5));
        assert!(matches!(get("n"), Value::Number(v) if v.is_nan()));
        assert_eq!(get("p"), &Value::Array(vec![1.0, 2.0]));
        assert_eq!(
            get("g"),
            &Value::Grid {
                values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                nx: 2,
                ny: 3
            }
        );
        assert_eq!(get("s"), &Value::Other("a string"));
        assert_eq!(get("b"), &Value::Other("a boolean"));
    }

    #[test]
    fn bad_arrays_are_described() {
        for (text, what) in [
            (r#"{"a": [[1, 2], [3]]}"#, "rows of different lengths"),
            (r#"{"a": [1, [2]]}"#, "mixing"),
            (r#"{"a": [[[1]]]}"#, "deeper"),
            (r#"{"a": ["x"]}"#, "non-numbers"),
            (r#"{"a": [{"b": 1}]}"#, "objects"),
        ] {
            match &rec(text).0[0].1 {
                Value::Other(w) => assert!(w.contains(what), "{text}: {w}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_lines_say_where_in_the_line() {
        let out = Said::default();
        let problems = out.problems(10);
        let mut p = JsonParser::new(JsonOptions::default());
        p.feed(
            b"{\"a\": 1}\nx\n{\"a\": tru}\n",
            1,
            &mut Rec::default(),
            &problems,
        );
        let text = out.text();
        assert!(
            text.contains("line 2: not a JSON object (expected value, column 1): \"x\""),
            "{text}"
        );
        assert!(
            text.contains("line 3: not a JSON object (expected ident, column 10)"),
            "{text}"
        );
        assert!(
            !text.contains("line 1 column"),
            "serde's own line number is noise: {text}"
        );
    }

    #[test]
    fn python_nan_and_infinity_become_null() {
        let fixed = python_tokens_as_null(br#"{"a": NaN, "b": -Infinity, "s": "NaN"}"#).unwrap();
        assert_eq!(fixed, br#"{"a": null, "b": null, "s": "NaN"}"#);
        assert!(python_tokens_as_null(br#"{"a": 1}"#).is_none());
    }

    /// name, x, y
    type OwnedTrace = (String, Option<Vec<f64>>, Vec<f64>);

    #[derive(Default)]
    struct Rec {
        series: BTreeMap<(String, String), Vec<(f64, f64)>>,
        lines: Vec<(String, Vec<OwnedTrace>)>,
        heatmaps: Vec<(String, usize, usize)>,
        x_name: Option<String>,
    }
    impl Sink for Rec {
        fn series(&mut self, plot: &str, series: &str, x: &[f64], y: &[f64]) {
            let v = self.series.entry((plot.into(), series.into())).or_default();
            v.extend(x.iter().copied().zip(y.iter().copied()));
        }
        fn line(&mut self, plot: &str, traces: &[Trace<'_>]) {
            let t = traces
                .iter()
                .map(|t| (t.name.to_owned(), t.x.map(<[f64]>::to_vec), t.y.to_vec()))
                .collect();
            self.lines.push((plot.into(), t));
        }
        fn heatmap(&mut self, plot: &str, values: &[f64], nx: usize, ny: usize) {
            assert_eq!(values.len(), nx * ny);
            self.heatmaps.push((plot.into(), nx, ny));
        }
        fn x_name(&mut self, name: &str) {
            self.x_name = Some(name.into());
        }
    }

    fn run(opts: JsonOptions, text: &str) -> (Rec, Problems) {
        let mut p = JsonParser::new(opts);
        let mut sink = Rec::default();
        let problems = Problems::with_output(0, true, Box::new(std::io::sink()));
        p.feed(text.as_bytes(), 1, &mut sink, &problems);
        (sink, problems)
    }

    #[test]
    fn records_become_series_lines_and_heatmaps() {
        let text = concat!(
            r#"{"t": 0.5, "loss": 1, "acc": {"train": 0.1, "val": 0.2}, "w": [1, 2, 3], "T": [[1, 2], [3, 4]]}"#,
            "\n",
            r#"{"t": 1.5, "loss": NaN}"#,
            "\n",
            "not json\n",
            r#"{"loss": 3, "u": {"x": [0, 1], "a": [5, 6], "b": [7, 8]}}"#,
            "\n",
        );
        let (rec, problems) = run(JsonOptions::default(), text);
        assert_eq!(rec.x_name.as_deref(), Some("t"));
        let loss = &rec.series[&("loss".into(), String::new())];
        assert_eq!(loss[0], (0.5, 1.0));
        assert!(loss[1].0 == 1.5 && loss[1].1.is_nan(), "NaN is a gap");
        assert_eq!(loss[2], (2.0, 3.0), "no t: the record's index");
        assert_eq!(rec.series[&("acc".into(), "val".into())], vec![(0.5, 0.2)]);
        assert_eq!(
            rec.lines[0],
            ("w".into(), vec![(String::new(), None, vec![1.0, 2.0, 3.0])])
        );
        assert_eq!(
            rec.lines[1],
            (
                "u".into(),
                vec![
                    ("a".into(), Some(vec![0.0, 1.0]), vec![5.0, 6.0]),
                    ("b".into(), Some(vec![0.0, 1.0]), vec![7.0, 8.0])
                ]
            )
        );
        assert_eq!(rec.heatmaps, vec![("T".into(), 2, 2)]);
        assert_eq!(problems.counts().skipped_lines, 1);
    }

    /// Plot names in the order the sink first heard of them.
    #[derive(Default)]
    struct Order(Vec<String>);
    impl Order {
        fn saw(&mut self, plot: &str) {
            if !self.0.iter().any(|p| p == plot) {
                self.0.push(plot.to_owned());
            }
        }
    }
    impl Sink for Order {
        fn series(&mut self, plot: &str, _: &str, _: &[f64], _: &[f64]) {
            self.saw(plot);
        }
        fn line(&mut self, plot: &str, _: &[Trace<'_>]) {
            self.saw(plot);
        }
        fn heatmap(&mut self, plot: &str, _: &[f64], _: usize, _: usize) {
            self.saw(plot);
        }
    }

    #[test]
    fn plots_appear_in_key_order() {
        let text = concat!(
            r#"{"t": 0, "loss": 1, "w": [1, 2], "acc": {"a": 1}, "T": [[1, 2]], "u": {"a": [1]}, "lr": 3}"#,
            "\n",
            r#"{"t": 1, "loss": 1, "w": [1, 2], "late": 5, "g": [3]}"#,
            "\n",
        );
        let mut p = JsonParser::new(JsonOptions::default());
        let mut sink = Order::default();
        let problems = Problems::with_output(0, true, Box::new(std::io::sink()));
        p.feed(text.as_bytes(), 1, &mut sink, &problems);
        assert_eq!(sink.0, ["loss", "w", "acc", "T", "u", "lr", "late", "g"]);
    }

    #[test]
    fn x_key_option_and_top_level_x_array() {
        let opts = JsonOptions {
            x_key: Some("step".into()),
            routing: Routing::default(),
        };
        let (rec, _) = run(
            opts,
            "{\"step\": 10, \"e\": 1}\n{\"step\": [0, 2], \"y\": [1, 3]}\n",
        );
        assert_eq!(rec.series[&("e".into(), String::new())], vec![(10.0, 1.0)]);
        assert_eq!(rec.lines[0].1[0].1, Some(vec![0.0, 2.0]));
    }
}
