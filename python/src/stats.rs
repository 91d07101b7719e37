//! `Server.stats()` and `Server.viewer_launch` as plain Python data (dicts,
//! lists, numbers and strings), so they print, compare and serialise
//! without plotcast types.

use std::time::{SystemTime, UNIX_EPOCH};

use plotcast::{ChannelStats, EndedViewer, RelayStats, Stats, ViewerInfo, ViewerLaunch};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Seconds since the Unix epoch, as `time.time()` gives them.
fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn viewer<'py>(py: Python<'py>, v: &ViewerInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("addr", v.addr.to_string())?;
    d.set_item("peer_name", &v.peer_name)?;
    d.set_item("connected_since", unix_secs(v.connected_since))?;
    d.set_item("frames_sent", v.frames_sent)?;
    d.set_item("frames_skipped", v.frames_skipped)?;
    d.set_item("bytes_sent", v.bytes_sent)?;
    d.set_item("batches", v.batches)?;
    d.set_item("round_trip", v.round_trip.map(|r| r.as_secs_f64()))?;
    // Seconds, like the round trip: the viewer's clock minus ours.
    d.set_item("clock_offset", v.clock_offset_us.map(|us| us as f64 / 1e6))?;
    Ok(d)
}

fn channel<'py>(py: Python<'py>, c: &ChannelStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", c.id)?;
    d.set_item("name", &c.name)?;
    d.set_item("kind", c.kind)?;
    d.set_item("publishes", c.publishes)?;
    d.set_item("invalid", c.invalid)?;
    d.set_item("seq", c.seq)?;
    Ok(d)
}

fn ended<'py>(py: Python<'py>, e: &EndedViewer) -> PyResult<Bound<'py, PyDict>> {
    let d = viewer(py, &e.viewer)?;
    d.set_item("reason", &e.reason)?;
    d.set_item("ended_at", unix_secs(e.ended_at))?;
    Ok(d)
}

fn relay<'py>(py: Python<'py>, r: &RelayStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("run", &r.run)?;
    d.set_item("process", &r.process)?;
    d.set_item("connected", r.connected)?;
    d.set_item("puts", r.puts)?;
    d.set_item("bytes", r.bytes)?;
    d.set_item("skipped", r.skipped)?;
    d.set_item("failed", r.failed)?;
    d.set_item("overviews", r.overviews)?;
    d.set_item("series_chunks", r.series_chunks)?;
    d.set_item("series_points_skipped", r.series_points_skipped)?;
    d.set_item("requests", r.requests)?;
    d.set_item("bad_requests", r.bad_requests)?;
    d.set_item("last_error", r.last_error.as_deref())?;
    Ok(d)
}

/// `{"viewers": [...], "channels": [...], "ended": [...], "relay": {...} or
/// None}`.
pub(crate) fn stats<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    let list = |items: Vec<Bound<'py, PyDict>>| PyList::new(py, items);
    let d = PyDict::new(py);
    d.set_item(
        "viewers",
        list(
            s.viewers
                .iter()
                .map(|v| viewer(py, v))
                .collect::<PyResult<_>>()?,
        )?,
    )?;
    d.set_item(
        "channels",
        list(
            s.channels
                .iter()
                .map(|c| channel(py, c))
                .collect::<PyResult<_>>()?,
        )?,
    )?;
    d.set_item(
        "ended",
        list(
            s.ended
                .iter()
                .map(|e| ended(py, e))
                .collect::<PyResult<_>>()?,
        )?,
    )?;
    d.set_item("relay", s.relay.as_ref().map(|r| relay(py, r)).transpose()?)?;
    Ok(d)
}

/// `{"state": "launched", "path": ..., "pid": ...}` and the other states.
pub(crate) fn launch<'py>(py: Python<'py>, l: &ViewerLaunch) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match l {
        ViewerLaunch::Disabled => d.set_item("state", "disabled")?,
        ViewerLaunch::Launched { path, pid } => {
            d.set_item("state", "launched")?;
            d.set_item("path", path.display().to_string())?;
            d.set_item("pid", pid)?;
        }
        ViewerLaunch::Building => d.set_item("state", "building")?,
        ViewerLaunch::NotFound { error } => {
            d.set_item("state", "not_found")?;
            d.set_item("hint", error.to_string())?;
        }
        ViewerLaunch::Failed { error } => {
            d.set_item("state", "failed")?;
            d.set_item("error", error.to_string())?;
        }
        // A state added later reads as its debug text.
        #[allow(unreachable_patterns)]
        other => d.set_item("state", format!("{other:?}"))?,
    }
    Ok(d)
}
