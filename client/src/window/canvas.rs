//! The window and what it shows: a winit window and its softbuffer
//! surface, drawn into directly (the renderer's canvas is softbuffer's
//! `0RGB` words). `s` saves the next drawing as a PNG.

use std::num::NonZeroU32;
use std::rc::Rc;

use softbuffer::{Context, Surface};
use winit::dpi::PhysicalSize;
use winit::event_loop::ActiveEventLoop;
use winit::window::Window;

use crate::error::RunError;
use crate::options::{unused_file_name, write_atomically};
use crate::render;

/// The window, its surface and its last frame.
#[derive(Default)]
pub(super) struct Canvas {
    window: Option<Rc<Window>>,
    surface: Option<Surface<Rc<Window>, Rc<Window>>>,
    /// `s` was pressed: the next drawing is saved as a PNG, named for this
    /// Unix time.
    save_at: Option<u64>,
    /// The window's title now.
    title: String,
}

fn window_error(e: impl std::fmt::Display) -> RunError {
    RunError::Window(e.to_string())
}

impl Canvas {
    /// True once the window exists.
    pub(super) fn is_open(&self) -> bool {
        self.window.is_some()
    }

    /// Opens the window; returns the display's refresh rate in millihertz
    /// when it says.
    ///
    /// # Errors
    /// [`RunError::Window`] when no window can be made.
    pub(super) fn open(
        &mut self,
        event_loop: &ActiveEventLoop,
        title: &str,
        (width, height): (u32, u32),
    ) -> Result<Option<u32>, RunError> {
        let attributes = Window::default_attributes()
            .with_title(title)
            .with_inner_size(PhysicalSize::new(width, height));
        let window = Rc::new(event_loop.create_window(attributes).map_err(window_error)?);
        let context = Context::new(window.clone()).map_err(window_error)?;
        let surface = Surface::new(&context, window.clone()).map_err(window_error)?;
        let refresh_mhz = window
            .current_monitor()
            .and_then(|m| m.refresh_rate_millihertz());
        window.request_redraw();
        self.title = title.to_owned();
        self.window = Some(window);
        self.surface = Some(surface);
        Ok(refresh_mhz)
    }

    /// Drops the window and its surface (the application was suspended).
    pub(super) fn close(&mut self) {
        self.surface = None;
        self.window = None;
    }

    /// Sets the window's title (what window lists and `xdotool search
    /// --name` find), if it changed.
    pub(super) fn set_title(&mut self, title: &str) {
        if let Some(window) = self.window.as_ref().filter(|_| self.title != title) {
            window.set_title(title);
            self.title = title.to_owned();
        }
    }

    /// Asks winit for a redraw.
    pub(super) fn request_redraw(&self) {
        if let Some(window) = &self.window {
            window.request_redraw();
        }
    }

    /// The size to draw at; `None` without a window or while minimised.
    pub(super) fn size(&self) -> Option<(NonZeroU32, NonZeroU32)> {
        let size = self.window.as_ref()?.inner_size();
        Some((NonZeroU32::new(size.width)?, NonZeroU32::new(size.height)?))
    }

    /// Draws with `draw` straight into the surface's buffer (`width ×
    /// height` `0RGB` words) and shows it; saves it first when `s` asked.
    /// Returns what `draw` returned, `None` without a surface.
    ///
    /// # Errors
    /// [`RunError::Window`] when the surface fails.
    pub(super) fn draw<R>(
        &mut self,
        width: NonZeroU32,
        height: NonZeroU32,
        draw: impl FnOnce(&mut [u32]) -> R,
    ) -> Result<Option<R>, RunError> {
        let Some(surface) = &mut self.surface else {
            return Ok(None);
        };
        surface.resize(width, height).map_err(window_error)?;
        let mut buffer = surface.buffer_mut().map_err(window_error)?;
        let drawn = draw(&mut buffer);
        if let Some(unix_secs) = self.save_at.take() {
            save_png(&buffer, (width.get(), height.get()), unix_secs);
        }
        buffer.present().map_err(window_error)?;
        Ok(Some(drawn))
    }

    /// Saves the next drawing as `./plotcast-<unix time>.png`.
    pub(super) fn save_next(&mut self, unix_secs: u64) {
        self.save_at = Some(unix_secs);
        self.request_redraw();
    }
}

/// Saves `words` (a drawing of `width × height`) as
/// `./plotcast-<unix time>.png`; says where, or why not.
fn save_png(words: &[u32], (width, height): (u32, u32), unix_secs: u64) {
    let mut rgb = Vec::new();
    render::words_to_rgb(words, &mut rgb);
    let path = unused_file_name(&format!("plotcast-{unix_secs}"), "png");
    let saved = write_atomically(&path, |tmp| {
        render::save_png(tmp, width, height, &rgb).map_err(|e| e.to_string())
    });
    match saved {
        Ok(()) => println!("saved {}", path.display()),
        Err(err) => eprintln!("plotcast-viewer: {err}"),
    }
}
