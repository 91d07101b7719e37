//! The mouse over the window: where it is, and the left button held down
//! (a click, or a drag that pans the plot it started on). The wheel zooms
//! (x of lines and series; with Shift y, with Ctrl both axes).

use winit::dpi::PhysicalPosition;
use winit::event::MouseScrollDelta;
use winit::keyboard::ModifiersState;

use crate::view::ZoomAxes;

/// Zoom factor per wheel notch (> 1 zooms in: the range shrinks to 80 %).
const ZOOM_IN_PER_NOTCH: f64 = 1.25;

/// Pixels of a touchpad scroll that count as one wheel notch.
const PIXELS_PER_NOTCH: f64 = 40.0;

/// A press that moves less than this (pixels) before its release is a
/// click, not a drag.
const CLICK_SLOP: f64 = 4.0;

/// The left button held down: where, over which plot, and whether it has
/// become a drag.
#[derive(Debug, Clone, Copy)]
struct Press {
    channel: Option<u32>,
    at: PhysicalPosition<f64>,
    last: PhysicalPosition<f64>,
    dragging: bool,
}

/// The mouse.
#[derive(Debug, Default)]
pub(super) struct Pointer {
    cursor: Option<PhysicalPosition<f64>>,
    /// The left button, while it is down.
    press: Option<Press>,
    /// Shift and Ctrl, which change what the wheel zooms.
    keys: ModifiersState,
}

/// A drag step: pan `channel` by `(dx, dy)` pixels.
pub(super) struct Drag {
    pub channel: u32,
    pub dx: f64,
    pub dy: f64,
}

impl Pointer {
    /// The modifier keys changed.
    pub(super) fn modifiers(&mut self, keys: ModifiersState) {
        self.keys = keys;
    }

    /// What the wheel zooms now: Ctrl both axes, Shift y, else the plot's
    /// default (x of lines and series, both of the others).
    pub(super) fn zoom_axes(&self) -> ZoomAxes {
        if self.keys.control_key() {
            ZoomAxes::Both
        } else if self.keys.shift_key() {
            ZoomAxes::Y
        } else {
            ZoomAxes::Default
        }
    }

    /// Where the mouse is, while it is over the window.
    pub(super) fn at(&self) -> Option<(f64, f64)> {
        self.cursor.map(|p| (p.x, p.y))
    }

    /// The mouse left the window.
    pub(super) fn left(&mut self) {
        self.cursor = None;
    }

    /// The mouse moved to `at`; a drag step when the button is down over
    /// a plot and the mouse moved far enough.
    pub(super) fn moved(&mut self, at: PhysicalPosition<f64>) -> Option<Drag> {
        self.cursor = Some(at);
        let press = self.press.as_mut()?;
        let far = (at.x - press.at.x).hypot(at.y - press.at.y) >= CLICK_SLOP;
        let channel = press.channel.filter(|_| press.dragging || far)?;
        press.dragging = true;
        Some(Drag {
            channel,
            dx: at.x - press.last.x,
            dy: at.y - press.last.y,
        })
    }

    /// The drag step was applied: the next one starts here.
    pub(super) fn dragged(&mut self) {
        if let (Some(press), Some(at)) = (self.press.as_mut(), self.cursor) {
            press.last = at;
        }
    }

    /// The left button went down over `channel` (or no plot).
    pub(super) fn pressed(&mut self, channel: Option<u32>) {
        if let Some(at) = self.cursor {
            self.press = Some(Press {
                channel,
                at,
                last: at,
                dragging: false,
            });
        }
    }

    /// The left button came up: where, if it was a click (not a drag).
    pub(super) fn released(&mut self) -> Option<(f64, f64)> {
        let press = self.press.take()?;
        (!press.dragging).then_some(self.at()).flatten()
    }
}

/// The zoom factor of a wheel turn (> 1: in).
pub(super) fn wheel_zoom(delta: MouseScrollDelta) -> f64 {
    let notches = match delta {
        MouseScrollDelta::LineDelta(_, y) => f64::from(y),
        MouseScrollDelta::PixelDelta(p) => p.y / PIXELS_PER_NOTCH,
    };
    // Wheel up (positive) zooms in.
    ZOOM_IN_PER_NOTCH.powf(notches)
}
