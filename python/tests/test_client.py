"""plotcast.Client: the viewer side in Python. Values come back bit-identical
to what was published, for every kind; a slow consumer skips values (latest
value wins) without slowing the computation; Ctrl-C interrupts a wait within
100 ms; iteration ends with the computation; render() draws the stock picture."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import plotcast
from conftest import TIMEOUT


def quiet_server(**kw):
    return plotcast.Server(title="client test", viewer=False, use_env=False, **kw)


def wait_for(client, what, cond, timeout=TIMEOUT):
    """The first Update for which cond(update) holds, within timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        client.wait_for_update(timeout=0.5)
        update = client.latest()
        if update is not None:
            last = update
            if cond(update):
                return update
    pytest.fail(f"timed out after {timeout} s waiting for {what}; last update: {last!r}")


def bits(a):
    """An array's exact bytes and dtype, to compare bit for bit (NaN included)."""
    a = np.asarray(a)
    return a.dtype.str, a.shape, a.tobytes()


def test_every_kind_comes_back_bit_identical():
    rng = np.random.default_rng(7)
    grid = rng.standard_normal((48, 64))
    grid[3, 5] = np.nan
    grid32 = rng.standard_normal((8, 16)).astype(np.float32)
    y = rng.standard_normal(1000)
    x = np.cumsum(rng.random(1000))
    sx, sy = rng.standard_normal(300), rng.standard_normal(300)
    heights = rng.random(12)
    edges = np.linspace(-1.0, 1.0, 13)
    u, v = rng.standard_normal(6 * 4), rng.standard_normal(6 * 4)
    rgb = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    t = np.arange(250, dtype=np.float64) * 0.1
    e = np.sin(t) + 1e-13 * t

    with quiet_server() as s, plotcast.Client(s.address, token=s.token) as client:
        s.heatmap("grid", colormap="magma", extent=(0, 1, 0, 2)).publish(grid)
        s.heatmap("grid32").publish(grid32)
        s.line("line").publish(y)
        s.line("xy", link_x="time").publish(x, y)
        s.line("traces").publish({"a": y[:10], "b": (x[:20], y[:20])})
        s.scatter("cloud").publish(sx, sy)
        s.bars("hist").publish(heights, edges)
        s.quiver("flow").publish(u.reshape(4, 6), v.reshape(4, 6))
        s.image("picture").publish(rgb)
        s.custom("vortex", "vortex").publish({"omega": y[:24]}, grid=(6, 4))
        series = s.series("energy", history_points=1000)
        series.extend(t, e)
        series.push(100.0, 42.0)

        names = {"grid", "grid32", "line", "xy", "traces", "cloud", "hist", "flow",
                 "picture", "vortex", "energy"}
        update = wait_for(
            client,
            "every channel with its data",
            lambda u: names <= set(u.channels)
            and len(u["energy"]["series"][""]["x"]) == 251,
        )

    assert update.title == "client test"
    c = update.channels
    assert c["grid"]["kind"] == "heatmap"
    assert bits(c["grid"]["values"]) == bits(grid)
    assert bits(c["grid32"]["values"]) == bits(grid32)
    assert not c["grid"]["reduced"] and not c["grid"]["coded"]
    assert bits(c["line"]["traces"][""]["y"]) == bits(y)
    assert c["line"]["traces"][""]["x"] is None
    assert bits(c["xy"]["traces"][""]["x"]) == bits(x)
    assert bits(c["xy"]["traces"][""]["y"]) == bits(y)
    assert bits(c["traces"]["traces"]["a"]["y"]) == bits(y[:10])
    assert bits(c["traces"]["traces"]["b"]["x"]) == bits(x[:20])
    assert bits(c["cloud"]["traces"][""]["x"]) == bits(sx)
    assert bits(c["cloud"]["traces"][""]["y"]) == bits(sy)
    assert bits(c["hist"]["traces"][""]["y"]) == bits(heights)
    assert bits(c["hist"]["traces"][""]["x"]) == bits(edges)
    flow = c["flow"]["arrays"]
    assert (c["flow"]["nx"], c["flow"]["ny"]) == (6, 4)
    assert bits(flow["u"]) == bits(u) and bits(flow["v"]) == bits(v)
    assert c["vortex"]["plot_type"] == "vortex"
    assert bits(c["vortex"]["arrays"]["omega"]) == bits(y[:24])
    # An image travels as float32 0..1 values, bottom row first (PROTOCOL.md):
    # exactly v / 255 of every published byte.
    pic = c["picture"]
    assert (pic["nx"], pic["ny"]) == (7, 5)
    sent = (rgb[::-1].astype(np.float32) / np.float32(255.0)).reshape(-1)
    assert bits(pic["arrays"]["rgb"]) == bits(sent)
    energy = c["energy"]["series"][""]
    assert bits(energy["x"]) == bits(np.append(t, 100.0))
    assert bits(energy["y"]) == bits(np.append(e, 42.0))
    # Read-only: a consumer cannot corrupt what the next call returns.
    with pytest.raises(ValueError):
        c["line"]["traces"][""]["y"][0] = 1.0
    # The layout carries every option.
    layout = {ch["name"]: ch for ch in update.layout}
    assert layout["grid"]["options"]["colormap"] == "magma"
    assert layout["grid"]["options"]["extent"] == (0.0, 1.0, 0.0, 2.0)
    assert layout["xy"]["options"]["link_x"] == "time"
    assert layout["energy"]["options"]["history_points"] == 1000
    assert layout["vortex"]["plot_type"] == "vortex"
    assert update.status["connection"] in ("connected", "ended")
    assert update.status["age"] is not None and update.status["age"] >= 0


def test_a_slow_consumer_skips_and_never_slows_the_computation():
    steps = 0
    stop = threading.Event()
    with quiet_server() as s, plotcast.Client(s.address, token=s.token) as client:
        heat = s.heatmap("heat")
        grid = np.zeros((64, 64))

        def compute():
            nonlocal steps
            while not stop.is_set():
                grid[0, 0] = steps
                heat.publish(grid)
                steps += 1
                time.sleep(0.002)

        worker = threading.Thread(target=compute)
        worker.start()
        try:
            first = wait_for(client, "the first frame", lambda u: "heat" in u)
            seen = []
            for _ in range(4):
                time.sleep(0.5)  # a consumer busy with something else
                assert client.wait_for_update(timeout=TIMEOUT), "no newer data after 0.5 s"
                update = client.latest()
                seen.append((update.status["skipped"], update["heat"]["seq"]))
        finally:
            stop.set()
            worker.join(TIMEOUT)
    skipped = [k for k, _ in seen]
    seqs = [q for _, q in seen]
    assert skipped == sorted(skipped) and skipped[-1] > skipped[0] + 50, (
        f"the server should skip the values a slow consumer had no time for: {seen}"
    )
    # Each call gets the newest value, far ahead of the last one taken.
    assert all(b - a > 50 for a, b in zip(seqs, seqs[1:])), seqs
    assert first["heat"]["seq"] < seqs[0]
    assert steps > 500, f"the computation ran {steps} steps in ~2.5 s"


CTRL_C_CHILD = textwrap.dedent(
    """
    import sys, time, plotcast
    with plotcast.Server(viewer=False, use_env=False) as s:
        client = plotcast.Client(s.address, token=s.token)
        print("waiting", flush=True)
        t0 = time.monotonic()
        try:
            client.wait_for_update(timeout=None) or True
            client.wait_for_update(timeout=None)
        except KeyboardInterrupt:
            print(f"interrupted {time.monotonic():.6f}", flush=True)
            sys.exit(0)
    """
)


def test_ctrl_c_interrupts_a_wait_within_100_ms():
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PLOTCAST_")},
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "waiting", f"child said {line!r}: {child.stderr.read()}"
        # The first wait returns once the layout arrives; the second has
        # nothing to wait for. Give it time to be inside the second wait.
        time.sleep(0.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=TIMEOUT)
    finally:
        child.kill()
    assert child.returncode == 0, f"exit {child.returncode}: {out} {err}"
    words = out.split()
    assert words[:1] == ["interrupted"], f"child said {out!r}: {err}"
    delay = float(words[1]) - sent
    assert delay < 0.1, f"KeyboardInterrupt came {delay * 1000:.0f} ms after SIGINT"


def test_iteration_ends_with_the_computation():
    s = quiet_server()
    line = s.line("y")
    with plotcast.Client(s.address, token=s.token, reconnect=False) as client:
        wait_for(client, "the layout", lambda u: True)
        for k in range(5):
            line.publish(np.full(3, float(k)))
        s.finish(5.0)
        updates = []

        def consume():
            for update in client:
                updates.append(update)

        reader = threading.Thread(target=consume)
        reader.start()
        reader.join(TIMEOUT)
        assert not reader.is_alive(), "iteration did not end after the computation finished"
    assert updates and updates[-1].ended, updates
    assert updates[-1].status["connection"] == "ended", updates[-1].status
    np.testing.assert_array_equal(updates[-1]["y"]["traces"][""]["y"], np.full(3, 4.0))
    assert client.ended


def test_render_draws_the_stock_picture():
    with quiet_server() as s, plotcast.Client(s.address, token=s.token) as client:
        s.heatmap("heat").publish(np.outer(np.arange(32.0), np.ones(32)))
        update = wait_for(client, "the heatmap", lambda u: "heat" in u)
        rgb = plotcast.render(update, (320, 240))
        png = plotcast.render_png(update, size=(320, 240))
    assert rgb.shape == (240, 320, 3) and rgb.dtype == np.uint8
    # Viridis ends are in the picture: the heatmap was drawn, not a blank canvas.
    colours = {tuple(p) for p in rgb.reshape(-1, 3)}
    assert len(colours) > 20, f"{len(colours)} colours: a blank picture?"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="size"):
        plotcast.render(update, (0, 10))


def test_bad_addresses_say_what_is_wrong():
    with pytest.raises(ValueError, match="port"):
        plotcast.Client("127.0.0.1:99999")
    with pytest.raises(ValueError):
        plotcast.Client("nats://")


def test_status_says_why_a_connection_failed_before_any_data():
    with plotcast.Server(viewer=False, use_env=False, token="right") as s:
        client = plotcast.Client(s.address, token="wrong", reconnect=False)
        assert client.wait_for_update(timeout=TIMEOUT), "the refused connection never ended"
        assert client.latest() is None
        status = client.status
        assert client.ended
        assert status["connection"] == "unreachable", status
        assert "wrong access token" in status["reason"], status
        client.close()
        with pytest.raises(RuntimeError, match="closed"):
            client.latest()
