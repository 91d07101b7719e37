"""Domain decomposition through NATS: four worker processes each compute one
tile of a 2-D field and publish it (and one trace) under the same run; one
viewer shows the tiles stitched into one picture and a trace per worker.

Each worker is its own process with its own plotcast server that dials out
to NATS (nothing listens), as MPI ranks on compute nodes would. The field is
a travelling wave pattern evaluated on each tile's part of the global grid
(real solvers exchange halos; the plotting is the same).

    nats-server -js &                                   # or any NATS with JetStream
    python examples/python/tiles.py nats://127.0.0.1:4222
    plotcast-viewer nats://127.0.0.1:4222/tiles         # on any machine that reaches NATS

    PLOTCAST_STEPS=200 python examples/python/tiles.py nats://127.0.0.1:4222

With mpi4py, the same worker body runs as `mpiexec -n 4 python ...` with
`rank = MPI.COMM_WORLD.Get_rank()` in place of the multiprocessing pool.
"""

import multiprocessing
import os
import sys
import time

import numpy as np

import plotcast

NX, NY = 240, 160  # the global grid
TILES_X, TILES_Y = 2, 2


def worker(url: str, rank: int, steps: int) -> None:
    tx, ty = rank % TILES_X, rank // TILES_X
    w, h = NX // TILES_X, NY // TILES_Y
    x0, y0 = tx * w, ty * h
    x = np.arange(x0, x0 + w)[None, :]
    y = np.arange(y0, y0 + h)[:, None]
    # No window per worker: the run is watched with plotcast-viewer nats://.../tiles.
    with plotcast.Server(
        title="tiles", nats=url, run="tiles", process=f"rank{rank}", viewer=False
    ) as s:
        field = s.heatmap("field", colormap="viridis", tile=(x0, y0, NX, NY), value_label="u")
        mean = s.series("tile mean", x_label="step")
        for step in range(steps):
            t = step * 0.05
            u = np.sin(0.05 * x - t) * np.cos(0.07 * y + 0.5 * t) + 0.002 * (x + y)
            field.publish(u)
            mean.push(step, float(u.mean()))
            time.sleep(0.02)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PLOTCAST_NATS", "nats://127.0.0.1:4222")
    steps = int(os.environ.get("PLOTCAST_STEPS", "0")) or 10**9
    print(f"tiles: 4 workers publishing run 'tiles' through {url}; "
          f"watch with: plotcast-viewer {url}/tiles", flush=True)
    ranks = TILES_X * TILES_Y
    with multiprocessing.get_context("spawn").Pool(ranks) as pool:
        pool.starmap(worker, [(url, rank, steps) for rank in range(ranks)])


if __name__ == "__main__":
    main()
