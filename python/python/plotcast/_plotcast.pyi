"""Type stubs of plotcast's native module (the classes ``plotcast`` re-exports)."""

import os
from types import TracebackType
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Type, TypedDict, Union, final

import numpy as np
import numpy.typing as npt

__version__: str

def _interrupt_open(reason: str) -> None: ...
__all__ = [
    "Server", "_interrupt_open", "Heatmap", "Line", "Scatter", "Bars", "Series", "Quiver", "Image",
    "Custom", "Client", "Update", "render", "render_png", "__version__",
]

#: A 1-D or 2-D array of real numbers: a numpy array (float64 and float32 C-contiguous
#: arrays are read in place; other real dtypes and layouts are copied), a list, or
#: any object with the buffer protocol.
_ArrayLike = Union[npt.NDArray[np.floating[Any]], npt.NDArray[np.integer[Any]], npt.ArrayLike]
#: A trace given by name: y values (line), (x, y) (line, scatter), heights or
#: (heights, edges) (bars).
_TraceValue = Union[_ArrayLike, Tuple[_ArrayLike, _ArrayLike]]
_Range = Tuple[float, float]
_Cell = Union[Tuple[int, int], Tuple[int, int, int, int]]
_Colormap = Literal[
    "viridis", "magma", "inferno", "plasma", "coolwarm", "RdBu", "gray",
    "viridis_r", "magma_r", "inferno_r", "plasma_r", "coolwarm_r", "RdBu_r", "gray_r",
]

class _ViewerStats(TypedDict):
    addr: str
    peer_name: str
    connected_since: float
    frames_sent: int
    frames_skipped: int
    bytes_sent: int
    batches: int
    round_trip: Optional[float]
    clock_offset: Optional[float]

class _EndedViewerStats(_ViewerStats):
    reason: str
    ended_at: float

class _ChannelStats(TypedDict):
    id: int
    name: str
    kind: str
    publishes: int
    invalid: int
    seq: int

class _RelayStats(TypedDict):
    run: str
    process: str
    connected: bool
    puts: int
    bytes: int
    skipped: int
    failed: int
    overviews: int
    series_chunks: int
    series_points_skipped: int
    requests: int
    bad_requests: int
    last_error: Optional[str]

class _Stats(TypedDict):
    viewers: List[_ViewerStats]
    channels: List[_ChannelStats]
    ended: List[_EndedViewerStats]
    relay: Optional[_RelayStats]

@final
class Server:
    """A live plot server: binds a port (loopback by default), launches the viewer
    window and serves the channels you create. Publishing never waits for a viewer.

    Use it as a context manager: leaving the block normally calls
    ``finish(finish_timeout)``; leaving it by an exception (Ctrl-C included) closes
    at once. The viewer window stays open with the last frame.

    Beyond one machine, ``nats="nats://host:4222"`` publishes through NATS under
    ``run`` (default: the title) as ``process`` (default host-pid): nothing listens
    unless ``bind`` asks, and ``plotcast-viewer nats://host:4222/RUN`` shows every
    process of the run in one view (heatmaps given ``tile=`` stitched).
    """

    def __new__(
        cls,
        title: Optional[str] = None,
        *,
        bind: Optional[str] = None,
        token: Optional[str] = None,
        insecure_no_token: bool = False,
        viewer: Union[bool, str, "os.PathLike[str]", None] = None,
        columns: int = 0,
        max_viewers: int = 64,
        history_points: int = 100_000,
        finish_timeout: float = 5.0,
        use_env: bool = True,
        handshake_timeout: float = 2.0,
        heartbeat_interval: float = 2.0,
        heartbeat_timeout: float = 6.0,
        shutdown_grace: float = 0.2,
        nats: Optional[str] = None,
        run: Optional[str] = None,
        process: Optional[str] = None,
        plotter: Optional[str] = None,
        python: Optional[List[str]] = None,
    ) -> "Server": ...
    @property
    def address(self) -> str:
        """The address viewers connect to, ``"HOST:PORT"``."""
    @property
    def port(self) -> int: ...
    @property
    def token(self) -> Optional[str]:
        """The access token viewers must present, or None."""
    @property
    def session_id(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def viewer_launch(self) -> Dict[str, Any]:
        """``{"state": "launched", "path": ..., "pid": ...}``, or state ``disabled``,
        ``building``, ``not_found`` (with ``hint``), ``failed`` (with ``error``)."""
    def heatmap(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
        colormap: Optional[Union[_Colormap, str]] = None,
        value_label: Optional[str] = None,
        extent: Optional[Tuple[float, float, float, float]] = None,
        tile: Optional[Tuple[int, int, int, int]] = None,
    ) -> "Heatmap": ...
    def line(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
        link_x: Optional[str] = None,
    ) -> "Line": ...
    def scatter(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
        link_x: Optional[str] = None,
    ) -> "Scatter": ...
    def bars(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
        link_x: Optional[str] = None,
    ) -> "Bars": ...
    def series(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
        history_points: Optional[int] = None,
        link_x: Optional[str] = None,
    ) -> "Series": ...
    def quiver(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
    ) -> "Quiver": ...
    def image(
        self,
        name: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
    ) -> "Image": ...
    def custom(
        self,
        name: str,
        plot_type: str,
        /,
        *,
        title: Optional[str] = None,
        x_label: Optional[str] = None,
        y_label: Optional[str] = None,
        log_x: bool = False,
        log_y: bool = False,
        x_range: Optional[_Range] = None,
        y_range: Optional[_Range] = None,
        cell: Optional[_Cell] = None,
    ) -> "Custom": ...
    def viewer_count(self) -> int: ...
    def stats(self) -> _Stats: ...
    def finish(self, timeout: float = 5.0) -> bool:
        """Waits up to ``timeout`` seconds for viewers to receive the final values,
        then closes. Ctrl-C interrupts the wait."""
    def close(self) -> None:
        """Stops the server at once; the viewer window stays open. Afterwards the
        server's methods and the channels' ``publish``, ``push`` and ``extend``
        raise ``RuntimeError("the plotcast server is closed")``."""
    def interrupted(self, reason: str) -> None:
        """Says how the computation ended when it did not finish (interrupted or
        failed): viewers show ``computation interrupted: <reason>`` once the server
        closes. Leaving a ``with`` block by an exception, and an uncaught exception
        ending the program, say so by themselves."""
    def __enter__(self) -> "Server": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool: ...

@final
class Heatmap:
    """A heatmap channel: 2-D arrays of shape (ny, nx), row 0 at the bottom."""

    @property
    def name(self) -> str: ...
    def publish(self, values: _ArrayLike, /, range: Optional[_Range] = None) -> None: ...

@final
class Line:
    """A line channel: one or more named traces."""

    @property
    def name(self) -> str: ...
    def publish(
        self, *arrays: Union[_ArrayLike, Mapping[str, _TraceValue]], **traces: _TraceValue
    ) -> None:
        """``publish(y)``, ``publish(x, y)``, ``publish(a=y1, b=y2)``,
        ``publish(x, a=y1, b=y2)`` or ``publish({"a": y1, "b": (x2, y2)})``."""

@final
class Scatter:
    """A scatter channel: points of one or more named traces."""

    @property
    def name(self) -> str: ...
    def publish(
        self, *arrays: Union[_ArrayLike, Mapping[str, _TraceValue]], **traces: _TraceValue
    ) -> None:
        """``publish(x, y)``, ``publish(a=(x1, y1), b=(x2, y2))`` or ``publish(x, a=y1)``."""

@final
class Bars:
    """A bars channel: heights, or a histogram with n + 1 bin edges."""

    @property
    def name(self) -> str: ...
    def publish(
        self, *arrays: Union[_ArrayLike, Mapping[str, _TraceValue]], **traces: _TraceValue
    ) -> None:
        """``publish(heights)``, ``publish(heights, edges)``,
        ``publish(*numpy.histogram(w))`` or ``publish(a=(h1, edges), b=(h2, edges))``."""

@final
class Series:
    """An append-mode series channel: points accumulate in a bounded window."""

    @property
    def name(self) -> str: ...
    def push(self, t: float, y: Optional[float] = None, /, **named: float) -> None:
        """``push(t, y)`` or ``push(t, loss=l, acc=a)`` (named series)."""
    def extend(self, t: _ArrayLike, y: Optional[_ArrayLike] = None, /, **named: _ArrayLike) -> None:
        """``extend(ts, ys)`` or ``extend(ts, loss=ls, acc=accs)``."""

@final
class Quiver:
    """A vector field channel: arrows (u, v) on a grid, coloured by magnitude."""

    @property
    def name(self) -> str: ...
    def publish(self, u: _ArrayLike, v: _ArrayLike, /) -> None:
        """``publish(u, v)``: 2-D arrays of one shape (ny, nx), row 0 at the bottom."""

@final
class Image:
    """An RGB image channel: arrays of shape (ny, nx, 3), top row first."""

    @property
    def name(self) -> str: ...
    def publish(self, rgb: _ArrayLike, /) -> None:
        """``publish(rgb)``: uint8 (0 to 255) or floats in 0 to 1."""

@final
class Custom:
    """A custom channel: named arrays drawn by a plot type of the viewer."""

    @property
    def name(self) -> str: ...
    @property
    def plot_type(self) -> str: ...
    def publish(
        self, arrays: Mapping[str, _ArrayLike], /, grid: Optional[Tuple[int, int]] = None
    ) -> None:
        """``publish({"u": u, "v": v}, grid=(nx, ny))``."""

class _Status(TypedDict):
    connection: Literal[
        "connecting", "connected", "unreachable", "reconnecting", "ended", "interrupted",
        "stopped", "lost",
    ]
    reason: Optional[str]
    age: Optional[float]
    round_trip: Optional[float]
    received: int
    skipped: int
    server: str

@final
class Update:
    """One state of a computation as a Client received it (read-only).

    ``channels`` (and ``update[name]``) holds each channel's newest data as a dict:
    "kind", "reduced", "coded" and, for snapshot kinds, "seq" and "timestamp"
    (seconds since the epoch); a heatmap adds "values" (ndarray (ny, nx), float64 or
    float32 as published) and "range"; line, scatter and bars add "traces" (name ->
    {"x": ndarray or None, "y": ndarray}, "" for the unnamed trace); series add
    "series" (name -> {"x", "y"}: the kept window); custom, quiver and image add
    "arrays" (name -> flat ndarray), "nx", "ny" and "plot_type". Arrays are
    read-only and bit-identical to what was published.
    """

    @property
    def batch(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def columns(self) -> int: ...
    @property
    def ended(self) -> bool: ...
    @property
    def layout(self) -> List[Dict[str, Any]]: ...
    @property
    def channels(self) -> Dict[str, Dict[str, Any]]: ...
    @property
    def status(self) -> _Status: ...
    def __getitem__(self, name: str, /) -> Dict[str, Any]: ...
    def __contains__(self, name: str, /) -> bool: ...

@final
class Client:
    """A viewer of a running computation, in Python: ``latest()`` returns the newest
    values of every channel as numpy arrays, ``wait_for_update()`` waits for newer
    ones (Ctrl-C interrupts it), and iterating yields each newer state until the
    computation ends. Latest value wins: a consumer slower than the computation
    skips values (counted in ``status["skipped"]``), never queues them.

    ``address``: "host:port", or "nats://[user:password@]host:port/RUN" for a run
    relayed through NATS. ``token`` defaults to $PLOTCAST_TOKEN.
    """

    def __new__(
        cls,
        address: str,
        *,
        token: Optional[str] = None,
        name: Optional[str] = None,
        reconnect: bool = True,
    ) -> "Client": ...
    @property
    def address(self) -> str: ...
    @property
    def ended(self) -> bool: ...
    @property
    def status(self) -> _Status:
        """The connection's status now (as ``Update.status``), also before any data:
        why a connection failed is in ``status["reason"]``."""
    def latest(self) -> Optional[Update]: ...
    def wait_for_update(self, timeout: Optional[float] = None) -> bool: ...
    def __iter__(self) -> "Client": ...
    def __next__(self) -> Update: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Client": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

def render(update: Update, size: Tuple[int, int] = (800, 600)) -> npt.NDArray[np.uint8]:
    """The stock viewer's picture of ``update`` at ``size`` (width, height): an
    array of shape (height, width, 3)."""

def render_png(update: Update, size: Tuple[int, int] = (800, 600)) -> bytes:
    """As ``render``, encoded as a PNG."""
