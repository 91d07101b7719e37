"""Your own matplotlib plot of a running computation: a plotter class.

The computation (at the bottom, under ``if __name__ == "__main__"``) is the
heat demo: it publishes a temperature field and its middle row, and never
waits for anyone. Instead of the stock viewer, the server launches

    python -m plotcast.view --plotter plotter:HeatPlotter ADDR --no-reconnect

a separate Python process that imports ``HeatPlotter`` from this file by
name (nothing is pickled) and calls its ``update`` with the newest data, at
most 30 times a second on the GUI's main thread. A slow ``update`` only
sees fewer updates; an exception in it is printed and shown in the figure;
either way the computation runs on at full speed.

    pip install ./python matplotlib           # once, in a virtualenv
    python examples/python/plotter.py
    PLOTCAST_STEPS=3000 python examples/python/plotter.py   # a bounded run

Copy the class and change ``update``: ``update.channels`` (or
``update[name]``) holds each channel's newest data as numpy arrays,
``update.status`` the connection, frames received and skipped.
"""

import os
import sys
import time

import numpy as np

import plotcast


class HeatPlotter(plotcast.Plotter):
    """A heatmap of the temperature and a line of its middle row."""

    def create_figure(self):
        # Optional: the default is plt.figure().
        import matplotlib.pyplot as plt

        return plt.figure(figsize=(8, 6), layout="constrained")

    def setup(self, fig, update):
        # Called once the layout is known; data may not have arrived yet.
        self.ax_map, self.ax_row = fig.subplots(2, 1, gridspec_kw={"height_ratios": (2, 1)})
        self.image = None
        (self.row,) = self.ax_row.plot([], [], color="tab:orange")
        self.ax_row.set_xlabel("x")
        self.ax_row.set_ylabel("T")

    def update(self, fig, update):
        temperature = update.channels.get("temperature")  # None until first published
        if temperature is not None:
            values = temperature["values"]  # (ny, nx), read-only
            if self.image is None:
                self.image = self.ax_map.imshow(values, cmap="inferno", origin="lower", aspect="auto")
                fig.colorbar(self.image, ax=self.ax_map, label="T")
            self.image.set_data(values)
            self.image.set_clim(values.min(), values.max())
            skipped = update.status["skipped"]
            self.ax_map.set_title(f"publish {temperature['seq']} ({skipped} frames skipped while drawing)")
        profile = update.channels.get("profile")
        if profile is not None:
            trace = profile["traces"][""]  # the unnamed trace
            self.row.set_data(trace["x"], trace["y"])
            self.ax_row.relim()
            self.ax_row.autoscale_view()


# The computation. The guard matters: the viewer imports this file to find
# HeatPlotter, and must not run the computation again.

NX, NY = 192, 120
ALPHA = 0.2  # diffusion number: stable for <= 0.25


def main() -> None:
    steps = int(os.environ.get("PLOTCAST_STEPS", "0")) or None
    # The viewer is a new interpreter started in our working directory; it
    # finds `plotter` (this file) through PYTHONPATH, which it inherits.
    # (A plotter in an installed package needs none of this.)
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))

    u = np.zeros((NY, NX))
    x = np.arange(NX)
    with plotcast.Server(title="heat (plotter)", plotter="plotter:HeatPlotter", python=[sys.executable]) as s:
        temperature = s.heatmap("temperature")
        profile = s.line("profile", x_label="x", y_label="T")
        print(f"plotter: serving on {s.address} (Ctrl-C to stop)", flush=True)

        step = 0
        started = time.perf_counter()
        while steps is None or step < steps:
            phase = step * 0.002
            sx = int(NX * (0.5 + 0.3 * np.cos(phase)))
            sy = int(NY * (0.5 + 0.3 * np.sin(phase)))
            inner = u[1:-1, 1:-1]
            inner += ALPHA * (u[1:-1, :-2] + u[1:-1, 2:] + u[:-2, 1:-1] + u[2:, 1:-1] - 4.0 * inner)
            u[sy - 3 : sy + 3, sx - 3 : sx + 3] += 1.0
            step += 1
            if step % 10 == 0:
                temperature.publish(u)
                profile.publish(x, u[NY // 2])
        print(f"plotter: {step} steps in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
