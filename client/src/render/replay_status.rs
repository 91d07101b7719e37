//! The status line's pieces for a replay (file, position in the span,
//! playing or paused, speed, the keys) and for a recording in progress.

use plotters::prelude::RGBColor;

use crate::model::RecordingStatus;
use crate::model::ReplayStatus;
use crate::model::{Connection, Status};

const PLAIN: RGBColor = RGBColor(60, 60, 60);
const PLAYING: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const PAUSED: RGBColor = RGBColor(0x1f, 0x5f, 0xa4);
const RECORDING: RGBColor = RGBColor(0xd6, 0x27, 0x28);

/// The status pieces of a replay, left to right.
pub(crate) fn replay_segments(status: &Status, replay: &ReplayStatus) -> Vec<(String, RGBColor)> {
    let name = if status.server_name.is_empty() {
        replay.file.clone()
    } else {
        format!("{} @ {}", status.server_name, replay.file)
    };
    let mut out = vec![(name, PLAIN)];
    out.push((
        format!(
            "replay {} of {}",
            clock(replay.position.as_secs_f64()),
            clock(replay.span.as_secs_f64())
        ),
        PLAIN,
    ));
    let speed = if replay.speed >= 1.0 {
        format!("{}×", replay.speed)
    } else {
        format!("1/{}×", (1.0 / replay.speed).round())
    };
    out.push(if replay.playing {
        (format!("playing {speed}"), PLAYING)
    } else {
        (format!("paused ({speed})"), PAUSED)
    });
    let ended = match &status.connection {
        Connection::Ended { reason } => Some(("computation ended", reason)),
        Connection::Interrupted { reason } => Some(("computation interrupted", reason)),
        _ => None,
    };
    if let Some((head, reason)) = ended {
        let text = if reason.is_empty() {
            head.to_owned()
        } else {
            format!("{head}: {reason}")
        };
        out.push((text, PAUSED));
    }
    if replay.keys_hint {
        out.push((
            "←/→ step · space play · [ ] speed · Home/End".to_owned(),
            PLAIN,
        ));
    }
    out
}

/// The status piece of a recording in progress.
pub(crate) fn recording_segment(rec: &RecordingStatus) -> (String, RGBColor) {
    let file = rec
        .path
        .file_name()
        .map_or_else(|| rec.path.to_string_lossy(), |n| n.to_string_lossy());
    let file = crate::peer_text::clean(&file, 60).into_owned();
    match &rec.error {
        Some(_) => (
            format!("recording to {file} FAILED (see the log)"),
            RECORDING,
        ),
        None if rec.finished => (
            format!(
                "recorded {file} {} {:.1} MB",
                clock(rec.span.as_secs_f64()),
                rec.bytes as f64 / 1e6
            ),
            PAUSED,
        ),
        None => (
            format!(
                "● REC {file} {} {:.1} MB",
                clock(rec.span.as_secs_f64()),
                rec.bytes as f64 / 1e6
            ),
            RECORDING,
        ),
    }
}

/// Seconds as `12.3 s`, `4:05.2`, or `1:02:03`.
pub(crate) fn clock(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if secs < 3600.0 {
        format!("{}:{:04.1}", (secs / 60.0).floor(), secs % 60.0)
    } else {
        let s = secs.round() as u64;
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn replay_text_shows_position_span_and_play_state() {
        let status = Status {
            server_name: "heat".into(),
            ..Status::default()
        };
        let mut replay = ReplayStatus {
            file: "run.plotcast".into(),
            position: Duration::from_millis(12_340),
            span: Duration::from_secs(245),
            playing: false,
            speed: 1.0,
            keys_hint: true,
        };
        let text = |s: &Status, r: &ReplayStatus| {
            replay_segments(s, r)
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let t = text(&status, &replay);
        assert!(
            t.starts_with("heat @ run.plotcast | replay 12.3 s of 4:05.0 | paused (1×)"),
            "{t}"
        );
        replay.playing = true;
        replay.speed = 0.25;
        assert!(text(&status, &replay).contains("playing 1/4×"));
        assert!(text(&status, &replay).ends_with("Home/End"));
        replay.keys_hint = false;
        assert!(!text(&status, &replay).contains("Home/End"));
        assert_eq!(clock(3723.0), "1:02:03");
    }
}
