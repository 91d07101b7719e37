//! The status strip at the bottom of the window: server, connection state,
//! frame rate, frames received and skipped, age of the newest frame, the
//! quality shown (heatmaps as codes on a slow link), and PAUSED.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::Area;
use super::font::{text, TextSizes};
use super::DrawError;
use crate::model::{Connection, PlotState, Status};
use crate::view::drawn::PixelRect;
use crate::view::follow;
use crate::view::ViewState;

const GOOD: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const WAIT: RGBColor = RGBColor(0xd6, 0x7a, 0x0e);
const BAD: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const DONE: RGBColor = RGBColor(0x1f, 0x5f, 0xa4);
const PLAIN: RGBColor = RGBColor(60, 60, 60);
const STRIP: RGBColor = RGBColor(242, 242, 242);

/// The status text as coloured pieces, left to right, and the right-aligned
/// PAUSED marker if paused.
pub(crate) fn segments(
    status: &Status,
    now_unix_us: u64,
) -> (Vec<(String, RGBColor)>, Option<String>) {
    if let Some(replay) = &status.replay {
        return (super::replay_status::replay_segments(status, replay), None);
    }
    let mut out = Vec::new();
    if let Some(recording) = &status.recording {
        out.push(super::replay_status::recording_segment(recording));
    }
    match &status.relay {
        // relay host:4222 · run sweep-17 · 4 processes
        Some(relay) => out.extend(relay.pieces().into_iter().map(|p| (p, PLAIN))),
        None => {
            let server = match (status.server_name.is_empty(), status.address.is_empty()) {
                (false, false) => format!("{} @ {}", status.server_name, status.address),
                (false, true) => status.server_name.clone(),
                (true, false) => status.address.clone(),
                (true, true) => "plotcast".to_string(),
            };
            out.push((server, PLAIN));
        }
    }
    let (state, color) = match &status.connection {
        // A relay that answers, but no process of the run yet.
        Connection::Unreachable {
            reason,
            retrying: true,
            ..
        } if status.relay.is_some() && reason.starts_with("waiting for") => (reason.clone(), WAIT),
        Connection::Connecting => ("connecting…".to_string(), WAIT),
        Connection::Connected => ("connected".to_string(), GOOD),
        Connection::Unreachable {
            attempt,
            reason,
            retrying,
        } => (
            if *retrying {
                format!("{reason}; retrying (attempt {attempt})")
            } else {
                format!("{reason}; not retrying")
            },
            if *retrying { WAIT } else { BAD },
        ),
        Connection::Reconnecting { attempt, reason } => (
            with_reason(
                format!("connection lost, reconnecting (attempt {attempt})"),
                reason,
            ),
            WAIT,
        ),
        // A normal end is news, not an error: never in red.
        Connection::Ended { reason } => (
            with_reason("computation finished".to_string(), reason),
            DONE,
        ),
        // Interrupted or failed, and the computation said so.
        Connection::Interrupted { reason } => (
            with_reason("computation interrupted".to_string(), reason),
            WAIT,
        ),
        // The process went away (Ctrl-C, kill, crash): worth a look, but
        // not a network error.
        Connection::Stopped => (
            "computation stopped without a goodbye (interrupted or crashed?)".to_string(),
            WAIT,
        ),
        Connection::Lost { reason } => (with_reason("connection lost".to_string(), reason), BAD),
    };
    out.push((state, color));
    // Frames per second only while frames can come: a finished run draws
    // none, whatever the last second's rate was.
    if status.connection == Connection::Connected {
        out.push((format!("{:.1} fps", status.fps), PLAIN));
    }
    out.push((
        format!(
            "{} frames received, {} skipped",
            status.frames_received, status.frames_skipped
        ),
        PLAIN,
    ));
    let age = match status.newest_age(now_unix_us) {
        Some(age) => format!("newest frame {} old", human(age.as_secs_f64())),
        None => "no data yet".to_string(),
    };
    out.push((age, PLAIN));
    if let Some(rtt) = status.round_trip {
        out.push((format!("round trip {}", human(rtt.as_secs_f64())), PLAIN));
    }
    if status.coded_heatmaps > 0 {
        // What quality is shown: the values are approximate for now.
        out.push((
            format!(
                "{} as {}-bit codes for the link (exact when still)",
                plural(status.coded_heatmaps, "heatmap", "heatmaps"),
                status.coded_bits
            ),
            WAIT,
        ));
    }
    (out, status.paused.then(|| "PAUSED".to_string()))
}

/// Where the view's pieces go: after the connection state (relay pieces
/// and a recording before it).
fn extra_at(status: &Status) -> usize {
    match &status.relay {
        Some(relay) => usize::from(status.recording.is_some()) + relay.pieces().len() + 1,
        None => 2,
    }
}

fn with_reason(head: String, reason: &str) -> String {
    if reason.is_empty() {
        head
    } else {
        format!("{head}: {reason}")
    }
}

fn human(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.0} ms", secs * 1e3)
    } else if secs < 120.0 {
        format!("{secs:.1} s")
    } else if secs < 7200.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// What the user's view does, for the status line: zoomed series plots
/// following the newest data or frozen, x axes linked.
pub(crate) fn view_segments(state: &PlotState, view: &ViewState) -> Vec<(String, RGBColor)> {
    let mut out = Vec::new();
    if let Some((text, _)) = &view.ui.notice {
        out.push((text.clone(), PLAIN));
    }
    match follow::summary(view, state) {
        Some((following, 0)) => out.push((
            plural(following, "zoomed series plot follows", "zoomed series plots follow")
                + " the newest data",
            PLAIN,
        )),
        Some((0, frozen)) => out.push((
            plural(frozen, "zoomed series plot frozen", "zoomed series plots frozen")
                + " (f: follow the newest, a: autoscale)",
            WAIT,
        )),
        Some((following, frozen)) => out.push((
            format!("{following} zoomed series plots follow the newest data, {frozen} frozen (f: follow)"),
            WAIT,
        )),
        None => {}
    }
    if view.ui.link_all {
        out.push(("x axes of series plots linked (l)".to_string(), PLAIN));
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The status line as one line of text for scripts: `status …`.
pub(crate) fn status_note(
    status: &Status,
    extra: &[(String, RGBColor)],
    now_unix_us: u64,
) -> String {
    let (mut pieces, paused) = segments(status, now_unix_us);
    let at = pieces.len().min(extra_at(status));
    pieces.splice(at..at, extra.iter().cloned());
    let mut texts: Vec<String> = pieces.into_iter().map(|(t, _)| t).collect();
    texts.extend(paused);
    format!("status {}", texts.join(" · "))
}

/// Draws the notice strip above the plots (plots not shown, pages).
pub(crate) fn draw_notice(
    root: &Area<'_>,
    rect: PixelRect,
    notice: &str,
    sizes: &TextSizes,
) -> Result<(), DrawError> {
    let (x1, y1) = (rect.x + rect.w as i32, rect.y + rect.h as i32);
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (x1, y1)],
        RGBColor(255, 246, 214).filled(),
    ))?;
    let style = text(sizes.status, PLAIN).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw_text(
        notice,
        &style,
        (rect.x + rect.w as i32 / 2, rect.y + rect.h as i32 / 2),
    )?;
    Ok(())
}

/// Draws the strip into `rect`; `extra` pieces follow the connection
/// state.
pub(crate) fn draw_status(
    root: &Area<'_>,
    rect: PixelRect,
    status: &Status,
    extra: &[(String, RGBColor)],
    now_unix_us: u64,
    sizes: &TextSizes,
) -> Result<(), DrawError> {
    let (x1, y1) = (rect.x + rect.w as i32, rect.y + rect.h as i32);
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (x1, y1)],
        STRIP.filled(),
    ))?;
    root.draw(&PathElement::new(
        vec![(rect.x, rect.y), (x1, rect.y)],
        RGBColor(200, 200, 200).stroke_width(1),
    ))?;
    let (mut pieces, paused) = segments(status, now_unix_us);
    let at = pieces.len().min(extra_at(status));
    pieces.splice(at..at, extra.iter().cloned());
    let cy = rect.y + rect.h as i32 / 2;
    let pad = (sizes.status * 0.7) as i32;
    let sep = "   ·   ";
    let mut x = rect.x + pad;
    let paused_w = match &paused {
        Some(p) => root.estimate_text_size(p, &text(sizes.status, BAD))?.0 as i32 + 2 * pad,
        None => 0,
    };
    for (k, (piece, color)) in pieces.iter().enumerate() {
        let piece = if k == 0 {
            piece.clone()
        } else {
            format!("{sep}{piece}")
        };
        let style = text(sizes.status, *color).pos(Pos::new(HPos::Left, VPos::Center));
        let w = root.estimate_text_size(&piece, &style)?.0 as i32;
        if x + w > x1 - paused_w {
            break; // narrow window: drop the pieces that do not fit
        }
        root.draw_text(&piece, &style, (x, cy))?;
        x += w;
    }
    if let Some(p) = paused {
        let style = text(sizes.status, BAD).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw_text(&p, &style, (x1 - pad, cy))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Red is for errors only: a finished computation is blue, a stopped
    /// one amber.
    #[test]
    fn only_errors_are_red() {
        let colour = |connection: Connection| {
            let s = Status {
                connection,
                ..Status::default()
            };
            segments(&s, 0).0[1].1
        };
        let reason = String::from("x");
        assert_eq!(
            colour(Connection::Ended {
                reason: reason.clone()
            }),
            DONE
        );
        assert_eq!(colour(Connection::Stopped), WAIT);
        assert_eq!(
            colour(Connection::Interrupted {
                reason: reason.clone()
            }),
            WAIT
        );
        assert_eq!(colour(Connection::Lost { reason }), BAD);
    }

    /// A connection that was never made is not "lost".
    #[test]
    fn never_connected_says_cannot_connect_not_lost() {
        let s = Status {
            address: "vm:47800".into(),
            connection: Connection::Unreachable {
                attempt: 3,
                reason: "cannot connect to vm:47800: Connection refused (os error 111)".into(),
                retrying: true,
            },
            ..Status::default()
        };
        let (pieces, _) = segments(&s, 0);
        let text: Vec<&str> = pieces.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            text[1],
            "cannot connect to vm:47800: Connection refused (os error 111); retrying (attempt 3)"
        );
        assert_eq!(pieces[1].1, WAIT);
        assert!(!text.join(" ").contains("lost"));
    }

    /// An interrupted run says so in its own words, and a run that ended
    /// (however) shows no frame rate: none can come.
    #[test]
    fn an_interrupted_run_says_so_and_shows_no_frame_rate() {
        let text = |connection: Connection| {
            let s = Status {
                connection,
                fps: 57.0,
                ..Status::default()
            };
            segments(&s, 0)
                .0
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let interrupted = text(Connection::Interrupted {
            reason: "KeyboardInterrupt".into(),
        });
        assert!(
            interrupted.contains("computation interrupted: KeyboardInterrupt"),
            "{interrupted}"
        );
        for ended in [
            interrupted,
            text(Connection::Ended {
                reason: "the computation finished".into(),
            }),
            text(Connection::Stopped),
        ] {
            assert!(!ended.contains("fps"), "{ended}");
        }
        assert!(text(Connection::Connected).contains("57.0 fps"));
    }

    /// A relayed run names the relay, the run and its processes, and a
    /// run not started yet is awaited, not an error.
    #[test]
    fn a_relayed_run_names_the_relay_the_run_and_its_processes() {
        let mut s = Status {
            address: "nats://h:4222/sweep-17".into(),
            relay: Some(crate::model::RelayStatus {
                server: "h:4222".into(),
                run: "sweep-17".into(),
                runs: 1,
                processes: 4,
                ..Default::default()
            }),
            connection: Connection::Connected,
            ..Status::default()
        };
        let text = |s: &Status| {
            segments(s, 0)
                .0
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
                .join(" · ")
        };
        assert!(
            text(&s).starts_with("relay h:4222 · run sweep-17 · 4 processes · connected"),
            "{}",
            text(&s)
        );
        s.connection = Connection::Unreachable {
            attempt: 1,
            reason: "waiting for run sweep-17 on h:4222".into(),
            retrying: true,
        };
        let (pieces, _) = segments(&s, 0);
        let waiting = pieces.iter().find(|(t, _)| t.starts_with("waiting"));
        assert_eq!(
            waiting,
            Some(&("waiting for run sweep-17 on h:4222".to_string(), WAIT))
        );
    }

    #[test]
    fn status_text_covers_every_state() {
        let mut s = Status {
            server_name: "heat".into(),
            address: "127.0.0.1:7000".into(),
            frames_received: 12,
            frames_skipped: 3,
            fps: 59.94,
            newest_frame: Some((Instant::now(), 1_000_000)),
            round_trip: Some(std::time::Duration::from_millis(48)),
            connection: Connection::Connected,
            ..Status::default()
        };
        let joined = |s: &Status| {
            let (p, paused) = segments(s, 3_500_000);
            let mut t: Vec<String> = p.into_iter().map(|(t, _)| t).collect();
            t.extend(paused);
            t.join(" | ")
        };
        let t = joined(&s);
        assert!(t.contains("heat @ 127.0.0.1:7000"), "{t}");
        assert!(t.contains("connected"), "{t}");
        assert!(
            t.contains("59.9 fps") && t.contains("12 frames received, 3 skipped"),
            "{t}"
        );
        assert!(t.contains("newest frame 2.5 s old"), "{t}");
        assert!(t.contains("round trip 48 ms"), "{t}");
        s.connection = Connection::Ended {
            reason: "done".into(),
        };
        s.paused = true;
        let t = joined(&s);
        assert!(
            t.contains("computation finished: done") && t.ends_with("PAUSED"),
            "{t}"
        );
        s.connection = Connection::Lost {
            reason: String::new(),
        };
        assert!(joined(&s).contains("connection lost"));
        s.connection = Connection::Stopped;
        assert!(joined(&s).contains("computation stopped without a goodbye"));
        s.connection = Connection::Reconnecting {
            attempt: 2,
            reason: "refused".into(),
        };
        assert!(joined(&s).contains("reconnecting (attempt 2): refused"));
    }
}
