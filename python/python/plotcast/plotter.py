"""Plotter classes: your own drawing code for a running computation's data.

A plotter is a class the viewer imports by name and instantiates with no
arguments, in a process of its own (``python -m plotcast.view --plotter
pkg.mod:Class ADDR``, or ``plotcast.Server(plotter="pkg.mod:Class")`` which
launches that for you). Nothing is pickled: the class travels as its import
path, so its module must be importable where the viewer runs (the working
directory, ``PYTHONPATH`` or an installed package).

    import plotcast

    class HeatPlotter(plotcast.Plotter):
        def setup(self, fig, update):
            self.ax = fig.add_subplot()
            self.image = None

        def update(self, fig, update):
            data = update.channels.get("temperature")  # None until published
            if data is None:
                return
            values = data["values"]
            if self.image is None:
                self.image = self.ax.imshow(values, cmap="inferno")
            self.image.set_data(values)
            self.image.set_clim(values.min(), values.max())

Subclassing :class:`Plotter` is optional: any class with an ``update(fig,
update)`` method will do; the other methods are looked up when present.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._plotcast import Update

__all__ = ["Plotter"]


class Plotter:
    """The base of a plotter class; every method has a default.

    The viewer calls, on the interpreter's main thread:

    1. ``create_figure()`` once, before any data arrives (the window opens
       at once, titled as connecting);
    2. ``setup(fig, update)`` with the first :class:`plotcast.Update` that
       has the layout (channel names, kinds and options in
       ``update.layout``; data in ``update.channels`` may still be missing
       for channels nothing was published to yet). Called again, on a
       cleared figure, when the layout changes (a channel was created
       later, or a restarted computation was reconnected to);
    3. ``update(fig, update)`` with the newest update (the first one
       right after ``setup``), at most ``--fps`` times a second (default
       30), and only when something new arrived.
       Latest value wins: a slow ``update`` sees fewer updates, never a
       queue of old ones; ``update.status["skipped"]`` counts the frames
       the server skipped for this viewer. The computation never waits
       for the plotter. The viewer redraws a matplotlib figure after each
       call; the plotter only changes artists.

    When the computation ends, ``update`` is called one last time with
    ``update.ended`` true; the window then keeps the final picture (its
    title says the computation ended) until it is closed. (That is with
    ``--no-reconnect``, as ``plotcast.Server`` launches it; without, the
    viewer waits for the computation to be started again.)

    An exception raised by ``setup`` or ``update`` is printed to stderr
    with its traceback and shown in red in the figure until a call
    succeeds; the viewer carries on with the next update, and the
    computation never notices. After a failed ``setup``, the next update
    calls ``setup`` again (``update`` only follows a successful one).

    The arrays in an update are read-only numpy arrays; copy them
    (``np.array(a)``) to keep or change them.

    Other drawing libraries: when ``create_figure`` returns something that
    is not a matplotlib figure, the viewer only calls ``setup`` and
    ``update``. To keep such a window responsive between updates, define
    ``process_events(self, fig) -> bool``: called about every 20 ms, it
    handles the window's pending events without blocking and returns False
    once the user closed the window (the viewer then exits). Without it,
    the viewer exits when the computation ends.
    """

    def create_figure(self) -> Any:
        """Returns the figure ``setup`` and ``update`` draw into.

        The default is a new ``matplotlib.pyplot.figure()`` with
        matplotlib's default (interactive) backend; override it for
        another size (``plt.figure(figsize=(10, 4))``). Returning a
        matplotlib figure made by ``pyplot`` lets the viewer show, redraw
        and title the window. Any other object (a figure of another
        drawing library) is passed through untouched: the plotter then
        shows and redraws it itself (see "Other drawing libraries" in the
        class documentation).
        """
        import matplotlib.pyplot as plt

        return plt.figure()

    def setup(self, fig: Any, update: "Update") -> None:
        """Creates the axes and artists for the layout in ``update``.

        The default does nothing (``update`` then draws everything).
        """

    def update(self, fig: Any, update: "Update") -> None:
        """Draws the newest data of ``update`` into ``fig``.

        The default does nothing.
        """
