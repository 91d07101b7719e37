//! The results table and its JSON form.

use serde_json::{json, Value};

/// One measured figure beside its reference.
pub struct Row {
    /// Section number and name, e.g. "1 publish".
    pub section: String,
    /// What was measured.
    pub figure: String,
    /// The measured value.
    pub value: f64,
    /// Unit of `value` and `reference`.
    pub unit: &'static str,
    /// What it is compared with, and its value in the same run.
    pub reference: Option<(String, f64)>,
    /// The target, in words, and whether it was met.
    pub target: Option<(String, bool)>,
}

impl Row {
    /// value / reference.
    pub fn ratio(&self) -> Option<f64> {
        self.reference
            .as_ref()
            .filter(|(_, r)| *r != 0.0)
            .map(|(_, r)| self.value / r)
    }
}

/// Collected rows.
#[derive(Default)]
pub struct Report {
    /// Rows in order.
    pub rows: Vec<Row>,
}

fn fmt(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

impl Report {
    /// Adds a row and prints it at once, so progress shows on long runs.
    pub fn add(&mut self, row: Row) {
        println!("{}", Self::line(&row));
        self.rows.push(row);
    }

    fn line(r: &Row) -> String {
        let (ref_name, ref_value) = r
            .reference
            .as_ref()
            .map_or((String::new(), String::new()), |(n, v)| {
                (n.clone(), fmt(*v))
            });
        let ratio = r.ratio().map_or(String::new(), |x| format!("{x:.2}x"));
        let target = r.target.as_ref().map_or(String::new(), |(t, ok)| {
            format!("{} {t}", if *ok { "met" } else { "MISSED" })
        });
        format!(
            "| {} | {} | {} {} | {} | {} | {} | {} |",
            r.section,
            r.figure,
            fmt(r.value),
            r.unit,
            ref_name,
            ref_value,
            ratio,
            target
        )
    }

    /// The header of the markdown table.
    pub fn header() -> &'static str {
        "| section | figure | value | reference | reference value | ratio | target |\n|---|---|---|---|---|---|---|"
    }

    /// The whole table as markdown.
    pub fn table(&self) -> String {
        let mut out = String::from(Self::header());
        for r in &self.rows {
            out.push('\n');
            out.push_str(&Self::line(r));
        }
        out
    }

    /// JSON: one object per row.
    pub fn json(&self, meta: Value) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "section": r.section,
                    "figure": r.figure,
                    "value": r.value,
                    "unit": r.unit,
                    "reference": r.reference.as_ref().map(|(n, _)| n),
                    "reference_value": r.reference.as_ref().map(|(_, v)| v),
                    "ratio": r.ratio(),
                    "target": r.target.as_ref().map(|(t, _)| t),
                    "target_met": r.target.as_ref().map(|(_, ok)| ok),
                })
            })
            .collect();
        json!({ "meta": meta, "rows": rows })
    }
}

/// Percentile (0..=100) of unsorted samples, in their unit.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)]
}
