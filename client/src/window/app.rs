//! Window mode: the winit application on the main thread.
//!
//! One `App` implements `ApplicationHandler<UserEvent>`. The window and
//! its softbuffer surface are created in `resumed` and dropped in
//! `suspended` ([`Canvas`]); the loop sleeps (`ControlFlow::Wait`) until
//! the network thread wakes it through an `EventLoopProxy`, and draws only
//! on `RedrawRequested`. Draws are paced to the display ([`Frames`]): news
//! marks a draw as due and the draw happens at the next refresh slot,
//! showing the newest state then. After each present it acknowledges the
//! batches it drew, which lets the network thread ask the server for more.
//!
//! The data comes from a live connection or a replay ([`Source`]); pause
//! (space) freezes a copy of it. While paused the window still redraws for
//! the user (zoom, pan, resize) and for connection changes, with the
//! frozen data and the live status line. Without new data the status line
//! is still redrawn every second, so the frame age keeps counting.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::debug;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalPosition;
use winit::event::{ElementState, KeyEvent, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::WindowId;

use super::canvas::Canvas;
use super::event::UserEvent;
use super::export::{Exporter, Request};
use super::frames::Frames;
use super::pointer::{wheel_zoom, Pointer};
use super::source::Source;
use crate::error::{describe, RunError};
use crate::model::{Connection, PlotState};
use crate::net::{NetConfig, NetEvent, NetHandle, NetOutcome, Shared};
use crate::options::{ReadyFile, RunOptions};
use crate::pacing::{max_fps, Pacer};
use crate::recording::{Control, Player, Recorder, Recording, Replay};
use crate::render;
use crate::view::{follow, interaction, keys, RenderInfo, ViewState};

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
    let net_cfg = cfg.clone();
    let title = format!("plotcast {}", cfg.addr);
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
    let exporter = Exporter::new(event_loop.create_proxy());
    let mut app = App::new(opts, title, Source::live(shared, net, net_cfg), exporter);
    run_app(event_loop, &mut app)
}

/// Opens the window on a recording (see [`crate::recording::player`] for
/// the keys) and runs until it is closed.
///
/// # Errors
/// [`RunError::Window`] when no window can be opened, [`RunError::Replay`]
/// when the recording cannot be read back.
pub fn run_replay(rec: Recording, opts: &RunOptions) -> Result<u64, RunError> {
    let event_loop = event_loop()?;
    let title = format!("plotcast replay of {}", rec.path().display());
    let mut player = Player::new(Replay::new(rec))?;
    player.set_interactive(true);
    if let Some(at) = opts.at {
        player.seek(Duration::try_from_secs_f64(at).unwrap_or(Duration::MAX))?;
    }
    let exporter = Exporter::new(event_loop.create_proxy());
    let mut app = App::new(opts, title, Source::replay(player), exporter);
    run_app(event_loop, &mut app)
}

struct App<'a> {
    opts: &'a RunOptions,
    title: String,
    source: Source,
    canvas: Canvas,
    frames: Frames,
    pointer: Pointer,
    view: ViewState,
    /// Where the last frame put each plot.
    info: Option<RenderInfo>,
    /// The plot data of the last frame drawn (clicks and keys read it).
    shown: Option<PlotState>,
    /// Connection status of the last drawn frame.
    drawn_connection: Option<Connection>,
    ready: ReadyFile,
    exporter: Exporter,
    deadline: Option<Instant>,
    /// Set when the loop should end, with how.
    exit: Option<Result<(), RunError>>,
}

impl<'a> App<'a> {
    fn new(opts: &'a RunOptions, title: String, source: Source, exporter: Exporter) -> Self {
        Self {
            opts,
            title,
            source,
            canvas: Canvas::default(),
            frames: Frames::new(Pacer::new(max_fps(opts.max_fps, None))),
            pointer: Pointer::default(),
            view: ViewState {
                ui: crate::view::Interaction {
                    page: opts.page,
                    ..crate::view::Interaction::default()
                },
                ..ViewState::default()
            },
            info: None,
            shown: None,
            drawn_connection: None,
            ready: ReadyFile::new(opts.ready_file.clone()),
            exporter,
            deadline: opts.timeout.map(|t| Instant::now() + t),
            exit: None,
        }
    }

    fn quit(&mut self, event_loop: &ActiveEventLoop, result: Result<(), RunError>) {
        if self.exit.is_none() {
            self.exit = Some(result);
        }
        event_loop.exit();
    }

    /// Marks a draw as due; it happens at the next refresh slot (see
    /// `about_to_wait`).
    fn request_redraw(&mut self) {
        self.frames.pacer.request();
    }

    /// Stops the network thread (saying goodbye) and settles the result.
    fn finish(&mut self, ran: Result<(), RunError>) -> Result<u64, RunError> {
        self.exporter.finish();
        let net = self.source.shutdown();
        match (self.exit.take(), ran, net) {
            (Some(Err(err)), _, _) | (_, Err(err), _) => Err(err),
            (_, _, Some(Err(err))) => Err(err.into()),
            _ => Ok(self.frames.batches_shown),
        }
    }

    fn create_window(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RunError> {
        let size = (self.opts.size.width, self.opts.size.height);
        let refresh_mhz = self.canvas.open(event_loop, &self.title, size)?;
        if self.opts.max_fps.is_none() {
            self.frames.pacer = Pacer::new(max_fps(None, refresh_mhz));
            debug!(?refresh_mhz, period = ?self.frames.pacer.period(), "drawing paced to the display");
        }
        Ok(())
    }

    /// Renders the newest (or frozen) state and presents it.
    fn draw(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RunError> {
        if !self.canvas.is_open() {
            return Ok(());
        }
        let now = Instant::now();
        let Some((width, height)) = self.canvas.size() else {
            // Minimised: nothing to show. Keep the data flowing (acknowledge
            // what arrived).
            self.frames.skipped(now);
            let batch = self.source.shared().batch();
            self.frames.acknowledge(self.source.shared(), batch);
            return Ok(());
        };
        let fps = self.frames.fps(now);
        let (mut plot, batch) = self.source.to_draw();
        plot.status.fps = fps;
        plot.status.paused = self.source.paused();
        follow::advance(&mut self.view, &plot);
        let options = self.opts.render_options();
        let (w, h) = (width.get(), height.get());
        let view = &self.view;
        let drawn = self.canvas.draw(width, height, |words| {
            render::render_words(&plot, view, w, h, words, &options)
        })?;
        let Some(info) = drawn else {
            return Ok(());
        };
        let widths = info.plots.iter().map(|p| (p.channel, p.rect.w));
        self.view.ui.follow.drawn(widths);
        // Paused, the frozen drawing is not what the server should size
        // data for; zoom and pan of it still are.
        let shared = self.source.shared();
        shared.set_views(plot.layout_version, info.views());
        // The figure's title names the window once the layout says it.
        if !plot.layout.title.is_empty() {
            let title = format!("{} — {}", plot.layout.title, self.title);
            self.canvas.set_title(&title);
        }
        self.drawn_connection = Some(plot.status.connection.clone());
        self.frames.presented(now, batch, !self.source.paused());
        shared.update(|s| s.status.fps = fps);
        self.frames.acknowledge(shared, batch);
        let notes = &info.notes;
        self.ready.presented_with(
            self.frames.presented,
            &plot.status,
            crate::clock::now_us(),
            notes,
        )?;
        self.info = Some(info);
        self.shown = Some(plot);
        if self
            .opts
            .frames
            .is_some_and(|n| self.frames.batches_shown >= n)
        {
            self.quit(event_loop, Ok(()));
        }
        Ok(())
    }

    fn on_net(&mut self, event_loop: &ActiveEventLoop, event: NetEvent) {
        match event {
            NetEvent::Changed if self.source.paused() => {
                // Keep the network going while paused (acknowledged at the
                // drawing rate in `about_to_wait`); redraw only when the
                // status line has news.
                let connection = self.source.connection();
                if self.drawn_connection.as_ref() != Some(&connection) {
                    self.request_redraw();
                }
            }
            NetEvent::Changed => self.request_redraw(),
            NetEvent::Finished => match self.source.net_finished() {
                Some(Err(err)) => self.quit(event_loop, Err(err.into())),
                Some(Ok(NetOutcome::Ended { reason } | NetOutcome::Lost { reason })) => {
                    debug!(%reason, "server gone; keeping the last frame");
                    self.request_redraw();
                }
                Some(Ok(NetOutcome::Cancelled)) | None => {}
            },
        }
    }

    fn on_key(&mut self, event_loop: &ActiveEventLoop, event: &KeyEvent) {
        if event.state != ElementState::Pressed {
            return;
        }
        if self.source.is_replay() {
            if let Some(control) = replay_control(&event.logical_key.as_ref(), event.repeat) {
                match self.source.control(control, Instant::now()) {
                    Ok(true) => self.request_redraw(),
                    Ok(false) => {}
                    Err(err) => self.quit(event_loop, Err(err)),
                }
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
                self.source.toggle_pause();
                self.request_redraw();
            }
            Key::Character("s" | "S") if !event.repeat => self.canvas.save_next(unix_secs()),
            Key::Character("e" | "E") if !event.repeat => self.export_csv(),
            _ => {}
        }
    }

    /// The channel of the plot under the mouse.
    fn hovered(&self) -> Option<u32> {
        let (info, (x, y)) = (self.info.as_ref()?, self.pointer.at()?);
        info.channel_at(x, y).map(|p| p.channel)
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
                let axis = if command == Command::LogX { "x" } else { "y" };
                let Some(channel) = hovered.or(view.ui.focus) else {
                    self.notice(format!(
                        "{axis}: point at a plot to switch its {axis} axis between linear and log"
                    ));
                    return false;
                };
                let toggled = view.toggle_log(shown, channel, command == Command::LogX);
                let said = match (toggled, shown.spec(channel)) {
                    (Some(_), Some(spec)) => {
                        let (xs, ys) = view.ui.scales_of(spec);
                        let scale = if command == Command::LogX { xs } else { ys };
                        let word = if scale == plotcast_protocol::Scale::Log {
                            "logarithmic"
                        } else {
                            "linear"
                        };
                        format!("{axis} axis of {} is {word}", spec.display_title())
                    }
                    (None, Some(spec)) => format!(
                        "{axis}: {}",
                        interaction::no_log_axes(spec.kind).unwrap_or("this plot has no log axes")
                    ),
                    (_, None) => return false,
                };
                self.notice(said);
                return toggled.is_some();
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
            crate::view::linking::after_move(&mut self.view, shown, channel);
            follow::after_move(&mut self.view, shown, channel);
        }
        self.request_redraw();
    }

    /// Writes the visible data of the plot under the cursor as CSV in the
    /// working directory (`e`), leaving out hidden traces; reduced data is
    /// fetched again at full resolution first (see `export`).
    fn export_csv(&mut self) {
        let plot = self
            .pointer
            .at()
            .and_then(|(x, y)| self.info.as_ref()?.channel_at(x, y));
        let Some(plot) = plot else {
            return self.notice("e: point at a plot to save its data".into());
        };
        let channel = plot.channel;
        let visible = self.view.manual.get(&channel).copied().unwrap_or(plot.view);
        let request = Request {
            state: self.source.data(),
            channel,
            visible,
            hidden: self.view.ui.hidden_of(channel).cloned(),
        };
        self.exporter.start(request, self.source.net_config());
    }

    /// Shows a line on the status line for a while.
    fn notice(&mut self, text: String) {
        self.view.ui.notice = Some((text, Instant::now() + NOTICE_SHOWN));
        self.request_redraw();
    }

    fn on_wheel(&mut self, delta: MouseScrollDelta) {
        let (Some(info), Some((x, y))) = (&self.info, self.pointer.at()) else {
            return;
        };
        let axes = self.pointer.zoom_axes();
        if let Some(channel) = info.zoom_axes(&mut self.view, x, y, wheel_zoom(delta), axes) {
            self.moved(channel);
        }
    }

    fn on_cursor(&mut self, at: PhysicalPosition<f64>) {
        let drag = self.pointer.moved(at);
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
        let (Some(info), Some(drag)) = (&self.info, drag) else {
            return;
        };
        if info
            .pan(&mut self.view, drag.channel, drag.dx, drag.dy)
            .is_some()
        {
            self.pointer.dragged();
            self.moved(drag.channel);
        }
    }

    fn on_button(&mut self, state: ElementState, button: MouseButton) {
        if button != MouseButton::Left {
            return;
        }
        match state {
            ElementState::Pressed => {
                let channel = self.hovered();
                self.pointer.pressed(channel);
            }
            ElementState::Released => {
                let Some((x, y)) = self.pointer.released() else {
                    return;
                };
                if let (Some(info), Some(shown)) = (&self.info, &self.shown) {
                    let clicked = self.view.click(info, shown, x, y);
                    if clicked != interaction::Clicked::Nothing {
                        debug!(?clicked, "click");
                        self.request_redraw();
                    }
                }
            }
        }
    }

    /// The `--timeout` ran out: ends the loop with what was shown so far.
    fn time_out(&mut self, event_loop: &ActiveEventLoop) {
        let connection = describe(&self.source.connection());
        let shown = self.opts.progress(self.frames.batches_shown, "presented");
        let err = RunError::Timeout {
            after: self.opts.timeout.unwrap_or_default(),
            progress: format!("{shown}; {connection}"),
        };
        self.quit(event_loop, Err(err));
    }
}

impl ApplicationHandler<UserEvent> for App<'_> {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if !self.canvas.is_open() {
            if let Err(err) = self.create_window(event_loop) {
                self.quit(event_loop, Err(err));
            }
        }
    }

    fn suspended(&mut self, _event_loop: &ActiveEventLoop) {
        self.canvas.close();
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: UserEvent) {
        match event {
            UserEvent::Net(event) => self.on_net(event_loop, event),
            UserEvent::Notice(text) => {
                // What an export wrote is worth keeping in the terminal too.
                println!("plotcast-viewer: {text}");
                self.notice(text);
            }
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
            WindowEvent::ModifiersChanged(modifiers) => self.pointer.modifiers(modifiers.state()),
            WindowEvent::CursorMoved { position, .. } => self.on_cursor(position),
            WindowEvent::CursorLeft { .. } => {
                self.pointer.left();
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
            return self.time_out(event_loop);
        }
        // A replay that plays moves with the clock.
        match self.source.advance(now) {
            Ok(true) => self.request_redraw(),
            Ok(false) => {}
            Err(err) => return self.quit(event_loop, Err(err)),
        }
        let replay_wake = self.source.next_wake(now);
        let notice_ends = self.view.ui.notice.as_ref().map(|(_, until)| *until);
        if notice_ends.is_some_and(|until| now >= until) {
            self.view.ui.notice = None;
            self.request_redraw();
        }
        // Without new data nothing else wakes the loop: refresh the status
        // line now and then, so the frame age and fps stay true.
        let refresh = self.frames.status_refresh();
        if refresh.is_some_and(|t| now >= t) {
            self.frames.pacer.request();
        }
        let paused_ack = if self.source.paused() {
            self.frames.ack_paused(self.source.shared(), now)
        } else {
            None
        };
        if self.frames.pacer.should_draw(now) {
            self.canvas.request_redraw();
        }
        // The last frame's notes, when they were written too soon after
        // the ones before (nothing may be presented after it).
        let ready_due = self.ready.due();
        if ready_due.is_some_and(|due| now >= due) {
            if let Err(err) = self.ready.flush() {
                return self.quit(event_loop, Err(err));
            }
        }
        let wake = [
            self.deadline,
            refresh,
            self.ready.due(),
            self.frames.pacer.wake_at(),
            paused_ack,
            replay_wake,
            notice_ends.filter(|&until| until > now),
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

/// How long a notice stays on the status line.
const NOTICE_SHOWN: Duration = Duration::from_secs(8);

/// Seconds since the Unix epoch, for file names.
fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
