//! Level of detail through the relay, the model's part: which process
//! channels this viewer should ask for its own view of, and the view to
//! ask each for.
//!
//! A process puts a frame too long for a relay message into the bucket
//! reduced to an overview (`lod` set); a viewer then asks the process for
//! the channel reduced to the view it draws. A merged plot's view is
//! passed to each of its processes, for a stitched heatmap cut to the part
//! of the view each tile covers:
//!
//! ```text
//!  global view: cells 100..300 of x, 600 px      tile [256, 0, 512, …] (cells 256..512)
//!  ───────────────┬─────────────────────────▶    asks: cells 0..44 of its own, 132 px
//! ```
//!
//! Without level of detail (`--full-resolution`, `--record`) every
//! overview is asked for in full.

use std::collections::BTreeMap;

use plotcast_protocol::View;

use super::run_plan::{Plan, Shape};
use super::run_process::{ProcessKey, ProcessState};

/// What [`detail_wants`] found: the process channels to ask, with their
/// views, and the channels whose detail was dropped.
pub type Wants = (Vec<(ProcessKey, View)>, Vec<(ProcessKey, u32)>);

/// Process channels to ask for, with the view to ask for; details that
/// answer another view than the one now drawn are dropped (returned as
/// the second list, so their plots are drawn again).
pub fn detail_wants(
    plan: &Plan,
    processes: &mut BTreeMap<ProcessKey, ProcessState>,
    views: &[View],
    level_of_detail: bool,
) -> Wants {
    let (mut wants, mut dropped) = (Vec::new(), Vec::new());
    for plot in &plan.plots {
        let drawn = views.iter().find(|v| v.channel == plot.id);
        let merged = match (level_of_detail, drawn) {
            (false, _) => View::full(plot.id),
            (true, Some(view)) => *view,
            (true, None) => continue,
        };
        for m in &plot.members {
            let Some(p) = processes.get_mut(&m.process) else {
                continue;
            };
            let Some(bucket) = p.frames.get(&m.channel) else {
                continue;
            };
            let Some(lod) = bucket.lod.as_ref() else {
                continue;
            };
            let want = match (plot.shape, m.tile) {
                (Shape::Tiles(gnx, gny), Some([x0, y0, ..])) => {
                    let (tnx, tny) = lod
                        .grid
                        .map_or((bucket.nx, bucket.ny), |g| (g.full_nx, g.full_ny));
                    tile_view(&merged, m.channel, [x0, y0, gnx, gny], (tnx, tny))
                }
                _ => Some(View {
                    channel: m.channel,
                    ..merged
                }),
            };
            let bucket_seq = bucket.seq;
            let Some(want) = want else {
                if p.details.remove(&m.channel).is_some() {
                    dropped.push((m.process.clone(), m.channel));
                }
                continue;
            };
            match p.details.get(&m.channel) {
                Some(d) if d.view == want && d.frame.seq >= bucket_seq => {}
                Some(d) if d.view == want => wants.push((m.process.clone(), want)),
                Some(_) => {
                    p.details.remove(&m.channel);
                    dropped.push((m.process.clone(), m.channel));
                    wants.push((m.process.clone(), want));
                }
                None => wants.push((m.process.clone(), want)),
            }
        }
    }
    (wants, dropped)
}

/// A stitched heatmap's view as one tile sees it: the visible cells it
/// covers, in its own cell coordinates, and the pixels they take. `None`
/// when the tile is not in view.
pub fn tile_view(view: &View, channel: u32, tile: [u32; 4], size: (u32, u32)) -> Option<View> {
    if view.is_full() {
        return Some(View::full(channel));
    }
    let [x0, y0, gnx, gny] = tile;
    let axis = |range: Option<(f64, f64)>, start: u32, len: u32, global: u32, px: u32| {
        let (lo, hi) = range.unwrap_or((0.0, f64::from(global)));
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        let (start, len) = (f64::from(start), f64::from(len));
        let (a, b) = (lo.max(start) - start, hi.min(start + len) - start);
        if b.partial_cmp(&a) != Some(std::cmp::Ordering::Greater)
            || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        {
            return None;
        }
        let pixels = (f64::from(px) * (b - a) / (hi - lo)).ceil().max(1.0) as u32;
        let local = (a > 0.0 || b < len).then_some((a, b));
        Some((local, pixels))
    };
    let (x_range, width_px) = axis(view.x_range, x0, size.0, gnx, view.width_px)?;
    let (y_range, height_px) = axis(view.y_range, y0, size.1, gny, view.height_px)?;
    Some(View {
        channel,
        x_px: view.x_px,
        width_px,
        height_px,
        x_range,
        y_range,
        x_log: view.x_log,
        y_log: view.y_log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_sees_its_part_of_the_view() {
        let view = View {
            channel: 7,
            x_px: 40,
            width_px: 600,
            height_px: 300,
            x_range: Some((100.0, 300.0)),
            y_range: None,
            x_log: false,
            y_log: false,
        };
        let t = tile_view(&view, 2, [256, 0, 512, 256], (256, 256)).expect("in view");
        assert_eq!(t.x_range, Some((0.0, 44.0)));
        assert_eq!(t.width_px, 132);
        assert_eq!((t.y_range, t.height_px, t.channel), (None, 300, 2));
        assert!(tile_view(&view, 2, [300, 0, 512, 256], (100, 256)).is_none());
        let left = tile_view(&view, 1, [0, 0, 512, 256], (256, 256)).expect("in view");
        assert_eq!(left.x_range, Some((100.0, 256.0)));
        assert!(tile_view(&View::full(7), 3, [0, 0, 2, 2], (1, 1)).is_some_and(|v| v.is_full()));
    }
}
