//! The replay's controls: a position that steps, jumps or plays at a
//! speed, over a [`Replay`]. Window independent (the window maps its keys
//! to [`Control`]s), so the behaviour is tested without a display.
//!
//! | key          | control                                   |
//! |--------------|-------------------------------------------|
//! | ← / →        | step to the previous / next recorded moment |
//! | PgUp / PgDn  | back / forward a tenth of the recording   |
//! | Home / End   | the first data / the end                  |
//! | space        | play / pause (play at the end starts over) |
//! | `[` / `]`    | half / double speed (1/16× to 64×)        |

use std::time::{Duration, Instant};

use crate::model::PlotState;
use crate::model::ReplayStatus;
use crate::recording::replay::{file_name, Replay, ReplayError};

/// Slowest playback speed.
pub const MIN_SPEED: f64 = 1.0 / 16.0;
/// Fastest playback speed.
pub const MAX_SPEED: f64 = 64.0;

/// While playing, the status line (position) is redrawn at least this
/// often even when no record falls in between.
const POSITION_REFRESH: Duration = Duration::from_millis(100);

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The previous recorded moment.
    StepBack,
    /// The next recorded moment.
    StepForward,
    /// A tenth of the recording back.
    JumpBack,
    /// A tenth of the recording forward.
    JumpForward,
    /// The first data.
    Home,
    /// The end.
    End,
    /// Play or pause.
    PlayPause,
    /// Half speed.
    Slower,
    /// Double speed.
    Faster,
}

/// A replay with a position under the user's control.
#[derive(Debug)]
pub struct Player {
    replay: Replay,
    /// While playing: the wall time and position playback started from.
    playing: Option<(Instant, Duration)>,
    speed: f64,
    file: String,
    /// In a window: the status line shows the keys.
    interactive: bool,
}

impl Player {
    /// A paused player showing the end of the recording (the last state,
    /// as the live window showed it when the run ended).
    ///
    /// # Errors
    /// [`ReplayError`] when the records cannot be read back.
    pub fn new(mut replay: Replay) -> Result<Self, ReplayError> {
        replay.seek(replay.recording().span())?;
        let file = file_name(replay.recording().path());
        Ok(Self {
            replay,
            playing: None,
            speed: 1.0,
            file,
            interactive: false,
        })
    }

    /// Shows the keys in the status line (for a window).
    pub fn set_interactive(&mut self, interactive: bool) {
        self.interactive = interactive;
    }

    /// The replay.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// True while playing.
    pub fn is_playing(&self) -> bool {
        self.playing.is_some()
    }

    /// The playback speed.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Acts on a control at wall time `now`; true when the shown state
    /// changed (data, position or play state).
    ///
    /// # Errors
    /// [`ReplayError`] when a record cannot be read back.
    pub fn control(&mut self, control: Control, now: Instant) -> Result<bool, ReplayError> {
        let span = self.replay.recording().span();
        let here = self.replay.position();
        let tenth = span / 10;
        let target = match control {
            Control::PlayPause => {
                self.playing = match self.playing {
                    Some(_) => None,
                    // At the end, play starts over.
                    None if here >= span => {
                        self.replay.seek(self.first_data())?;
                        Some((now, self.replay.position()))
                    }
                    None => Some((now, here)),
                };
                return Ok(true);
            }
            Control::Slower | Control::Faster => {
                self.set_speed(
                    now,
                    if control == Control::Faster {
                        self.speed * 2.0
                    } else {
                        self.speed / 2.0
                    },
                );
                return Ok(true);
            }
            Control::StepBack => self.replay.recording().previous_time(here),
            Control::StepForward => self.replay.recording().next_time(here),
            Control::JumpBack => Some(here.saturating_sub(tenth)),
            Control::JumpForward => Some((here + tenth).min(span)),
            Control::Home => Some(self.first_data()),
            Control::End => Some(span),
        };
        let Some(target) = target else {
            return Ok(false);
        };
        // Moving by hand pauses, so the position stays where it was put.
        self.playing = None;
        self.replay.seek(target)?;
        Ok(true)
    }

    /// Moves to time `t` (clamped to the recording) and pauses.
    ///
    /// # Errors
    /// [`ReplayError`] when a record cannot be read back.
    pub fn seek(&mut self, t: Duration) -> Result<(), ReplayError> {
        self.playing = None;
        self.replay.seek(t).map(drop)
    }

    /// Moves the position with the wall clock while playing; true when the
    /// state should be redrawn (always, while playing: the position in the
    /// status line moves). Stops at the end.
    ///
    /// # Errors
    /// [`ReplayError`] when a record cannot be read back.
    pub fn advance(&mut self, now: Instant) -> Result<bool, ReplayError> {
        let Some((wall, from)) = self.playing else {
            return Ok(false);
        };
        let span = self.replay.recording().span();
        let target = from + now.saturating_duration_since(wall).mul_f64(self.speed);
        if target >= span {
            self.playing = None;
        }
        self.replay.seek(target.min(span))?;
        Ok(true)
    }

    /// When `advance` has something to show next, while playing.
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        let (wall, from) = self.playing?;
        let here = self.replay.position();
        let next = self
            .replay
            .recording()
            .next_time(here)
            .unwrap_or_else(|| self.replay.recording().span());
        let until_record = next.saturating_sub(from).div_f64(self.speed);
        let at = (wall + until_record).min(now + POSITION_REFRESH);
        Some(at.max(now))
    }

    /// The state to draw, its status line saying where the replay is.
    pub fn plot_state(&self) -> PlotState {
        let mut state = self.replay.state().clone();
        state.status.replay = Some(ReplayStatus {
            file: self.file.clone(),
            position: self.replay.position(),
            span: self.replay.recording().span(),
            playing: self.is_playing(),
            speed: self.speed,
            keys_hint: self.interactive,
        });
        state
    }

    fn set_speed(&mut self, now: Instant, speed: f64) {
        // Keep the position continuous across the change.
        if let Some((wall, from)) = self.playing {
            let here = from + now.saturating_duration_since(wall).mul_f64(self.speed);
            self.playing = Some((now, here.min(self.replay.recording().span())));
        }
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    }

    fn first_data(&self) -> Duration {
        self.replay.recording().first_data_time()
    }
}
