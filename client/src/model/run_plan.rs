//! Which plots a relayed run shows: the layouts of its processes merged
//! into one [`Layout`], and for each merged plot the process channels it
//! is drawn from.
//!
//! ```text
//!  rank0: loss (line), T (heatmap, tile), u (heatmap)     one view:
//!  rank1: loss (line), T (heatmap, tile), u (heatmap)  →  loss: traces rank0, rank1
//!                                                          T: the tiles stitched
//!                                                          u [rank0], u [rank1]
//! ```
//!
//! A channel name published by several processes of a run is one plot:
//! lines, scatter, bars and series get a trace per process, heatmaps
//! with a tile are stitched; heatmaps without one and custom plots stay
//! one plot per process (`name [rank3]`). With several runs (`sweep-*`)
//! each run's plots form a column, titles prefixed with the run. A plot
//! keeps its id for as long as the viewer runs, so zoom and the other
//! choices of the user stay with it.

use std::collections::{BTreeMap, HashMap};

use plotcast_protocol::{ChannelKind, ChannelSpec, GridCell, Layout};

use super::run_process::{ProcessEnd, ProcessKey, ProcessState};

/// How a merged plot is drawn from its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Lines, scatter, bars, series: a trace per process.
    Traces,
    /// Heatmap tiles stitched into a `global_nx × global_ny` grid.
    Tiles(u32, u32),
    /// One process's plot as it is (heatmap without tile, custom).
    Own,
}

/// What identifies a merged plot across rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlotKey {
    run: String,
    name: String,
    kind: u8,
    /// For plots of one process only.
    process: Option<String>,
}

/// One process channel a merged plot is drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The process.
    pub process: ProcessKey,
    /// Its channel id.
    pub channel: u32,
    /// Its tile, for stitched heatmaps: `[x0, y0, global_nx, global_ny]`.
    pub tile: Option<[u32; 4]>,
}

/// One plot of the merged view.
#[derive(Debug, Clone)]
pub struct MergedPlot {
    /// Its channel id in the merged layout.
    pub id: u32,
    /// How it is drawn.
    pub shape: Shape,
    /// Its processes' channels, in process order.
    pub members: Vec<Member>,
}

/// The merged plots and layout.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every plot, in layout order.
    pub plots: Vec<MergedPlot>,
    /// The merged layout (ids are the plots').
    pub layout: Layout,
    /// Runs shown.
    pub runs: usize,
}

impl Plan {
    /// The plot a process channel is drawn in.
    pub fn plot_of(&self, process: &ProcessKey, channel: u32) -> Option<&MergedPlot> {
        self.plots.iter().find(|p| {
            p.members
                .iter()
                .any(|m| m.channel == channel && &m.process == process)
        })
    }

    /// The plot of a merged channel id.
    pub fn plot(&self, id: u32) -> Option<&MergedPlot> {
        self.plots.iter().find(|p| p.id == id)
    }
}

/// Most merged plot ids remembered; beyond, ids are handed out afresh (a
/// peer inventing names cannot grow the table without bound).
pub const MAX_PLOT_IDS: usize = 1 << 16;

/// Merged plot ids, stable across rebuilds.
#[derive(Debug, Clone, Default)]
pub struct PlotIds {
    ids: HashMap<PlotKey, u32>,
    next: u32,
}

impl PlotIds {
    fn id(&mut self, key: &PlotKey) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        if self.ids.len() >= MAX_PLOT_IDS {
            self.ids.clear();
        }
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        self.ids.insert(key.clone(), id);
        id
    }
}

/// The suffix that marks a process that is gone: `(finished)`,
/// `(interrupted: …)`, `(stale)`.
pub fn decoration(p: &ProcessState) -> String {
    match &p.end {
        Some(ProcessEnd::Finished(_)) => " (finished)".into(),
        Some(ProcessEnd::Interrupted(why)) if why.is_empty() => " (interrupted)".into(),
        Some(ProcessEnd::Interrupted(why)) => {
            let short: String = why.chars().take(60).collect();
            format!(" (interrupted: {short})")
        }
        None if p.stale => " (stale)".into(),
        None => String::new(),
    }
}

fn shape_of(spec: &ChannelSpec) -> Shape {
    match (spec.kind, spec.options.tile) {
        (ChannelKind::Heatmap, Some([_, _, nx, ny])) => Shape::Tiles(nx, ny),
        (ChannelKind::Heatmap | ChannelKind::Custom, _) => Shape::Own,
        _ => Shape::Traces,
    }
}

/// A plot being gathered: its key, first spec and members.
struct Gathered<'a> {
    key: PlotKey,
    shape: Shape,
    spec: &'a ChannelSpec,
    members: Vec<Member>,
    /// (run order, name order) for sorting.
    order: (usize, usize),
}

/// Merges the layouts of every shown process (in process order).
pub fn plan(processes: &BTreeMap<ProcessKey, ProcessState>, ids: &mut PlotIds) -> Plan {
    let shown: Vec<(&ProcessKey, &ProcessState, &Layout)> = processes
        .iter()
        .filter_map(|(k, p)| Some((k, p, p.layout.as_ref().filter(|_| p.info.is_some())?)))
        .collect();
    let mut runs: Vec<&str> = Vec::new();
    let mut name_order: HashMap<(&str, &str), usize> = HashMap::new();
    let mut gathered: Vec<Gathered<'_>> = Vec::new();
    let mut index: HashMap<PlotKey, usize> = HashMap::new();
    for &(key, _, layout) in &shown {
        if runs.last() != Some(&key.run.as_str()) {
            runs.push(&key.run);
        }
        for spec in &layout.channels {
            let shape = shape_of(spec);
            let plot_key = PlotKey {
                run: key.run.clone(),
                name: spec.name.clone(),
                kind: spec.kind as u8,
                process: (shape == Shape::Own).then(|| key.process.clone()),
            };
            let names = name_order.len();
            let order = (
                runs.len() - 1,
                *name_order.entry((&key.run, &spec.name)).or_insert(names),
            );
            let member = Member {
                process: key.clone(),
                channel: spec.id,
                tile: spec.options.tile,
            };
            match index.get(&plot_key) {
                Some(&i) => gathered[i].members.push(member),
                None => {
                    index.insert(plot_key.clone(), gathered.len());
                    gathered.push(Gathered {
                        key: plot_key,
                        shape,
                        spec,
                        members: vec![member],
                        order,
                    });
                }
            }
        }
    }
    // Stable: plots of one name stay in process order.
    gathered.sort_by_key(|g| g.order);
    let mut own_count: HashMap<(&str, &str, u8), usize> = HashMap::new();
    for g in gathered.iter().filter(|g| g.shape == Shape::Own) {
        *own_count
            .entry((&g.key.run, &g.key.name, g.key.kind))
            .or_default() += 1;
    }
    let several_runs = runs.len() > 1;
    let mut row_in_run = vec![0u16; runs.len()];
    let mut plots = Vec::with_capacity(gathered.len());
    let mut channels = Vec::with_capacity(gathered.len());
    for g in &gathered {
        let id = ids.id(&g.key);
        let mut spec = g.spec.clone();
        spec.id = id;
        let own_several = g.shape == Shape::Own
            && own_count.get(&(g.key.run.as_str(), g.key.name.as_str(), g.key.kind)) > Some(&1);
        let suffix = match (&g.key.process, own_several) {
            (Some(label), true) => {
                let p = &processes[&g.members[0].process];
                format!(" [{label}]{}", decoration(p))
            }
            _ => String::new(),
        };
        let prefix = if several_runs {
            format!("{}: ", g.key.run)
        } else {
            String::new()
        };
        spec.name = format!("{prefix}{}{suffix}", spec.name);
        if !spec.options.title.is_empty() {
            spec.options.title = format!("{prefix}{}{suffix}", spec.options.title);
        }
        if let Shape::Tiles(..) = g.shape {
            spec.options.tile = None;
        }
        if g.spec.kind == ChannelKind::Series {
            spec.options.history_points = g
                .members
                .iter()
                .filter_map(|m| processes[&m.process].spec(m.channel))
                .map(|s| s.options.history_points)
                .max()
                .unwrap_or(0);
        }
        if several_runs {
            let col = g.order.0;
            spec.options.cell = Some(GridCell {
                row: row_in_run[col],
                col: u16::try_from(col).unwrap_or(u16::MAX),
                rows: 1,
                cols: 1,
            });
            row_in_run[col] = row_in_run[col].saturating_add(1);
        } else if own_several {
            spec.options.cell = None;
        }
        channels.push(spec);
        plots.push(MergedPlot {
            id,
            shape: g.shape,
            members: g.members.clone(),
        });
    }
    let titles: Vec<&str> = shown.iter().map(|(_, _, l)| l.title.as_str()).collect();
    let title = match titles.split_first() {
        Some((first, rest)) if rest.iter().all(|t| t == first) => (*first).to_owned(),
        _ => runs.join(", "),
    };
    let columns = if several_runs {
        u16::try_from(runs.len()).unwrap_or(u16::MAX)
    } else {
        let columns: Vec<u16> = shown.iter().map(|(_, _, l)| l.columns).collect();
        match columns.split_first() {
            Some((first, rest)) if rest.iter().all(|c| c == first) => *first,
            _ => 0,
        }
    };
    Plan {
        plots,
        layout: Layout {
            title,
            columns,
            channels,
        },
        runs: runs.len(),
    }
}
