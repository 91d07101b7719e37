"""Plotter classes for test_plotter.py, imported by name by the viewer
(python -m plotcast.view) that the computation launches. Each appends one
JSON line per call to the file $PLOTTER_TEST_OUT, so the test sees what
the plotter saw."""

import json
import os
import time

import plotcast

# The line's colour: the tests look for it in a screenshot (conftest.ORANGE).
ORANGE = "#ff7f0e"


def record(**fields):
    with open(os.environ["PLOTTER_TEST_OUT"], "a") as out:
        out.write(json.dumps(fields) + "\n")


def window_id(fig):
    """The X id of the figure's Tk window (the test finds its top level)."""
    return fig.canvas.manager.window.winfo_id()


def visible_ticks(axis):
    """The numbers the tick labels inside the axis's limits show (matplotlib
    also lays out one tick beyond each end, unseen)."""
    lo, hi = sorted(axis.get_view_interval())
    # Matplotlib writes minus signs as U+2212.
    return [
        float(label.get_text().replace("\u2212", "-"))
        for tick, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
        if lo <= tick <= hi and label.get_text()
    ]


class RangePlotter(plotcast.Plotter):
    """The heatmap (viridis) and the line (orange), axis limits from the data."""

    def setup(self, fig, update):
        self.ax_map, self.ax_line = fig.subplots(1, 2)
        self.image = None
        (self.line,) = self.ax_line.plot([], [], color=ORANGE, linewidth=3)
        record(call="setup", channels=[c["name"] for c in update.layout], window=window_id(fig))

    def update(self, fig, update):
        field, wave = update.channels.get("field"), update.channels.get("wave")
        if field is None or wave is None:
            return
        values = field["values"]
        if self.image is None:
            self.image = self.ax_map.imshow(values, cmap="viridis", origin="lower", interpolation="nearest")
        self.image.set_data(values)
        self.image.set_clim(values.min(), values.max())
        trace = wave["traces"][""]
        x, y = trace["x"], trace["y"]
        self.line.set_data(x, y)
        self.ax_line.set_xlim(x.min(), x.max())
        self.ax_line.set_ylim(y.min(), y.max())
        # Tick labels exist once a draw laid them out.
        fig.canvas.draw()
        record(
            call="update",
            ended=update.ended,
            seq=wave["seq"],
            x=[float(x.min()), float(x.max())],
            y=[float(y.min()), float(y.max())],
            field=[float(values.min()), float(values.max())],
            xticks=visible_ticks(self.ax_line.xaxis),
            yticks=visible_ticks(self.ax_line.yaxis),
        )


class SlowPlotter(plotcast.Plotter):
    """Takes half a second a draw."""

    def update(self, fig, update):
        if update.channels.get("wave") is None:
            return
        time.sleep(0.5)
        record(call="update", at=time.monotonic(), seq=update["wave"]["seq"], skipped=update.status["skipped"])


class FailingPlotter(plotcast.Plotter):
    """Raises in update until the file $PLOTTER_TEST_HEAL exists."""

    def setup(self, fig, update):
        self.ax = fig.add_subplot()
        self.image = None

    def update(self, fig, update):
        field = update.channels.get("field")
        if field is None:
            return
        healed = os.path.exists(os.environ["PLOTTER_TEST_HEAL"])
        record(call="update", failed=not healed, ended=update.ended, window=window_id(fig))
        if not healed:
            raise ValueError(f"plotter bug at seq {field['seq']}")
        if self.image is None:
            self.image = self.ax.imshow(field["values"], cmap="viridis")
        self.image.set_data(field["values"])
