//! The data of a merged plot, from its processes' newest values: traces
//! side by side (named after their process when there are several), tiles
//! stitched, one process's plot as it is.
//!
//! ```text
//!  rank0 loss: ""      ─┐
//!  rank3 loss: train,  ─┼─▶ loss: rank0, rank3/train, rank3/test, rank10 (finished)
//!              test     │
//!  rank10 loss: "" bye ─┘
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use plotcast_protocol::{ChannelKind, Frame, Lod, Part};

use super::history::{SeriesHistory, SeriesSet};
use super::plot_state::ChannelData;
use super::run_plan::{decoration, Member, MergedPlot, Shape};
use super::run_process::{ProcessKey, ProcessState};
use super::stitch::{stitch, Tile};

/// A trace's name in a plot of several processes: the process label, with
/// the part's name after a `/` when the process has several parts, and
/// the mark of a process that is gone.
pub fn trace_name(label: &str, part: &str, parts: usize, mark: &str) -> String {
    if parts > 1 && !part.is_empty() {
        format!("{label}/{part}{mark}")
    } else {
        format!("{label}{mark}")
    }
}

/// The data of one merged plot, from its processes' newest values.
pub fn merged_data(
    plot: &MergedPlot,
    processes: &BTreeMap<ProcessKey, ProcessState>,
    now: Instant,
) -> Option<ChannelData> {
    let several = plot.members.len() > 1;
    let members = plot
        .members
        .iter()
        .filter_map(|m| Some((m, processes.get(&m.process)?)));
    match plot.shape {
        Shape::Tiles(nx, ny) => {
            let frames: Vec<(&Member, &Arc<Frame>)> = members
                .filter_map(|(m, p)| Some((m, p.frame(m.channel, now)?)))
                .collect();
            let tiles: Vec<Tile<'_>> = frames
                .iter()
                .filter_map(|(m, f)| {
                    let [x0, y0, ..] = m.tile?;
                    Some(Tile { x0, y0, frame: f })
                })
                .collect();
            let frame = stitch(plot.id, nx, ny, &tiles)?;
            Some(ChannelData::Snapshot(Arc::new(frame)))
        }
        _ if plot.members.first().is_some_and(|m| {
            processes
                .get(&m.process)
                .and_then(|p| p.spec(m.channel))
                .is_some_and(|s| s.kind == ChannelKind::Series)
        }) =>
        {
            let mut all: Vec<SeriesHistory> = Vec::new();
            for (m, p) in members {
                let Some(set) = p.series.get(&m.channel) else {
                    continue;
                };
                let mark = decoration(p);
                for s in set.series() {
                    let mut s = s.clone();
                    if several {
                        s.name = trace_name(&m.process.process, &s.name, set.series().len(), &mark);
                    }
                    all.push(s);
                }
            }
            (!all.is_empty()).then(|| ChannelData::Series(SeriesSet::from_series(all)))
        }
        _ => {
            let mut merged: Option<Frame> = None;
            for (m, p) in members {
                let Some(frame) = p.frame(m.channel, now) else {
                    continue;
                };
                let mark = decoration(p);
                let parts: Vec<Part> = frame
                    .parts
                    .iter()
                    .map(|part| {
                        let mut part = part.clone();
                        if several {
                            part.name = trace_name(
                                &m.process.process,
                                &part.name,
                                frame.parts.len(),
                                &mark,
                            );
                        }
                        part
                    })
                    .collect();
                match merged.as_mut() {
                    None => {
                        merged = Some(Frame {
                            channel: plot.id,
                            parts,
                            ..(**frame).clone()
                        });
                    }
                    Some(into) => merge_into(into, frame, parts),
                }
            }
            merged.map(|f| ChannelData::Snapshot(Arc::new(f)))
        }
    }
}

/// Adds one more process's frame to a merged trace frame.
fn merge_into(into: &mut Frame, frame: &Frame, parts: Vec<Part>) {
    into.seq = into.seq.saturating_add(frame.seq);
    into.timestamp_us = into.timestamp_us.max(frame.timestamp_us);
    into.range = into.range.or(frame.range);
    into.parts.extend(parts);
    if let Some(lod) = &frame.lod {
        let mine = into.lod.get_or_insert_with(|| Lod {
            source_values: 0,
            grid: None,
            replace: false,
            ends: Vec::new(),
        });
        mine.source_values = mine.source_values.saturating_add(lod.source_values);
    }
}
