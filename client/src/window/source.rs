//! Where the window's data comes from: a live connection (the network
//! thread keeps the [`Shared`] state up to date) or a recording being
//! replayed (the [`Player`] puts its state there), and the copy of the
//! plot data frozen while the user paused (space).
//!
//! Paused, batches keep arriving and are acknowledged at the drawing rate
//! without being drawn, so the shared state always holds the newest data
//! and resuming shows it at once.

use std::sync::Arc;
use std::time::Instant;

use crate::error::{NetError, RunError};
use crate::model::{Connection, PlotState};
use crate::net::{NetConfig, NetHandle, NetOutcome, Shared};
use crate::recording::{Control, Player};

/// The data side of the window.
pub(super) struct Source {
    shared: Arc<Shared>,
    net: Option<NetHandle>,
    /// The live connection's settings (a second connection fetches full
    /// data for an export).
    net_config: Option<NetConfig>,
    /// Replaying a recording (`plotcast-viewer FILE`): the data comes from
    /// here instead of the network.
    replay: Option<Player>,
    /// The plot data shown while paused.
    frozen: Option<PlotState>,
}

impl Source {
    /// Data from the network thread `net`, which updates `shared`.
    pub(super) fn live(shared: Arc<Shared>, net: NetHandle, cfg: NetConfig) -> Self {
        Self {
            shared,
            net: Some(net),
            net_config: Some(cfg),
            replay: None,
            frozen: None,
        }
    }

    /// Data from a recording, at the player's position.
    pub(super) fn replay(player: Player) -> Self {
        let shared = Arc::new(Shared::new(player.plot_state()));
        shared.finish_batch();
        Self {
            shared,
            net: None,
            net_config: None,
            replay: Some(player),
            frozen: None,
        }
    }

    /// The state shared with the network thread.
    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The live connection's settings; `None` when replaying.
    pub(super) fn net_config(&self) -> Option<&NetConfig> {
        self.net_config.as_ref()
    }

    /// True while the user paused the display.
    pub(super) fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    /// True when replaying a recording.
    pub(super) fn is_replay(&self) -> bool {
        self.replay.is_some()
    }

    /// What to draw and the number of the last batch in it: the newest
    /// state, or the frozen data with the live status line.
    pub(super) fn to_draw(&self) -> (PlotState, u64) {
        match &self.frozen {
            Some(frozen) => {
                let mut plot = frozen.clone();
                plot.status = self.shared.update(|s| s.status.clone());
                (plot, self.shared.batch())
            }
            None => self.shared.snapshot(),
        }
    }

    /// The plot data as shown: frozen while paused, else the newest.
    pub(super) fn data(&self) -> PlotState {
        match &self.frozen {
            Some(frozen) => frozen.clone(),
            None => self.shared.snapshot().0,
        }
    }

    /// The connection as the status line shows it now.
    pub(super) fn connection(&self) -> Connection {
        self.shared.update(|s| s.status.connection.clone())
    }

    /// Space: freezes the data shown, or resumes showing the newest.
    pub(super) fn toggle_pause(&mut self) {
        self.frozen = match self.frozen.take() {
            Some(_) => None,
            None => Some(self.shared.snapshot().0),
        };
        let paused = self.frozen.is_some();
        self.shared.update(|s| s.status.paused = paused);
    }

    /// The network thread's outcome, once it said it finished.
    pub(super) fn net_finished(&mut self) -> Option<Result<NetOutcome, NetError>> {
        self.net.take().map(NetHandle::join)
    }

    /// Stops the network thread (it says goodbye) and returns how it ended.
    pub(super) fn shutdown(&mut self) -> Option<Result<NetOutcome, NetError>> {
        self.net.take().map(NetHandle::shutdown)
    }

    /// Acts on a replay control; true when the shown state changed.
    ///
    /// # Errors
    /// When the recording cannot be read at the new position.
    pub(super) fn control(&mut self, control: Control, now: Instant) -> Result<bool, RunError> {
        let Some(player) = &mut self.replay else {
            return Ok(false);
        };
        let changed = player.control(control, now)?;
        if changed {
            self.show_replay();
        }
        Ok(changed)
    }

    /// Moves a playing replay with the clock; true when the shown state
    /// changed.
    ///
    /// # Errors
    /// When the recording cannot be read at the new position.
    pub(super) fn advance(&mut self, now: Instant) -> Result<bool, RunError> {
        let Some(player) = &mut self.replay else {
            return Ok(false);
        };
        let changed = player.advance(now)?;
        if changed {
            self.show_replay();
        }
        Ok(changed)
    }

    /// When a playing replay next needs the loop to wake.
    pub(super) fn next_wake(&self, now: Instant) -> Option<Instant> {
        self.replay.as_ref().and_then(|p| p.next_wake(now))
    }

    /// Puts the replay's state where the drawing side takes it from.
    fn show_replay(&self) {
        if let Some(player) = &self.replay {
            let state = player.plot_state();
            self.shared.update(|s| *s = state);
            self.shared.finish_batch();
        }
    }
}
