"""A computation for test_signals.py: publishes in a busy loop until SIGINT.

    python interrupted_loop.py with|plain

`with` runs the loop inside `with plotcast.Server(...)`; `plain` keeps the
server in a variable, as a quick script would. Prints one JSON line when it
serves (address and viewer launch), `looping` once publishing, and one
JSON line with the monotonic time at which KeyboardInterrupt arrived; then
lets the exception end the process as Python does.
"""

import json
import sys
import time

import numpy as np

import plotcast


def loop(s):
    line = s.line("signal")
    grid = s.heatmap("grid")
    print(json.dumps({"address": s.address, "launch": s.viewer_launch}), flush=True)
    x = np.linspace(0, 1, 2000)
    g = np.random.default_rng(0).random((200, 300))
    step = 0
    try:
        while True:
            line.publish(np.sin(40 * x - step * 0.05))
            g[step % 200] = step % 7
            grid.publish(g)
            step += 1
            if step == 10:
                print("looping", flush=True)
    except KeyboardInterrupt:
        print(json.dumps({"interrupted_at": time.monotonic(), "steps": step}), flush=True)
        raise


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "with":
        with plotcast.Server(title="interrupt") as server:
            loop(server)
    else:
        server = plotcast.Server(title="interrupt")
        loop(server)
