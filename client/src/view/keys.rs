//! The window's keys and mouse actions: one table, shown by `--help` and
//! by the help overlay (`h` or `?`), and the mapping from a key to what
//! it does.
//!
//! Replay takes ←/→, PgUp/PgDn, Home, End, space, `[` and `]` first (see
//! `crate::player`); `e` exports CSV (the window handles it).

#[cfg(feature = "window")]
use winit::keyboard::{Key, NamedKey};

/// Every key and mouse action of the window, `(keys, what it does)`, in
/// the order the help shows them.
pub const KEYS: &[(&str, &str)] = &[
    (
        "mouse over a plot",
        "value readout and crosshair (nearest point per trace, heatmap cell, bar)",
    ),
    (
        "wheel",
        "zoom around the cursor: x of a line or series plot (y follows the data in view), both axes of a heatmap or scatter plot",
    ),
    ("Shift+wheel", "zoom the y axis of the plot under the cursor"),
    ("Ctrl+wheel", "zoom both axes of the plot under the cursor"),
    (
        "drag",
        "pan the plot under the cursor (along x while its y follows the data)",
    ),
    (
        "click",
        "place cursor A, then B, on a line or series plot (Δx, Δy)",
    ),
    (
        "click a legend entry",
        "hide / show that trace (autoscale ignores hidden traces)",
    ),
    (
        "a",
        "autoscale every plot (zoomed series follow the newest data again)",
    ),
    (
        "f",
        "follow the newest data: the zoomed series plot under the cursor, or all",
    ),
    ("l", "link / unlink the x axes of all series plots"),
    (
        "x, y",
        "log / linear x or y axis of the plot under the cursor",
    ),
    (
        "Enter",
        "the plot under the cursor alone, full window / back to all",
    ),
    (
        "n, p, PgDn, PgUp",
        "next / previous page of plots (when they do not all fit; PgDn/PgUp replay when replaying)",
    ),
    ("h, ?", "show / hide this help"),
    (
        "space",
        "pause / resume the display (the network keeps the newest data)",
    ),
    ("s", "save a PNG of the window (./plotcast-<unix time>.png)"),
    (
        "e",
        "save the plot under the cursor, as far as it is in view, as CSV (every value; hidden traces left out)",
    ),
    (
        "Esc",
        "close the help, else clear the cursors, else leave the one-plot view, else quit",
    ),
    ("q", "quit"),
];

/// The keys of a window replaying a recording, taken before the others.
pub const REPLAY_KEYS: &[(&str, &str)] = &[
    ("left, right", "step to the previous / next recorded moment"),
    ("PgUp, PgDn", "back / forward a tenth of the recording"),
    ("Home, End", "the first data / the end"),
    ("space", "play / pause"),
    ("[, ]", "half / double playback speed (1/16x to 64x)"),
];

/// What a key asks the window to do (keys of the interaction features;
/// the window handles quit, pause and save itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `a`.
    Autoscale,
    /// `f`.
    Follow,
    /// `l`.
    LinkAll,
    /// `x`.
    LogX,
    /// `y`.
    LogY,
    /// Enter.
    Focus,
    /// PgDn.
    NextPage,
    /// PgUp.
    PreviousPage,
    /// `h` or `?`.
    Help,
    /// Esc.
    Escape,
}

/// The command of a key, if it has one.
#[cfg(feature = "window")]
pub fn command(key: Key<&str>) -> Option<Command> {
    Some(match key {
        Key::Character("a" | "A") => Command::Autoscale,
        Key::Character("f" | "F") => Command::Follow,
        Key::Character("l" | "L") => Command::LinkAll,
        Key::Character("x" | "X") => Command::LogX,
        Key::Character("y" | "Y") => Command::LogY,
        Key::Character("h" | "H" | "?") => Command::Help,
        Key::Named(NamedKey::Enter) => Command::Focus,
        Key::Character("n" | "N") | Key::Named(NamedKey::PageDown) => Command::NextPage,
        Key::Character("p" | "P") | Key::Named(NamedKey::PageUp) => Command::PreviousPage,
        Key::Named(NamedKey::Escape) => Command::Escape,
        _ => return None,
    })
}

/// The "Keys and mouse" section of `--help`.
pub fn help_text() -> String {
    let width = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Keys and mouse (window mode; h or ? shows them in the window):\n");
    for (keys, action) in KEYS {
        let pad = width - keys.chars().count();
        text += &format!("  {keys}{:pad$}  {action}\n", "");
    }
    text += "\nReplaying a recording (plotcast-viewer FILE), these keys come first:\n";
    for (keys, action) in REPLAY_KEYS {
        let pad = width.saturating_sub(keys.chars().count());
        text += &format!("  {keys}{:pad$}  {action}\n", "");
    }
    text
}

#[cfg(all(test, feature = "window"))]
mod tests {
    use super::*;

    #[test]
    fn every_command_key_is_in_the_help() {
        let help = help_text();
        for key in [
            "a", "f", "l", "x", "y", "h", "?", "Enter", "PgDn", "PgUp", "Esc", "q", "s", "space",
            "e", "n", "p",
        ] {
            assert!(
                KEYS.iter()
                    .any(|(k, _)| k.split(", ").any(|one| one == key)),
                "{key} is missing from KEYS"
            );
            assert!(help.contains(key), "{key} is missing from --help");
        }
        for (key, command_) in [
            ("a", Command::Autoscale),
            ("?", Command::Help),
            ("l", Command::LinkAll),
        ] {
            assert_eq!(command(Key::Character(key)), Some(command_));
        }
        // Replay's keys and export stay free.
        for key in ["[", "]", "e"] {
            assert_eq!(command(Key::Character(key)), None);
        }
        for key in [
            NamedKey::ArrowLeft,
            NamedKey::ArrowRight,
            NamedKey::Home,
            NamedKey::End,
            NamedKey::Space,
        ] {
            assert_eq!(command(Key::Named(key)), None);
        }
    }
}
