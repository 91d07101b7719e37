"""The heat demo in Python: a 2-D heat equation in numpy, streamed live.

A heat source circles the centre of a plate whose edges are held at zero.
The viewer window opens by itself and shows the temperature (a heatmap),
the profile through the middle row (a line) and the total energy (an
append series). Ctrl-C stops the computation at once; the window stays,
showing the last frame.

    pip install ./python ./python/viewer      # once, in a virtualenv
    python examples/python/heat.py
    PLOTCAST_STEPS=2000 python examples/python/heat.py   # a bounded run
"""

import os
import time

import numpy as np

import plotcast

NX, NY = 256, 160
ALPHA = 0.2  # diffusion number: stable for <= 0.25


def main() -> None:
    steps = int(os.environ.get("PLOTCAST_STEPS", "0")) or None
    u = np.zeros((NY, NX))
    x = np.arange(NX)

    with plotcast.Server(title="heat (Python)") as s:
        temperature = s.heatmap("temperature", colormap="inferno")
        profile = s.line("profile", x_label="x", y_label="T")
        energy = s.series("energy", x_label="t [s]")
        print(f"heat: serving on {s.address} (Ctrl-C to stop)", flush=True)

        started = time.perf_counter()
        step = 0
        while steps is None or step < steps:
            # The source circles the centre, its power pulsing slowly.
            phase = step * 0.0005
            power = 1.0 + 0.9 * np.sin(step * 0.00005)
            sx = int(NX * (0.5 + 0.3 * np.cos(phase)))
            sy = int(NY * (0.5 + 0.3 * np.sin(phase)))

            inner = u[1:-1, 1:-1]
            lap = u[1:-1, :-2] + u[1:-1, 2:] + u[:-2, 1:-1] + u[2:, 1:-1] - 4.0 * inner
            inner += ALPHA * lap
            u[max(sy - 3, 1) : min(sy + 3, NY - 1), max(sx - 3, 1) : min(sx + 3, NX - 1)] += power
            step += 1

            if step % 10 == 0:
                temperature.publish(u)  # shape (ny, nx): read in place
                profile.publish(x, u[NY // 2])
                energy.push(time.perf_counter() - started, u.sum())


if __name__ == "__main__":
    main()
