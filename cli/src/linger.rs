//! What `plotcast` does once its input has ended (or its command has
//! exited) and no viewer was launched: the viewers it serves are on other
//! machines, or yet to be started by hand, so exiting at once would leave
//! them nothing to connect to. It keeps serving the final plots until a
//! signal (Ctrl-C), or for `--wait SECS`.
//!
//! ```text
//! viewer launched (window)       finish: wait up to --wait (10 s) for it to
//!                                receive the final values, then exit
//! no viewer, no --wait           serve until Ctrl-C / SIGTERM, then exit
//! no viewer, --wait SECS         serve for SECS (Ctrl-C: sooner), then exit;
//!                                --wait 0 exits at once
//! stopped by a signal            exit (the signal said so)
//! ```

use std::time::Duration;

use plotcast::ViewerLaunch;

use crate::signals::Caught;

/// How long to keep serving after the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Linger {
    /// Not at all: finish (waiting for a launched viewer) and exit.
    No,
    /// Until a signal.
    UntilSignal,
    /// For this long, or until a signal.
    For(Duration),
}

impl Linger {
    /// The rule above: `wait` is `--wait` as given, `launch` what became
    /// of the viewer launch, `caught` the signal that stopped the input (0:
    /// none).
    pub fn after_input(wait: Option<f64>, launch: &ViewerLaunch, caught: i32) -> Self {
        let launched = matches!(
            launch,
            ViewerLaunch::Launched { .. } | ViewerLaunch::Building
        );
        match wait.map(Duration::try_from_secs_f64) {
            _ if launched || caught != 0 => Linger::No,
            None => Linger::UntilSignal,
            Some(Ok(d)) if !d.is_zero() => Linger::For(d),
            // --wait 0: exit at once.
            Some(_) => Linger::No,
        }
    }

    /// How the serving ends, for the note that says it goes on.
    pub fn how_it_ends(self) -> String {
        match self {
            Linger::No => "stopping now".into(),
            Linger::UntilSignal => "press Ctrl-C to stop".into(),
            Linger::For(d) => format!("stopping in {} s (--wait), or at Ctrl-C", d.as_secs_f64()),
        }
    }

    /// Serves (the server's threads do the work) until the linger is over.
    pub fn wait(self, caught: &Caught) {
        let limit = match self {
            Linger::No => return,
            Linger::UntilSignal => None,
            Linger::For(d) => Some(d),
        };
        caught.wait(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serving_goes_on_only_without_a_viewer_or_a_signal() {
        let launched = ViewerLaunch::Launched {
            path: "plotcast-viewer".into(),
            pid: 1,
        };
        let none = ViewerLaunch::Disabled;
        assert_eq!(Linger::after_input(None, &launched, 0), Linger::No);
        assert_eq!(Linger::after_input(Some(3.0), &launched, 0), Linger::No);
        assert_eq!(Linger::after_input(None, &none, 2), Linger::No);
        assert_eq!(Linger::after_input(None, &none, 0), Linger::UntilSignal);
        assert_eq!(
            Linger::after_input(Some(0.5), &none, 0),
            Linger::For(Duration::from_millis(500))
        );
        assert_eq!(
            Linger::after_input(Some(0.0), &none, 0),
            Linger::No,
            "--wait 0"
        );
    }
}
