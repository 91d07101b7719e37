"""A computation for test_plotter.py, drawn by a plotter class the server
launches (or by nobody, for a baseline).

    python plotter_computation.py --plotter MODULE:CLASS|none --go FILE --stop FILE --seconds S

Prints one JSON line when it serves (address, viewer launch), waits for
the test to create FILE `--go` (the viewer is ready: start-up CPU is not
measured), then steps for S seconds or until FILE `--stop` exists, and
prints one JSON line with its steps and their rate. Leaves the with-block
normally (a finished computation).

What it publishes, and what the test plotters check:
  field (heatmap, 40 x 60): FIELD_LOW on the left third, FIELD_HIGH on the
      right third, a ramp between them moving with the step;
  wave (line): x from WAVE_X[0] to WAVE_X[1] (251 points), y = 2 + 5 sin(...),
      so y spans about WAVE_Y (-3 to 7).
"""

import argparse
import json
import os
import time

import numpy as np

import plotcast

NY, NX = 40, 60
FIELD_LOW, FIELD_HIGH = 0.0, 1.0
WAVE_X = (1000.0, 1500.0)
WAVE_Y = (-3.0, 7.0)
# Every bounded wait here, in seconds (the test's own bound is the same).
TIMEOUT = 60.0


def field(step):
    f = np.full((NY, NX), FIELD_HIGH)
    f[:, : NX // 3] = FIELD_LOW
    middle = slice(NX // 3, 2 * NX // 3)
    ramp = np.linspace(0.0, 1.0, NX // 3)
    f[:, middle] = (ramp + step * 0.01) % 1.0
    return f


def wave(step):
    x = np.linspace(WAVE_X[0], WAVE_X[1], 251)
    # 250 steps over 4 periods: the samples hit both extremes.
    y = 2.0 + 5.0 * np.sin(np.linspace(0.0, 8.0 * np.pi, 251) + step * np.pi / 2)
    return x, y


def wait_for_file(path, what):
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"plotter_computation: no {what} ({path}) within {TIMEOUT} s")
        time.sleep(0.01)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plotter", required=True)
    parser.add_argument("--go", required=True)
    parser.add_argument("--stop")
    parser.add_argument("--seconds", type=float, default=TIMEOUT)
    args = parser.parse_args()

    if args.plotter == "none":
        server = plotcast.Server(title="plotter test", viewer=False)
    else:
        server = plotcast.Server(title="plotter test", plotter=args.plotter)
    with server as s:
        heat = s.heatmap("field")
        line = s.line("wave")
        # Something to publish before the viewer connects: its first update has data.
        heat.publish(field(0))
        line.publish(*wave(0))
        print(json.dumps({"address": s.address, "launch": s.viewer_launch}), flush=True)
        wait_for_file(args.go, "go file")

        # Some numpy work per step, as a computation would do between publishes.
        work = np.random.default_rng(0).random((300, 300))
        started = time.monotonic()
        step = 0
        while time.monotonic() - started < args.seconds and not (args.stop and os.path.exists(args.stop)):
            step += 1
            work = 0.25 * (np.roll(work, 1, 0) + np.roll(work, -1, 0) + np.roll(work, 1, 1) + np.roll(work, -1, 1))
            heat.publish(field(step))
            line.publish(*wave(step))
        elapsed = time.monotonic() - started
        print(json.dumps({"steps": step, "seconds": elapsed, "rate": step / elapsed}), flush=True)


if __name__ == "__main__":
    main()
