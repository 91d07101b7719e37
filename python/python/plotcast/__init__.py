"""plotcast: live plots for long computations.

Publish numpy arrays from a running computation; a separate viewer window
(``plotcast-viewer``, launched for you) draws the newest data. Publishing
copies the data once and never waits for the window or the network: a slow
or stalled viewer never slows the computation, stale frames are dropped,
and Ctrl-C stops the loop at once while the window keeps the last plot.

    import numpy as np, plotcast

    with plotcast.Server(title="heat") as s:
        temp = s.heatmap("temperature", colormap="viridis")
        prof = s.line("profile", x_label="x", y_label="T")
        energy = s.series("energy")
        for step in range(n):
            temp.publish(grid)                 # 2-D array: shape (ny, nx)
            prof.publish(grid[ny // 2])
            energy.push(step * dt, grid.sum())

Channel kinds: ``heatmap`` (2-D arrays), ``line`` (traces, y or x and y),
``scatter`` (x and y), ``bars`` (heights, or a histogram with edges) and
``series`` (points appended, a bounded history window), ``quiver`` (a
vector field), ``image`` (RGB pixels) and ``custom`` (named arrays drawn by
a plot type of the viewer). Plots whose ``link_x`` names the same group
share their x range. See
``help(plotcast.Server)`` and each channel's ``publish``.

Environment variables: PLOTCAST_ADDR (bind address), PLOTCAST_TOKEN,
PLOTCAST_VIEWER (viewer binary), PLOTCAST_VIEWER_ARGS, PLOTCAST_NO_VIEWER=1,
RUST_LOG (for example RUST_LOG=plotcast=debug).
"""

import atexit as _atexit
import sys as _sys
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Optional as _Optional
from typing import Tuple as _Tuple
from typing import Union as _Union

from ._plotcast import (
    Bars,
    Client,
    Custom,
    Heatmap,
    Image,
    Line,
    Quiver,
    Scatter,
    Series,
    Server,
    Update,
    __version__,
    render,
    render_png,
)
from ._plotcast import _interrupt_open
from .plotter import Plotter


def _say_how_the_program_ended() -> None:
    """At exit after an uncaught exception (Ctrl-C included), servers still
    open tell their viewers the computation was interrupted, naming the
    exception, instead of a normal finish."""
    exc = getattr(_sys, "last_value", None)
    if exc is None:
        return
    message = str(exc).splitlines()[0][:200] if str(exc) else ""
    name = type(exc).__name__
    _interrupt_open(f"{name}: {message}" if message else name)


_atexit.register(_say_how_the_program_ended)


if _TYPE_CHECKING:
    from .notebook import LiveView


def show(
    source: _Union[Server, str],
    *,
    size: _Tuple[int, int] = (800, 500),
    fps: float = 20.0,
    token: _Optional[str] = None,
) -> "LiveView":
    """Displays a live picture of a computation in a Jupyter notebook (see
    ``plotcast.notebook.show``, which this calls). Defined here and not
    imported, so that ``import plotcast`` never imports IPython or ipywidgets."""
    from .notebook import show as _show

    return _show(source, size=size, fps=fps, token=token)


__all__ = [
    "Server",
    "Heatmap",
    "Line",
    "Scatter",
    "Bars",
    "Series",
    "Quiver",
    "Image",
    "Custom",
    "Client",
    "Update",
    "render",
    "render_png",
    "Plotter",
    "__version__",
    "show",
]
