//! `plotcast-viewer FILE --headless`: a recording rendered to PNG files,
//! the state at `--at` (default: the end), or `--frames N` evenly spaced
//! from the first data to the end (a flip-book of the run).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::RunError;
use crate::options::{write_atomically, RunOptions};
use crate::recording::player::Player;
use crate::recording::replay::{Recording, Replay};
use crate::render;
use crate::view::ViewState;

/// The times a headless replay renders: `--at`, else `--frames N` evenly
/// spaced from the first data to the end, else the end.
///
/// # Errors
/// [`RunError::Usage`] when `--at` is past the end of the recording.
pub fn times(rec: &Recording, opts: &RunOptions) -> Result<Vec<Duration>, RunError> {
    let span = rec.span();
    if let Some(at) = opts.at {
        let t = Duration::try_from_secs_f64(at).unwrap_or(Duration::MAX);
        if t > span {
            return Err(RunError::Usage(format!(
                "--at {at} is past the end of the recording ({:.3} s)",
                span.as_secs_f64()
            )));
        }
        return Ok(vec![t]);
    }
    let first = rec.first_data_time().min(span);
    Ok(match opts.frames {
        None | Some(1) => vec![span],
        Some(n) => (0..n)
            .map(|i| first + (span - first).mul_f64(i as f64 / (n - 1) as f64))
            .collect(),
    })
}

/// Renders the PNGs; returns the files written, in order.
///
/// # Errors
/// [`RunError::Usage`] for an `--at` past the end, [`RunError::Replay`]
/// when a record cannot be read back, [`RunError::Image`].
pub fn run(rec: Recording, opts: &RunOptions) -> Result<Vec<PathBuf>, RunError> {
    let times = times(&rec, opts)?;
    let mut player = Player::new(Replay::new(rec))?;
    let (width, height) = (opts.size.width, opts.size.height);
    let mut rgb = Vec::new();
    let mut written = Vec::with_capacity(times.len());
    for (k, t) in times.into_iter().enumerate() {
        player.seek(t)?;
        let state = player.plot_state();
        render::render(&state, &ViewState::default(), width, height, &mut rgb);
        let path = opts.frame_path(k as u64 + 1);
        write_atomically(&path, |tmp| {
            render::save_png(tmp, width, height, &rgb).map_err(|e| e.to_string())
        })?;
        written.push(path);
    }
    Ok(written)
}
