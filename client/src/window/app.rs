//! Window mode: the winit application on the main thread.
//!
//! One `App` implements `ApplicationHandler<UserEvent>`. The window and
//! its softbuffer surface are created in `resumed` and dropped in
//! `suspended`; the loop sleeps (`ControlFlow::Wait`) until the network
//! thread wakes it through an `EventLoopProxy`, and draws only on
//! `RedrawRequested`. Draws are paced to the display ([`Pacer`]): news marks
//! a draw as due and the draw happens at the next refresh slot, showing the
//! newest state then. After each present it acknowledges the batches it
//! drew, which lets the network thread ask the server for more.
//!
//! Pause (space) freezes a copy of the plot data; batches keep arriving and
//! are acknowledged at the drawing rate without being drawn, so the shared
//! state always holds the newest data and resuming shows it immediately.
//! While paused the window still redraws for the user (zoom, pan, resize)
//! and for connection changes, with the frozen data and the live status
//! line. Without new data the status line is still redrawn every second,
//! so the frame age keeps counting.

use std::num::NonZeroU32;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use softbuffer::{Context, Surface};
use tracing::debug;
use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, KeyEvent, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

use crate::error::{describe, RunError};
use crate::model::{Connection, PlotState};
use crate::net::shared::Shared;
use crate::net::{NetConfig, NetEvent, NetHandle, NetOutcome};
use crate::options::{write_atomically, ReadyFile, RunOptions};
use crate::pacing::FpsMeter;
use crate::pacing::{max_fps, Pacer};
use crate::recording::export;
use crate::recording::player::{Control, Player};
use crate::recording::recorder::Recorder;
use crate::recording::replay::{Recording, Replay};
use crate::render;
use crate::view::{follow, interaction, keys, linking, RenderInfo, ViewState};

/// Zoom factor per wheel notch (> 1 zooms in: the range shrinks to 80 %).
const ZOOM_IN_PER_NOTCH: f64 = 1.25;

/// Longest time without a redraw: the status line (frame age, fps, connection)
/// is redrawn at least this often.
const STATUS_REFRESH: Duration = Duration::from_secs(1);

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

/// Events the network thread sends to the event loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserEvent {
    /// See [`NetEvent`].
    Net(NetEvent),
}

/// The event loop of the window, sleeping until woken.
fn event_loop() -> Result<EventLoop<UserEvent>, RunError> {
    let event_loop = EventLoop::<UserEvent>::with_user_event()
        .build()
        .map_err(|e| {
            RunError::Window(format!(
                "cannot open a window ({e}); without a display, use --headless"
            ))
        })?;
    event_loop.set_control_flow(ControlFlow::Wait);
    Ok(event_loop)
}

/// Runs the window until it is closed and settles the result.
fn run_app(event_loop: EventLoop<UserEvent>, app: &mut App<'_>) -> Result<u64, RunError> {
    let ran = event_loop
        .run_app(app)
        .map_err(|e| RunError::Window(e.to_string()));
    app.finish(ran)
}

/// Opens the window and runs until it is closed; returns the number of
/// frames that showed new data.
///
/// # Errors
/// [`RunError::Window`] when no window can be opened (no display), the
/// network error when the server rejects the viewer, [`RunError::Timeout`].
pub fn run(cfg: NetConfig, opts: &RunOptions) -> Result<u64, RunError> {
    let event_loop = event_loop()?;
    let proxy = event_loop.create_proxy();
    let shared = Arc::new(Shared::default());
    let title = format!("plotcast — {}", cfg.addr);
    let recorder = opts.record.as_ref().map(Recorder::create).transpose()?;
    // A closed event loop means the window is gone and nobody listens.
    let net = NetHandle::spawn_recording(
        cfg,
        shared.clone(),
        move |event| {
            let _ = proxy.send_event(UserEvent::Net(event));
        },
        recorder,
    )?;
    let mut app = App::new(opts, title, shared, Some(net), None);
    run_app(event_loop, &mut app)
}

/// Opens the window on a recording (see [`crate::recording::player`] for the keys)
/// and runs until it is closed.
///
/// # Errors
/// [`RunError::Window`] when no window can be opened, [`RunError::Replay`]
/// when the recording cannot be read back.
pub fn run_replay(rec: Recording, opts: &RunOptions) -> Result<u64, RunError> {
    let event_loop = event_loop()?;
    let title = format!("plotcast — {}", rec.path().display());
    let mut player = Player::new(Replay::new(rec))?;
    player.set_interactive(true);
    if let Some(at) = opts.at {
        player.seek(Duration::try_from_secs_f64(at).unwrap_or(Duration::MAX))?;
    }
    let shared = Arc::new(Shared::new(player.plot_state()));
    shared.finish_batch();
    let mut app = App::new(opts, title, shared, None, Some(player));
    run_app(event_loop, &mut app)
}

impl<'a> App<'a> {
    fn new(
        opts: &'a RunOptions,
        title: String,
        shared: Arc<Shared>,
        net: Option<NetHandle>,
        replay: Option<Player>,
    ) -> Self {
        Self {
            opts,
            title,
            shared,
            net,
            replay,
            window: None,
            surface: None,
            rgb: Vec::new(),
            shown_size: (0, 0),
            info: None,
            view: ViewState {
                ui: crate::view::Interaction {
                    page: opts.page,
                    ..crate::view::Interaction::default()
                },
                ..ViewState::default()
            },
            shown: None,
            frozen: None,
            drawn_connection: None,
            cursor: None,
            press: None,
            presented: 0,
            ready: ReadyFile::new(opts.ready_file.clone()),
            batches_shown: 0,
            last_draw: None,
            drawn_batch: 0,
            acked_batch: 0,
            pacer: Pacer::new(max_fps(opts.max_fps, None)),
            fps: FpsMeter::default(),
            deadline: opts.timeout.map(|t| Instant::now() + t),
            exit: None,
        }
    }
}

struct App<'a> {
    opts: &'a RunOptions,
    title: String,
    shared: Arc<Shared>,
    net: Option<NetHandle>,
    /// Replaying a recording (`plotcast-viewer FILE`): the data comes from
    /// here instead of the network.
    replay: Option<Player>,
    window: Option<Rc<Window>>,
    surface: Option<Surface<Rc<Window>, Rc<Window>>>,
    /// The last rendered frame (what `s` saves) and its size.
    rgb: Vec<u8>,
    shown_size: (u32, u32),
    info: Option<RenderInfo>,
    view: ViewState,
    /// The plot data of the last frame drawn (clicks and keys read it).
    shown: Option<PlotState>,
    /// The plot data shown while paused.
    frozen: Option<PlotState>,
    /// Connection status of the last drawn frame.
    drawn_connection: Option<Connection>,
    cursor: Option<PhysicalPosition<f64>>,
    /// The left button, while it is down.
    press: Option<Press>,
    presented: u64,
    ready: ReadyFile,
    /// Presents that showed a new batch (what `--frames` counts).
    batches_shown: u64,
    /// When the window was last drawn, and the batch it showed.
    last_draw: Option<Instant>,
    drawn_batch: u64,
    /// The newest batch acknowledged to the network thread.
    acked_batch: u64,
    /// When the next draw may happen.
    pacer: Pacer,
    /// Measures frames that showed a new batch (status refreshes and
    /// redraws for zoom or pan do not count).
    fps: FpsMeter,
    deadline: Option<Instant>,
    /// Set when the loop should end, with how.
    exit: Option<Result<(), RunError>>,
}

impl App<'_> {
    fn quit(&mut self, event_loop: &ActiveEventLoop, result: Result<(), RunError>) {
        if self.exit.is_none() {
            self.exit = Some(result);
        }
        event_loop.exit();
    }

    /// Marks a draw as due; it happens at the next refresh slot (see
    /// `about_to_wait`).
    fn request_redraw(&mut self) {
        self.pacer.request();
    }

    /// Tells the network thread that everything up to `batch` was dealt
    /// with, and how long a frame takes here.
    fn acknowledge(&mut self, batch: u64) {
        self.acked_batch = self.acked_batch.max(batch);
        self.shared.set_draw_period(self.pacer.draw_period());
        self.shared.presented(batch);
    }

    /// Stops the network thread (saying goodbye) and settles the result.
    fn finish(&mut self, ran: Result<(), RunError>) -> Result<u64, RunError> {
        let net = self.net.take().map(NetHandle::shutdown);
        match (self.exit.take(), ran, net) {
            (Some(Err(err)), _, _) | (_, Err(err), _) => Err(err),
            (_, _, Some(Err(err))) => Err(err.into()),
            _ => Ok(self.batches_shown),
        }
    }

    fn create_window(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RunError> {
        let size = PhysicalSize::new(self.opts.size.width, self.opts.size.height);
        let attributes = Window::default_attributes()
            .with_title(self.title.clone())
            .with_inner_size(size);
        let window = Rc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| RunError::Window(e.to_string()))?,
        );
        let context = Context::new(window.clone()).map_err(|e| RunError::Window(e.to_string()))?;
        let surface =
            Surface::new(&context, window.clone()).map_err(|e| RunError::Window(e.to_string()))?;
        if self.opts.max_fps.is_none() {
            let refresh_mhz = window
                .current_monitor()
                .and_then(|m| m.refresh_rate_millihertz());
            self.pacer = Pacer::new(max_fps(None, refresh_mhz));
            debug!(?refresh_mhz, period = ?self.pacer.period(), "drawing paced to the display");
        }
        window.request_redraw();
        self.window = Some(window);
        self.surface = Some(surface);
        Ok(())
    }

    /// Renders the newest (or frozen) state and presents it.
    fn draw(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RunError> {
        let (Some(window), Some(surface)) = (&self.window, &mut self.surface) else {
            return Ok(());
        };
        let size = window.inner_size();
        let (Some(width), Some(height)) =
            (NonZeroU32::new(size.width), NonZeroU32::new(size.height))
        else {
            // Minimised: nothing to show. Keep the data flowing (acknowledge
            // what arrived) and count this as a draw, or `about_to_wait`
            // would ask for a status refresh on every turn of the loop.
            let now = Instant::now();
            self.last_draw = Some(now);
            self.pacer.drew(now, now);
            self.acknowledge(self.shared.batch());
            return Ok(());
        };
        let now = Instant::now();
        let fps = self.fps.fps(now);
        let (mut plot, batch) = match &self.frozen {
            Some(frozen) => {
                let mut plot = frozen.clone();
                plot.status = self.shared.update(|s| s.status.clone());
                (plot, self.shared.batch())
            }
            None => self.shared.snapshot(),
        };
        plot.status.fps = fps;
        plot.status.paused = self.frozen.is_some();
        follow::advance(&mut self.view, &plot);
        let options = self.opts.render_options();
        let (w, h) = (width.get(), height.get());
        let info = render::render_with(&plot, &self.view, w, h, &mut self.rgb, &options);
        // Paused, the frozen drawing is not what the server should size
        // data for; zoom and pan of it still are.
        self.shared.set_views(plot.layout_version, info.views());
        let window_err = |e: softbuffer::SoftBufferError| RunError::Window(e.to_string());
        surface.resize(width, height).map_err(window_err)?;
        let mut buffer = surface.buffer_mut().map_err(window_err)?;
        render::rgb_to_0rgb(&self.rgb, &mut buffer);
        buffer.present().map_err(window_err)?;
        self.shown_size = (width.get(), height.get());
        self.drawn_connection = Some(plot.status.connection.clone());
        self.presented += 1;
        if batch > self.drawn_batch && self.frozen.is_none() {
            self.fps.record(now);
            self.batches_shown += 1;
        }
        self.drawn_batch = batch;
        self.last_draw = Some(now);
        self.pacer.drew(now, Instant::now());
        self.shared.update(|s| s.status.fps = fps);
        self.acknowledge(batch);
        self.ready.presented_with(
            self.presented,
            &plot.status,
            crate::clock::now_us(),
            &info.notes,
        )?;
        self.info = Some(info);
        self.shown = Some(plot);
        if self.opts.frames.is_some_and(|n| self.batches_shown >= n) {
            self.quit(event_loop, Ok(()));
        }
        Ok(())
    }

    fn on_net(&mut self, event_loop: &ActiveEventLoop, event: NetEvent) {
        match event {
            NetEvent::Changed if self.frozen.is_some() => {
                // Keep the network going while paused (acknowledged at the
                // drawing rate in `about_to_wait`); redraw only when the
                // status line has news.
                let connection = self.shared.update(|s| s.status.connection.clone());
                if self.drawn_connection.as_ref() != Some(&connection) {
                    self.request_redraw();
                }
            }
            NetEvent::Changed => self.request_redraw(),
            NetEvent::Finished => {
                let outcome = self.net.take().map(NetHandle::join);
                match outcome {
                    Some(Err(err)) => self.quit(event_loop, Err(err.into())),
                    Some(Ok(NetOutcome::Ended { reason } | NetOutcome::Lost { reason })) => {
                        debug!(%reason, "server gone; keeping the last frame");
                        self.request_redraw();
                    }
                    Some(Ok(NetOutcome::Cancelled)) | None => {}
                }
            }
        }
    }

    fn on_key(&mut self, event_loop: &ActiveEventLoop, event: &KeyEvent) {
        if event.state != ElementState::Pressed {
            return;
        }
        if self.replay.is_some() {
            if let Some(control) = replay_control(&event.logical_key.as_ref(), event.repeat) {
                self.control_replay(event_loop, control);
                return;
            }
        }
        let key = event.logical_key.as_ref();
        if let Some(command) = keys::command(key.clone()) {
            if self.on_command(command) {
                self.request_redraw();
            } else if command == keys::Command::Escape {
                self.quit(event_loop, Ok(()));
            }
            return;
        }
        match key {
            Key::Character("q" | "Q") => {
                self.quit(event_loop, Ok(()));
            }
            Key::Named(NamedKey::Space) if !event.repeat => {
                self.frozen = match self.frozen.take() {
                    Some(_) => None,
                    None => Some(self.shared.snapshot().0),
                };
                self.shared
                    .update(|s| s.status.paused = self.frozen.is_some());
                self.request_redraw();
            }
            Key::Character("s" | "S") if !event.repeat => self.save_png(),
            Key::Character("e" | "E") if !event.repeat => self.export_csv(),
            _ => {}
        }
    }

    /// The channel of the plot under the mouse.
    fn hovered(&self) -> Option<u32> {
        let (info, at) = (self.info.as_ref()?, self.cursor?);
        info.channel_at(at.x, at.y).map(|p| p.channel)
    }

    /// Runs a key's command; true when the view changed (Escape: false
    /// when there was nothing to clear, which quits).
    fn on_command(&mut self, command: keys::Command) -> bool {
        use keys::Command;
        let hovered = self.hovered();
        let empty = PlotState::default();
        let shown = self.shown.as_ref().unwrap_or(&empty);
        let view = &mut self.view;
        match command {
            Command::Autoscale => view.autoscale(),
            Command::Follow => {
                follow::resume(view, shown, hovered);
            }
            Command::LinkAll => interaction::toggle_link_all(view, shown),
            Command::LogX | Command::LogY => {
                let Some(channel) = hovered.or(view.ui.focus) else {
                    return false;
                };
                return view
                    .toggle_log(shown, channel, command == Command::LogX)
                    .is_some();
            }
            Command::Focus => view.toggle_focus(hovered),
            Command::NextPage | Command::PreviousPage => {
                let pages = self.info.as_ref().map_or(1, |i| i.pages.pages);
                view.turn_page(command == Command::NextPage, pages);
            }
            Command::Help => view.ui.help = !view.ui.help,
            Command::Escape => return view.escape(),
        }
        true
    }

    /// After the user zoomed or panned `channel`: linked plots take its x
    /// range, and a series view follows the newest data or freezes.
    fn moved(&mut self, channel: u32) {
        if let Some(shown) = &self.shown {
            linking::after_move(&mut self.view, shown, channel);
            follow::after_move(&mut self.view, shown, channel);
        }
        self.request_redraw();
    }

    /// Acts on a replay control and shows the result.
    fn control_replay(&mut self, event_loop: &ActiveEventLoop, control: Control) {
        let Some(player) = &mut self.replay else {
            return;
        };
        match player.control(control, Instant::now()) {
            Ok(true) => self.show_replay(),
            Ok(false) => {}
            Err(err) => self.quit(event_loop, Err(err.into())),
        }
    }

    /// Puts the replay's state where the drawing side takes it from.
    fn show_replay(&mut self) {
        if let Some(player) = &self.replay {
            let state = player.plot_state();
            self.shared.update(|s| *s = state);
            self.shared.finish_batch();
            self.request_redraw();
        }
    }

    /// Writes the visible data of the plot under the cursor as CSV in the
    /// working directory (`e`).
    fn export_csv(&self) {
        let (Some(info), Some(at)) = (&self.info, self.cursor) else {
            eprintln!("plotcast-viewer: point at a plot to export its data");
            return;
        };
        let Some(plot) = info.channel_at(at.x, at.y) else {
            eprintln!("plotcast-viewer: point at a plot to export its data");
            return;
        };
        let state = match &self.frozen {
            Some(frozen) => frozen.clone(),
            None => self.shared.snapshot().0,
        };
        let (Some(spec), Some(data)) = (state.spec(plot.channel), state.data.get(&plot.channel))
        else {
            eprintln!("plotcast-viewer: that plot has no data yet");
            return;
        };
        let visible = self
            .view
            .manual
            .get(&plot.channel)
            .copied()
            .unwrap_or(plot.view);
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let path = export::window_file_name(&spec.name, unix);
        let mut rows = 0;
        let saved = write_atomically(&path, |tmp| {
            let file = std::fs::File::create(tmp).map_err(|e| e.to_string())?;
            rows = export::write_csv(std::io::BufWriter::new(file), spec, data, Some(&visible))
                .map_err(|e| e.to_string())?;
            Ok(())
        });
        match saved {
            Ok(()) => println!("saved {} ({rows} rows)", path.display()),
            Err(err) => eprintln!("plotcast-viewer: {err}"),
        }
    }

    /// Saves what the window shows as `./plotcast-<unix time>.png`.
    fn save_png(&self) {
        let (width, height) = self.shown_size;
        if width == 0 || self.rgb.len() != width as usize * height as usize * 3 {
            eprintln!("plotcast-viewer: nothing drawn yet, no PNG saved");
            return;
        }
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // Two saves within a second must not overwrite each other.
        let path = (1..)
            .map(|n| match n {
                1 => std::path::PathBuf::from(format!("plotcast-{unix}.png")),
                n => std::path::PathBuf::from(format!("plotcast-{unix}-{n}.png")),
            })
            .find(|p| !p.exists())
            .unwrap_or_default();
        let saved = write_atomically(&path, |tmp| {
            render::save_png(tmp, width, height, &self.rgb).map_err(|e| e.to_string())
        });
        match saved {
            Ok(()) => println!("saved {}", path.display()),
            Err(err) => eprintln!("plotcast-viewer: {err}"),
        }
    }

    fn on_wheel(&mut self, delta: MouseScrollDelta) {
        let notches = match delta {
            MouseScrollDelta::LineDelta(_, y) => f64::from(y),
            MouseScrollDelta::PixelDelta(p) => p.y / PIXELS_PER_NOTCH,
        };
        let (Some(info), Some(at)) = (&self.info, self.cursor) else {
            return;
        };
        // Wheel up (positive) zooms in.
        let factor = ZOOM_IN_PER_NOTCH.powf(notches);
        if let Some(channel) = info.zoom(&mut self.view, at.x, at.y, factor) {
            self.moved(channel);
        }
    }

    fn on_cursor(&mut self, at: PhysicalPosition<f64>) {
        self.cursor = Some(at);
        // The readout follows the mouse: redraw over a plot, and once more
        // on leaving one (to take the readout away).
        let over = self.hovered();
        let was = self.view.ui.hover.and_then(|(x, y)| {
            let info = self.info.as_ref()?;
            info.channel_at(x, y).map(|p| p.channel)
        });
        self.view.ui.hover = Some((at.x, at.y));
        if over.is_some() || was.is_some() {
            self.request_redraw();
        }
        let (Some(info), Some(press)) = (&self.info, &mut self.press) else {
            return;
        };
        let far = (at.x - press.at.x).hypot(at.y - press.at.y) >= CLICK_SLOP;
        let Some(channel) = press.channel.filter(|_| press.dragging || far) else {
            return;
        };
        press.dragging = true;
        let from = press.last;
        if info
            .pan(&mut self.view, channel, at.x - from.x, at.y - from.y)
            .is_some()
        {
            press.last = at;
            self.moved(channel);
        }
    }

    fn on_button(&mut self, state: ElementState, button: MouseButton) {
        if button != MouseButton::Left {
            return;
        }
        let Some(at) = self.cursor else {
            return;
        };
        match state {
            ElementState::Pressed => {
                let channel = self
                    .info
                    .as_ref()
                    .and_then(|info| info.channel_at(at.x, at.y))
                    .map(|plot| plot.channel);
                self.press = Some(Press {
                    channel,
                    at,
                    last: at,
                    dragging: false,
                });
            }
            ElementState::Released => {
                let press = self.press.take();
                if press.is_some_and(|p| !p.dragging) {
                    if let (Some(info), Some(shown)) = (&self.info, &self.shown) {
                        let clicked = self.view.click(info, shown, at.x, at.y);
                        if clicked != interaction::Clicked::Nothing {
                            debug!(?clicked, "click");
                            self.request_redraw();
                        }
                    }
                }
            }
        }
    }
}

impl ApplicationHandler<UserEvent> for App<'_> {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_none() {
            if let Err(err) = self.create_window(event_loop) {
                self.quit(event_loop, Err(err));
            }
        }
    }

    fn suspended(&mut self, _event_loop: &ActiveEventLoop) {
        self.surface = None;
        self.window = None;
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: UserEvent) {
        match event {
            UserEvent::Net(event) => self.on_net(event_loop, event),
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => self.quit(event_loop, Ok(())),
            WindowEvent::Resized(_) => self.request_redraw(),
            WindowEvent::RedrawRequested => {
                if let Err(err) = self.draw(event_loop) {
                    self.quit(event_loop, Err(err));
                }
            }
            WindowEvent::KeyboardInput { event, .. } => self.on_key(event_loop, &event),
            WindowEvent::MouseWheel { delta, .. } => self.on_wheel(delta),
            WindowEvent::CursorMoved { position, .. } => self.on_cursor(position),
            WindowEvent::CursorLeft { .. } => {
                self.cursor = None;
                self.view.ui.hover = None;
                self.request_redraw();
            }
            WindowEvent::MouseInput { state, button, .. } => self.on_button(state, button),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let now = Instant::now();
        if self.deadline.is_some_and(|deadline| now >= deadline) {
            let connection = self.shared.update(|s| describe(&s.status.connection));
            let progress = format!(
                "{}; {connection}",
                self.opts.progress(self.batches_shown, "presented")
            );
            self.quit(
                event_loop,
                Err(RunError::Timeout {
                    after: self.opts.timeout.unwrap_or_default(),
                    progress,
                }),
            );
            return;
        }
        // A replay that plays moves with the clock.
        let mut replay_wake = None;
        if let Some(player) = &mut self.replay {
            match player.advance(now) {
                Ok(true) => self.show_replay(),
                Ok(false) => {}
                Err(err) => return self.quit(event_loop, Err(err.into())),
            }
            replay_wake = self.replay.as_ref().and_then(|p| p.next_wake(now));
        }
        // Without new data nothing else wakes the loop: refresh the status
        // line now and then, so the frame age and fps stay true.
        let refresh = self.last_draw.map(|t| t + STATUS_REFRESH);
        if refresh.is_some_and(|t| now >= t) {
            self.pacer.request();
        }
        // Paused: acknowledge what arrived at the drawing rate, so the
        // newest data keeps coming without drawing it.
        let batch = self.shared.batch();
        if self.frozen.is_some() && batch > self.acked_batch && !self.pacer.is_due() {
            let slot_free = self.pacer.slot().is_none_or(|slot| now >= slot);
            if slot_free {
                self.pacer.drew(now, now);
                self.acknowledge(batch);
            }
        }
        if self.pacer.should_draw(now) {
            if let Some(window) = &self.window {
                window.request_redraw();
            }
        }
        let paused_ack = (self.frozen.is_some() && batch > self.acked_batch)
            .then(|| self.pacer.slot())
            .flatten();
        let wake = [
            self.deadline,
            refresh,
            self.pacer.wake_at(),
            paused_ack,
            replay_wake,
        ]
        .into_iter()
        .flatten()
        .min();
        event_loop.set_control_flow(match wake {
            Some(at) if at > now => ControlFlow::WaitUntil(at),
            _ => ControlFlow::Wait,
        });
    }
}

/// The replay control of a key, if it is one (keys the replay does not
/// use keep their usual meaning).
fn replay_control(key: &Key<&str>, repeat: bool) -> Option<Control> {
    Some(match key {
        Key::Named(NamedKey::ArrowLeft) => Control::StepBack,
        Key::Named(NamedKey::ArrowRight) => Control::StepForward,
        Key::Named(NamedKey::PageUp) => Control::JumpBack,
        Key::Named(NamedKey::PageDown) => Control::JumpForward,
        Key::Named(NamedKey::Home) => Control::Home,
        Key::Named(NamedKey::End) => Control::End,
        Key::Named(NamedKey::Space) if !repeat => Control::PlayPause,
        Key::Character("[") => Control::Slower,
        Key::Character("]") => Control::Faster,
        _ => return None,
    })
}
