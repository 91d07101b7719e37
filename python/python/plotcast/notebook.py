"""A live view of a running computation inside Jupyter: ``plotcast.show``.

    server = plotcast.Server(title="heat", viewer=False)
    view = plotcast.show(server)           # the picture below this cell stays live
    for step in range(n):                  # in this cell, a later one or a thread
        temp.publish(grid)

The trap this module is built around: a kernel runs one cell at a time and,
while a cell is busy, handles no incoming message (a widget's requests
included), but it sends outgoing messages at once from any thread. So the
picture is pushed, never pulled: a daemon thread owns a ``plotcast.Client``,
waits for new states, renders them with the stock viewer's renderer
(``plotcast.render_png``) and sets the PNG into the output. Nothing in a cell
has to wait for it, and the picture keeps changing while a cell computes,
sleeps or joins a thread.

The output is an ipywidgets ``Image`` when ipywidgets is importable (updated
in place by widget messages); otherwise an IPython display with a display id,
updated by ``update_display_data`` messages (front ends without widget support
show those too).

IPython and ipywidgets are imported when ``show`` is called, not when plotcast
is: plotcast does not depend on them.
"""

import importlib
import threading
import time
import zlib
from types import ModuleType
from typing import Optional, Tuple, Union

from . import Client, Server, render_png

# How long the thread waits for news before looking at its stop flag again:
# bounds how late stop() takes effect.
_POLL_SECS = 0.1


class LiveView:
    """The live output ``plotcast.show`` displayed, and the thread that feeds it.

    The thread pushes at most ``fps`` pictures a second, each the newest state
    (states that arrive in between are skipped, never queued). It stops by
    itself once the computation has ended, after showing its final picture,
    or when :meth:`stop` is called; the last picture stays in the output.
    """

    def __init__(self, client: Client, address: str, sink: "_Sink", size: Tuple[int, int], fps: float) -> None:
        self._client = client
        self._address = address
        self._sink = sink
        self._size = size
        self._period_secs = 1.0 / fps
        self._updates = 0
        self._error: Optional[BaseException] = None
        self._stop = threading.Event()
        # The thread owns the client from here on (it closes it); daemon, so a
        # view left running never keeps the kernel from exiting.
        self._thread = threading.Thread(target=self._run, name=f"plotcast-show {address}", daemon=True)
        self._thread.start()

    @property
    def updates(self) -> int:
        """Pictures pushed into the output so far."""
        return self._updates

    @property
    def running(self) -> bool:
        """The view still follows the computation."""
        return self._thread.is_alive()

    @property
    def error(self) -> Optional[BaseException]:
        """What stopped the view early (also shown under the picture), or None."""
        return self._error

    def stop(self, timeout: float = 5.0) -> None:
        """Stops following the computation; the picture shown stays.

        Raises TimeoutError when the thread has not stopped within ``timeout``
        seconds (it checks for the request every 0.1 s, between renders).
        """
        self._stop.set()
        if not self.wait(timeout):
            raise TimeoutError(
                f"plotcast: the live view of {self._address} did not stop within {timeout} s "
                "(its thread is still rendering or sending a picture)"
            )

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the view has stopped (the computation ended, or stop()
        was called), at most ``timeout`` seconds; returns whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<plotcast.LiveView of {self._address}: {self._updates} pictures, {state}>"

    def _run(self) -> None:
        try:
            self._follow()
        except Exception as err:  # nobody joins this thread: the output is where it is seen
            self._error = err
            self._sink.status(f"plotcast: the live view of {self._address} stopped: {type(err).__name__}: {err}")
        finally:
            self._client.close()

    def _follow(self) -> None:
        next_push = time.monotonic()
        pictures_shown = False
        while not self._stop.is_set():
            if not self._client.wait_for_update(timeout=_POLL_SECS):
                continue
            # Pacing: sleeping here, instead of taking the state at once, is
            # what makes "latest value wins": whatever arrives meanwhile
            # replaces the state on the client's side, and not asking for it
            # tells the server this consumer is not ready for more.
            pause = next_push - time.monotonic()
            if pause > 0 and self._stop.wait(pause):
                break
            next_push = time.monotonic() + self._period_secs
            # Read before taking the state: when it says ended, the state
            # taken next is the final one.
            ended = self._client.ended
            update = self._client.latest()
            if update is not None:
                self._sink.picture(render_png(update, self._size))
                self._updates += 1
                ended = ended or update.ended
                if not pictures_shown:
                    # The picture has a status bar of its own (connection,
                    # frames received); the line below was for the wait.
                    self._sink.status("")
                    pictures_shown = True
            if ended:
                if not pictures_shown:
                    self._sink.status(
                        f"plotcast: nothing to show from {self._address}: the computation ended, or could "
                        "not be reached (is it running? right address and token?), before sending any plot"
                    )
                break


def show(
    source: Union[Server, str],
    *,
    size: Tuple[int, int] = (800, 500),
    fps: float = 20.0,
    token: Optional[str] = None,
) -> LiveView:
    """Displays a live picture of a computation in the notebook, drawn by the
    stock viewer's renderer, and returns the :class:`LiveView` feeding it.

    ``source`` is a ``plotcast.Server`` (its address and token are used) or an
    address as ``plotcast.Client`` takes it (``"host:port"`` or
    ``"nats://host:port/RUN"``; ``token`` defaults to $PLOTCAST_TOKEN there).
    The computation may run in another process, in a thread of the kernel, or
    in a later cell: the picture is pushed from a thread of its own, so it
    changes while cells are busy. ``size`` is the picture's (width, height)
    in pixels; ``fps`` caps the pictures pushed per second.
    """
    width, height = _check_size(size)
    if not fps > 0:
        raise ValueError(f"plotcast.show: fps must be positive, got {fps!r}")
    if isinstance(source, str):
        address = source
    elif isinstance(source, Server):
        address = source.address
        token = token if token is not None else source.token
    else:
        raise TypeError(f"plotcast.show: source must be a plotcast.Server or an address string, got {type(source).__name__}")
    display = _optional("IPython.display", "IPython")
    try:
        widgets: Optional[ModuleType] = importlib.import_module("ipywidgets")
    except ImportError:
        widgets = None
    client = Client(address, token=token, name="notebook", reconnect=False)
    waiting = f"plotcast: waiting for the computation at {address}"
    blank = _blank_png(width, height)
    try:
        sink: _Sink = _WidgetSink(widgets, display, blank, waiting) if widgets else _DisplaySink(display, blank, waiting)
        return LiveView(client, address, sink, (width, height), fps)
    except BaseException:
        client.close()  # the view's thread, which would have closed it, never ran
        raise


class _Sink:
    """Where the pictures go: set from the view's thread only."""

    def picture(self, png: bytes) -> None:
        raise NotImplementedError

    def status(self, text: str) -> None:
        raise NotImplementedError


class _WidgetSink(_Sink):
    """An ipywidgets Image above a Label; setting a widget's value from any
    thread sends the change to the front end at once."""

    def __init__(self, widgets: ModuleType, display: ModuleType, blank: bytes, status: str) -> None:
        self._image = widgets.Image(value=blank, format="png")
        self._label = widgets.Label(value=status)
        display.display(widgets.VBox([self._image, self._label]))

    def picture(self, png: bytes) -> None:
        self._image.value = png

    def status(self, text: str) -> None:
        self._label.value = text


class _DisplaySink(_Sink):
    """Two IPython displays with display ids (the picture, a status line),
    replaced by update_display_data messages."""

    def __init__(self, display: ModuleType, blank: bytes, status: str) -> None:
        self._display = display
        self._image = display.display(display.Image(data=blank, format="png"), display_id=True)
        self._status = display.display({"text/plain": status}, raw=True, display_id=True)

    def picture(self, png: bytes) -> None:
        self._image.update(self._display.Image(data=png, format="png"))

    def status(self, text: str) -> None:
        self._status.update({"text/plain": text}, raw=True)


def _check_size(size: Tuple[int, int]) -> Tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"plotcast.show: size must be (width, height) in pixels, got {size!r}") from None
    if width < 1 or height < 1:
        raise ValueError(f"plotcast.show: size must be positive, got {size!r}")
    return width, height


def _optional(module: str, package: str) -> ModuleType:
    # Imported by name so that plotcast (and mypy on code using it) never
    # needs these packages unless show() is called.
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"plotcast.show needs {package} (pip install {package} ipywidgets): {err}") from err


def _blank_png(width: int, height: int) -> bytes:
    """A white PNG of the picture's size: the output keeps its place (no
    jump) until the first picture arrives."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    row = b"\x00" + b"\xff" * (3 * width)
    pixels = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
