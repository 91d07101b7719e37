"""A viewer that draws a running computation with your own plotter class.

    python -m plotcast.view --plotter pkg.mod:Class [--token T] [--no-reconnect] [--fps N] ADDR
    plotcast-view ...                      # the same, as a console script

ADDR is ``host:port`` (what the computation prints) or
``nats://host:port/RUN``. ``plotcast.Server(plotter="pkg.mod:Class")``
launches this for you instead of the native viewer.

The class is imported by its import path, never unpickled: ``pkg.mod`` must
be importable here (``python -m`` puts the working directory first on
``sys.path``; otherwise use ``PYTHONPATH`` or install it). It is
instantiated with no arguments; see :class:`plotcast.Plotter` for the
methods the viewer calls and when.

Everything runs on the main thread, as GUI toolkits require: between
draws the loop keeps the window responsive and waits for the next update
in slices of at most ``EVENT_SLICE_SECS``, so neither a click nor a new
update waits long. Draws are paced to at most ``--fps`` a second; latest
value wins, so a slow plotter sees fewer updates, and the computation
never waits for it.

Exit status: 0 the window was closed (or, without a window, the
computation ended), 1 an error (the plotter could not be created, the
connection ended before any data), 2 a bad command line or ``--plotter``,
130 Ctrl-C.
"""

import argparse
import importlib
import inspect
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence

if TYPE_CHECKING:
    from ._plotcast import Client, Update

__all__ = ["main", "load_plotter_class", "PlotterSpecError"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEFAULT_FPS = 30.0
# The longest the loop leaves the window's events (or a new update)
# unattended while it waits: 20 ms is below what a hand on a mouse notices.
EVENT_SLICE_SECS = 0.02
# How often a finished run's window is looked after until it is closed.
ENDED_SLICE_SECS = 0.1
# The traceback lines shown in the figure: the end says what and where.
ERROR_LINES_SHOWN = 8
ERROR_FONT_POINTS = 8

PROG = "plotcast.view"


class PlotterSpecError(Exception):
    """A ``--plotter`` that does not name an importable plotter class."""


def load_plotter_class(spec: str) -> type:
    """Imports the class ``spec`` names, as ``"pkg.mod:Class"`` (the part
    after the colon may be dotted: ``"pkg.mod:Outer.Inner"``).

    Raises:
        PlotterSpecError: one line saying what is wrong with ``spec``.
    """
    module_name, colon, attr = spec.partition(":")
    if not colon or not module_name or not attr:
        raise PlotterSpecError(f"--plotter {spec!r}: expected MODULE:CLASS, for example mypkg.plots:HeatPlotter")
    if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
        stem = os.path.splitext(os.path.basename(module_name))[0]
        raise PlotterSpecError(
            f"--plotter {spec!r}: name the module, not its file ({stem}:{attr}), "
            f"with its folder as the working directory or on PYTHONPATH"
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        missing = err.name or ""
        # Only the plotter's own module (or a package above it) missing is a
        # path problem; a module it imports that is missing is its error.
        if missing == module_name or module_name.startswith(missing + "."):
            raise PlotterSpecError(
                f"--plotter {spec!r}: no module named {missing!r} here (working directory {os.getcwd()}; "
                f"put its folder on PYTHONPATH or install it)"
            ) from None
        raise PlotterSpecError(f"--plotter {spec!r}: importing {module_name} failed: {_one_line(err)}") from None
    except Exception as err:  # the user's module raised while it was imported
        raise PlotterSpecError(f"--plotter {spec!r}: importing {module_name} failed: {_one_line(err)}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            where = getattr(module, "__file__", None) or module_name
            raise PlotterSpecError(f"--plotter {spec!r}: {module_name} ({where}) has no attribute {attr!r}") from None
    if not inspect.isclass(obj):
        raise PlotterSpecError(f"--plotter {spec!r}: {attr} is a {type(obj).__name__}, not a class")
    if not callable(getattr(obj, "update", None)):
        raise PlotterSpecError(f"--plotter {spec!r}: class {attr} has no update(fig, update) method")
    return obj


def _one_line(err: BaseException) -> str:
    """``Type: message (file:line)``, the line being where it was raised."""
    text = f"{type(err).__name__}: {err}".splitlines()[0]
    if isinstance(err, SyntaxError) and err.filename:
        return f"{text} ({err.filename}:{err.lineno})"
    frames = traceback.extract_tb(err.__traceback__)
    if frames:
        return f"{text} ({frames[-1].filename}:{frames[-1].lineno})"
    return text


class _Interrupts:
    """Ctrl-C that always stops the viewer.

    tkinter catches every exception a Tk callback raises, KeyboardInterrupt
    included, prints it and carries on: a Ctrl-C that lands while Tk runs
    a callback would be lost (and with it the timer that ends an event
    loop slice). So while the GUI handles events Ctrl-C is only noted, and
    raised as soon as the GUI returns; elsewhere (waiting for an update,
    the plotter's own code) it is raised at once, as usual.
    """

    def __init__(self) -> None:
        self._in_gui = False
        self._pending = False

    def install(self) -> None:
        # Only replaces Python's own handler, on the main thread: someone
        # who set up SIGINT differently keeps it.
        if threading.current_thread() is threading.main_thread() and (
            signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, self._handler)

    def _handler(self, _signum: int, _frame: Optional[FrameType]) -> None:
        if self._in_gui:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def gui(self) -> Iterator[None]:
        self._in_gui = True
        try:
            yield
        finally:
            self._in_gui = False
            if self._pending:
                self._pending = False
                raise KeyboardInterrupt


_INTERRUPTS = _Interrupts()


class _Window:
    """What the loop needs of a figure's window. This one has none: a
    figure of another library without ``process_events``, or matplotlib
    without a display."""

    #: Whether there is a window for the user to close after the end.
    interactive = False

    def process_events(self) -> None:
        pass

    def is_open(self) -> bool:
        return True

    def idle(self, seconds: float) -> None:
        time.sleep(seconds)

    def set_title(self, title: str) -> None:
        pass

    def show_error(self, text: Optional[str]) -> None:
        pass

    def clear(self) -> None:
        pass

    def redraw(self) -> None:
        pass


class _ForeignWindow(_Window):
    """A figure of another drawing library; its plotter shows and redraws it
    and, through ``process_events(fig)``, says whether it is still open."""

    def __init__(self, fig: Any, process_events: Callable[[Any], Any]) -> None:
        self._fig = fig
        self._process_events = process_events
        self._open = True
        self.interactive = True

    def process_events(self) -> None:
        if self._open:
            self._open = bool(self._process_events(self._fig))

    def is_open(self) -> bool:
        return self._open


class _MatplotlibWindow(_Window):
    """A matplotlib figure, in a window when the backend has one."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self._closed = False
        self._error_text: Any = None
        canvas = fig.canvas
        # Non-interactive canvases (Agg, when there is no display) have no
        # GUI framework and no window to show, title or wait for.
        self.interactive = (
            getattr(canvas, "required_interactive_framework", None) is not None
            and getattr(canvas, "manager", None) is not None
        )
        canvas.mpl_connect("close_event", self._on_close)
        if self.interactive:
            import matplotlib.pyplot as plt

            plt.show(block=False)
        else:
            import matplotlib

            print(
                f"{PROG}: matplotlib's backend {matplotlib.get_backend()!r} has no window (no display?): "
                f"the plotter runs but nothing is shown; set DISPLAY, or MPLBACKEND to an interactive backend",
                file=sys.stderr,
            )

    def _on_close(self, _event: Any) -> None:
        self._closed = True

    def process_events(self) -> None:
        if self.interactive and not self._closed:
            with _INTERRUPTS.gui():
                self.fig.canvas.flush_events()

    def is_open(self) -> bool:
        return not self._closed

    def idle(self, seconds: float) -> None:
        if self.interactive and not self._closed and seconds >= 0.001:
            # The GUI's own loop for that long: events are handled as they
            # come rather than once per slice. (Under 1 ms Tk would wait
            # for nothing at all but an idle callback; just skip it.)
            with _INTERRUPTS.gui():
                self.fig.canvas.start_event_loop(seconds)
        else:
            time.sleep(seconds)

    def set_title(self, title: str) -> None:
        manager = getattr(self.fig.canvas, "manager", None)
        if manager is not None:
            manager.set_window_title(title)

    def show_error(self, text: Optional[str]) -> None:
        if self._error_text is not None:
            try:
                self._error_text.remove()
            except (NotImplementedError, ValueError):
                pass  # the plotter cleared the figure, and the text with it
            self._error_text = None
        if text is not None:
            # Monospace characters are about 0.6 em wide: cut what would
            # run past the figure's right edge.
            fits = max(20, int(self.fig.get_figwidth() * 72 / (0.6 * ERROR_FONT_POINTS)) - 4)
            lines = [line if len(line) <= fits else line[: fits - 1] + "…" for line in text.splitlines()]
            self._error_text = self.fig.text(
                0.01,
                0.01,
                "\n".join(lines),
                color="red",
                family="monospace",
                fontsize=ERROR_FONT_POINTS,
                ha="left",
                va="bottom",
                zorder=1000,
                bbox={"facecolor": "white", "edgecolor": "red", "alpha": 0.9},
            )

    def clear(self) -> None:
        self.fig.clf()
        self._error_text = None

    def redraw(self) -> None:
        if self.interactive and not self._closed:
            self.fig.canvas.draw_idle()
            with _INTERRUPTS.gui():
                self.fig.canvas.flush_events()


def _window_for(fig: Any, plotter: Any) -> _Window:
    figure_type = _matplotlib_figure_type()
    if figure_type is not None and isinstance(fig, figure_type):
        return _MatplotlibWindow(fig)
    hook = getattr(plotter, "process_events", None)
    if callable(hook):
        return _ForeignWindow(fig, hook)
    return _Window()


def _matplotlib_figure_type() -> Optional[type]:
    # Only when something imported matplotlib already: a plotter of another
    # library does not pay for importing it.
    module = sys.modules.get("matplotlib.figure")
    return getattr(module, "Figure", None) if module is not None else None


def _default_figure() -> Any:
    import matplotlib.pyplot as plt

    return plt.figure()


class _Calls:
    """Calls the plotter's methods, reporting what they raise: the traceback
    on stderr, the end of it for the figure. A plotter that fails the same
    way every frame (same exception type, same place; the message may
    change with the data) is reported once, not 30 times a second, and
    the count said when it works again."""

    def __init__(self, class_name: str) -> None:
        self._class_name = class_name
        self._last_error: Optional[Any] = None
        self._repeats = 0

    def call(self, method: str, fn: Callable[..., Any], *args: Any) -> Optional[str]:
        """Returns None when ``fn`` returned, else the text to show."""
        try:
            fn(*args)
        except Exception as err:
            # Our own frame (this call) is not the plotter's business.
            tb = err.__traceback__.tb_next if err.__traceback__ is not None else None
            text = "".join(traceback.format_exception(type(err), err, tb))
            same = (type(err), [(f.filename, f.lineno) for f in traceback.extract_tb(tb)])
            if same != self._last_error:
                print(f"{PROG}: {self._class_name}.{method} raised:\n{text}", end="", file=sys.stderr, flush=True)
                self._last_error, self._repeats = same, 0
            else:
                self._repeats += 1
            return f"{self._class_name}.{method} raised:\n" + _tail(text)
        if self._last_error is not None:
            again = f" (after the same error {self._repeats} more times)" if self._repeats else ""
            print(f"{PROG}: {self._class_name}.{method} works again{again}", file=sys.stderr, flush=True)
            self._last_error, self._repeats = None, 0
        return None


def _tail(text: str) -> str:
    # Python 3.11's ^^^ lines under the failing expression point nowhere
    # once cut to the figure's width, and would take one of the few lines.
    lines = [line for line in text.rstrip("\n").splitlines() if line.strip(" ^~")]
    return "\n".join(lines[-ERROR_LINES_SHOWN:])


def _title(update: "Update") -> str:
    name = update.title or "plotcast"
    status = update.status
    connection = status.get("connection")
    reason = status.get("reason")
    if update.ended:
        how = "" if connection in (None, "ended") else f": {connection}"
        return f"{name} — computation ended{how}" + (f" ({reason})" if reason else "")
    if connection not in (None, "connected"):
        return f"{name} — {connection}" + (f" ({reason})" if reason else "")
    return name


class _Viewer:
    """The loop: wait for an update, draw it, look after the window."""

    def __init__(self, plotter: Any, fig: Any, window: _Window, client: "Client", fps: float) -> None:
        self._plotter = plotter
        self._fig = fig
        self._window = window
        self._client = client
        self._period = 1.0 / fps
        self._calls = _Calls(type(plotter).__name__)
        self._layout: Optional[List[Any]] = None
        self._set_up = False

    def run(self, address: str) -> int:
        window, client = self._window, self._client
        window.set_title(f"plotcast — connecting to {address}")
        next_draw = 0.0
        while True:
            window.process_events()
            if not window.is_open():
                return EXIT_OK
            wait = next_draw - time.monotonic()
            if wait > 0:
                # Paced: the update waits for the next frame; the window not.
                window.idle(min(wait, EVENT_SLICE_SECS))
                continue
            if not client.wait_for_update(timeout=EVENT_SLICE_SECS):
                continue
            update = client.latest()
            if update is None:
                if client.ended:
                    reason = client.status["reason"]
                    why = f": {reason}" if reason else ""
                    print(f"{PROG}: the connection to {address} ended before any data arrived{why}", file=sys.stderr)
                    return EXIT_ERROR
                continue
            started = time.monotonic()
            self._draw(update)
            next_draw = started + self._period
            if update.ended:
                break
        # The final picture stays until its window is closed.
        while window.interactive and window.is_open():
            window.process_events()
            window.idle(ENDED_SLICE_SECS)
        return EXIT_OK

    def _draw(self, update: "Update") -> None:
        plotter, fig, window = self._plotter, self._fig, self._window
        layout = update.layout
        error: Optional[str] = None
        if not self._set_up or layout != self._layout:
            if self._layout is not None:
                window.clear()  # a new layout: setup starts from an empty figure
            setup = getattr(plotter, "setup", None)
            error = self._calls.call("setup", setup, fig, update) if callable(setup) else None
            self._set_up = error is None
            self._layout = layout
        if self._set_up:
            error = self._calls.call("update", plotter.update, fig, update)
        window.set_title(_title(update))
        window.show_error(error)
        window.redraw()


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Draw a running plotcast computation with your own plotter class "
        "(see help(plotcast.Plotter)). The class is imported by name, never unpickled.",
        epilog="Exit status: 0 window closed (or computation ended, when there is no window), "
        "1 error, 2 bad arguments or --plotter, 130 Ctrl-C.",
    )
    parser.add_argument(
        "address", metavar="ADDR", help='"host:port" (what the computation prints) or "nats://host:port/RUN"'
    )
    parser.add_argument(
        "--plotter",
        required=True,
        metavar="MODULE:CLASS",
        help="the plotter class, for example mypkg.plots:HeatPlotter; the module must be importable here "
        "(the working directory, PYTHONPATH or an installed package)",
    )
    parser.add_argument("--token", help="the computation's access token (default: $PLOTCAST_TOKEN)")
    parser.add_argument(
        "--no-reconnect",
        action="store_true",
        help="when the computation ends, keep the final picture (the title says it ended) "
        "instead of waiting for a new run",
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=DEFAULT_FPS,
        metavar="N",
        help=f"draw at most N times a second (default {DEFAULT_FPS:g}); newer data replaces older, never queues",
    )
    # The server appends $PLOTCAST_VIEWER_ARGS to whichever viewer it
    # launches; options meant for the native viewer (--size, --max-fps, ...)
    # must not stop this one from starting.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"{PROG}: ignoring arguments it does not know: {' '.join(unknown)}", file=sys.stderr)
    if not args.fps > 0:
        parser.error(f"--fps must be above 0, not {args.fps:g}")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the viewer with ``argv`` (default ``sys.argv[1:]``); returns the
    exit status."""
    args = _parse_args(argv)
    # `python -m plotcast.view` finds modules in the working directory;
    # the plotcast-view script (sys.path[0] is its bin folder) should too.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    _INTERRUPTS.install()
    try:
        return _run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    try:
        cls = load_plotter_class(args.plotter)
    except PlotterSpecError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        plotter = cls()
    except Exception:
        print(f"{PROG}: creating {args.plotter} failed:\n{traceback.format_exc()}", end="", file=sys.stderr)
        return EXIT_ERROR

    import plotcast

    try:
        client = plotcast.Client(
            args.address, token=args.token, name=f"{PROG} {args.plotter}", reconnect=not args.no_reconnect
        )
    except ValueError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        create = getattr(plotter, "create_figure", None)
        try:
            fig = create() if callable(create) else _default_figure()
        except ImportError as err:
            hint = f"pip install matplotlib, or give {cls.__name__} a create_figure()"
            print(f"{PROG}: cannot create the figure: {err} ({hint})", file=sys.stderr)
            return EXIT_ERROR
        except Exception:
            print(f"{PROG}: {cls.__name__}.create_figure failed:\n{traceback.format_exc()}", end="", file=sys.stderr)
            return EXIT_ERROR
        window = _window_for(fig, plotter)
        return _Viewer(plotter, fig, window, client, args.fps).run(args.address)
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
