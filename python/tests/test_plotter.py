"""Plotter classes: a computation's server launches `python -m plotcast.view
--plotter MODULE:CLASS`, which draws with matplotlib's default backend (TkAgg)
in a real window under Xvfb. The plotters (plotters_under_test.py) write
what they saw to a file; the window is checked by screenshots (xwd) and
through X itself (its title, a close request as a window manager sends)."""

import ctypes
import ctypes.util
import json
import os
import selectors
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import plotcast
from conftest import ORANGE, TIMEOUT, VIRIDIS_HIGH, VIRIDIS_LOW, become_subreaper, process_state, wait_until

pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install matplotlib): plotter tests skipped")

HERE = Path(__file__).resolve().parent
RED = (255, 0, 0)


# --- X: screenshots, window titles, closing a window -------------------------


def screenshot(display):
    """The whole screen as an (height, width, 3) uint8 array, by xwd."""
    if shutil.which("xwd") is None:
        pytest.skip("no xwd (apt-get install x11-apps): screenshot test skipped")
    data = subprocess.run(
        ["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True, timeout=TIMEOUT
    ).stdout
    return parse_xwd(data)


def parse_xwd(data):
    """An X Window Dump of a 32-bit true-colour ZPixmap (what xwd writes of a
    24-bit Xvfb screen); the layout is in testkit/src/xwd.rs."""
    field = lambda i: int.from_bytes(data[i * 4 : i * 4 + 4], "big")  # noqa: E731
    header_size, fmt, width, height = field(0), field(2), field(4), field(5)
    byte_order, bits, stride = field(7), field(11), field(12)
    masks, colours = (field(14), field(15), field(16)), field(19)
    assert fmt == 2 and bits == 32, f"xwd format {fmt}, {bits} bits a pixel; want ZPixmap, 32"
    start = header_size + colours * 12
    words = np.frombuffer(data, dtype="<u4" if byte_order == 0 else ">u4", count=height * stride // 4, offset=start)
    pixels = words.reshape(height, stride // 4)[:, :width]
    rgb = np.empty((height, width, 3), np.uint8)
    for i, mask in enumerate(masks):
        rgb[..., i] = (pixels & mask) >> ((mask & -mask).bit_length() - 1)
    return rgb


def count_near(rgb, colour, tolerance=24):
    return int((np.abs(rgb.astype(int) - np.array(colour)).max(axis=2) <= tolerance).sum())


def distinct_colours(rgb):
    return len(np.unique(rgb.reshape(-1, 3), axis=0))


class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


class X:
    """A connection to the test's X server, through libX11."""

    CLIENT_MESSAGE = 33

    def __init__(self, display):
        name = ctypes.util.find_library("X11")
        if name is None:
            pytest.skip("no libX11: real-window test skipped")
        x = self.lib = ctypes.CDLL(name)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(_XEvent)]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XFlush.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        window_p = ctypes.POINTER(ctypes.c_ulong)
        x.XQueryTree.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, window_p, window_p, ctypes.POINTER(window_p), ctypes.POINTER(ctypes.c_uint)
        ]
        self.display = x.XOpenDisplay(display.encode())
        assert self.display, f"cannot open X display {display}"

    def top_level(self, window):
        """The child of the root window that holds `window`: Tk's wrapper,
        where the title is and where a close request goes."""
        while True:
            root, parent = ctypes.c_ulong(), ctypes.c_ulong()
            children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
            ok = self.lib.XQueryTree(
                self.display, window, ctypes.byref(root), ctypes.byref(parent),
                ctypes.byref(children), ctypes.byref(count),
            )
            assert ok, f"XQueryTree failed for window {window}"
            if children:
                self.lib.XFree(children)
            if parent.value in (root.value, 0):
                return window
            window = parent.value

    def find(self, part):
        """The top-level windows whose title contains `part`."""
        x = self.lib
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        ok = x.XQueryTree(
            self.display, x.XDefaultRootWindow(self.display), ctypes.byref(root), ctypes.byref(parent),
            ctypes.byref(children), ctypes.byref(count),
        )
        assert ok, "XQueryTree failed for the root window"
        windows = [children[i] for i in range(count.value)]
        if children:
            x.XFree(children)
        return [w for w in windows if part in (self.title(w) or "")]

    def title(self, window):
        name = ctypes.c_char_p()
        if not self.lib.XFetchName(self.display, window, ctypes.byref(name)) or not name.value:
            return None
        try:
            return name.value.decode("utf-8", "replace")
        finally:
            self.lib.XFree(name)

    def close(self, window):
        """Asks the window to close, as a window manager's close button does
        (WM_DELETE_WINDOW); Xvfb has no window manager to do it."""
        event = _XEvent()
        message = event.xclient
        message.type = self.CLIENT_MESSAGE
        message.window = window
        message.message_type = self.lib.XInternAtom(self.display, b"WM_PROTOCOLS", 0)
        message.format = 32
        message.data[0] = self.lib.XInternAtom(self.display, b"WM_DELETE_WINDOW", 0)
        assert self.lib.XSendEvent(self.display, window, 0, 0, ctypes.byref(event)), "XSendEvent failed"
        self.lib.XSync(self.display, 0)

    def disconnect(self):
        self.lib.XCloseDisplay(self.display)


def adopted_viewers():
    """Our children running plotcast.view: viewers whose computation ended
    (they are adopted by us, the subreaper)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == os.getpid() and b"plotcast.view" in cmdline:
            found.append(int(entry.name))
    return found


# --- a computation with a plotter --------------------------------------------


class Run:
    """plotter_computation.py with a plotter class (or "none"), its viewer
    adopted by the test (become_subreaper) so the test sees its exit status."""

    def __init__(self, tmp_path, plotter, display=None, seconds=TIMEOUT):
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.out = tmp_path / "seen.jsonl"
        self.go = tmp_path / "go"
        self.stop = tmp_path / "stop"
        self.heal = tmp_path / "heal"
        self.stderr_path = tmp_path / "stderr"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLOTCAST_") and k != "MPLBACKEND"}
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
            PLOTTER_TEST_OUT=str(self.out),
            PLOTTER_TEST_HEAL=str(self.heal),
            MPLCONFIGDIR=str(tmp_path / "mpl"),
        )
        if display:
            env["DISPLAY"] = display
        else:
            env.pop("DISPLAY", None)
        cmd = [sys.executable, str(HERE / "plotter_computation.py"), "--plotter", plotter]
        cmd += ["--go", str(self.go), "--stop", str(self.stop), "--seconds", str(seconds)]
        # A file, not a pipe: the viewer inherits the computation's stderr and
        # outlives it.
        with self.stderr_path.open("w") as err:
            self.proc = subprocess.Popen(
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True
            )
        self.viewer_pid = None
        info = self.read_json("its address")
        self.address = info["address"]
        if plotter != "none":
            launch = info["launch"]
            assert launch["state"] == "launched", launch
            self.viewer_pid = launch["pid"]

    def stderr(self):
        return self.stderr_path.read_text()

    def read_json(self, what):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(TIMEOUT):
            pytest.fail(f"the computation did not print {what} within {TIMEOUT} s: {self.stderr()}")
        line = self.proc.stdout.readline()
        assert line, f"the computation ended before printing {what}: {self.stderr()}"
        return json.loads(line)

    def seen(self):
        """What the plotter recorded so far (complete lines)."""
        if not self.out.is_file():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines(keepends=True) if line.endswith("\n")]

    def updates(self):
        return [r for r in self.seen() if r["call"] == "update"]

    def wait_for_updates(self, what, cond):
        wait_until(what, lambda: cond(self.updates()), details=lambda: f"seen: {self.seen()[-5:]}\n{self.stderr()}")

    def finish(self):
        """Waits for the computation to end normally; returns its summary line."""
        summary = self.read_json("its steps")
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the computation did not exit within {TIMEOUT} s of its last step: {self.stderr()}")
        assert code == 0, f"the computation exited with {code}: {self.stderr()}"
        return summary

    def viewer_exit_code(self):
        """The viewer's exit status, once it exited (it is our child by now:
        the computation ended and we are its subreaper)."""
        status = {}

        def exited():
            pid, code = os.waitpid(self.viewer_pid, os.WNOHANG)
            if pid:
                status["code"] = os.waitstatus_to_exitcode(code)
            return pid != 0

        wait_until("the viewer to exit", exited, details=self.stderr)
        self.viewer_pid = None
        return status["code"]

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.viewer_pid is not None and process_state(self.viewer_pid) not in (None, "Z"):
            os.kill(self.viewer_pid, 9)
        if self.viewer_pid is not None:
            try:
                os.waitpid(self.viewer_pid, 0)
            except ChildProcessError:
                pass  # still the computation's child when it was killed first


@pytest.fixture
def run(tmp_path):
    become_subreaper()
    runs = []

    def start(plotter, **kwargs):
        r = Run(tmp_path / f"run{len(runs)}", plotter, **kwargs)
        runs.append(r)
        return r

    yield start
    for r in runs:
        r.cleanup()


@pytest.fixture
def x(xvfb):
    conn = X(xvfb.display)
    yield conn
    conn.disconnect()


# --- the tests -------------------------------------------------------------------


def test_a_plotter_draws_the_running_computation_in_a_window(xvfb, x, run):
    r = run("plotters_under_test:RangePlotter", display=xvfb.display, seconds=2.0)
    r.wait_for_updates("the plotter's first update", lambda seen: len(seen) >= 1)
    r.go.touch()
    summary = r.finish()
    assert summary["steps"] > 10, summary
    r.wait_for_updates("the plotter to see the end", lambda seen: seen[-1]["ended"])

    setup = [s for s in r.seen() if s["call"] == "setup"]
    assert len(setup) == 1, f"setup once for one layout: {setup}"
    assert setup[0]["channels"] == ["field", "wave"]
    last = r.updates()[-1]
    # The newest data, bit for bit: the last step's values.
    assert last["seq"] >= summary["steps"], (last, summary)
    assert last["x"] == [1000.0, 1500.0], last
    assert last["y"][0] == pytest.approx(-3.0, abs=0.05) and last["y"][1] == pytest.approx(7.0, abs=0.05), last
    assert last["field"] == [0.0, 1.0], last
    # The axis the plotter scaled to the data: its tick labels cover 1000-1500
    # and -3-7, nothing else (a plot of indices 0-250 would not).
    xticks, yticks = last["xticks"], last["yticks"]
    assert len(xticks) >= 2 and all(1000 <= t <= 1500 for t in xticks), xticks
    assert xticks[0] <= 1250 <= xticks[-1], xticks
    assert len(yticks) >= 3 and all(-3 <= t <= 7 for t in yticks), yticks
    assert min(yticks) < 0 < max(yticks), yticks

    window = x.top_level(setup[0]["window"])
    wait_until(
        "the window title to say the computation ended",
        lambda: "computation ended" in (x.title(window) or ""),
        details=lambda: f"title: {x.title(window)!r}\n{r.stderr()}",
    )
    assert x.title(window).startswith("plotter test"), x.title(window)

    # On the screen: the heatmap's two ends (viridis) and the orange line.
    def shows_the_plot():
        shot = screenshot(xvfb.display)
        found = {
            "low": count_near(shot, VIRIDIS_LOW),
            "high": count_near(shot, VIRIDIS_HIGH),
            "line": count_near(shot, ORANGE),
            "colours": distinct_colours(shot),
        }
        shows_the_plot.found = found
        return found["low"] > 500 and found["high"] > 500 and found["line"] > 300 and found["colours"] > 50

    wait_until(
        "the window to show the heatmap and the line", shows_the_plot, every=0.2, details=lambda: shows_the_plot.found
    )

    # The final picture stays until the window is closed; closing exits with 0.
    assert process_state(r.viewer_pid) not in (None, "Z"), "the viewer left when the computation ended"
    x.close(window)
    assert r.viewer_exit_code() == 0, r.stderr()
    assert "Traceback" not in r.stderr(), r.stderr()


def test_a_slow_plotter_skips_updates_and_never_slows_the_computation(xvfb, run, tmp_path):
    seconds = 4.0
    alone = run("none", seconds=seconds)
    alone.go.touch()
    baseline = alone.finish()

    r = run("plotters_under_test:SlowPlotter", display=xvfb.display, seconds=seconds)
    r.wait_for_updates("the plotter's first update", lambda seen: len(seen) >= 1)
    r.go.touch()
    drawn = r.finish()
    # Loose: the machine is shared, and the viewer process takes some CPU.
    assert drawn["rate"] >= 0.7 * baseline["rate"], f"with the slow plotter {drawn}, without {baseline}"

    r.wait_for_updates("the plotter to see the end", lambda seen: len(seen) >= 4 and seen[-1]["seq"] >= drawn["steps"])
    seen = r.updates()
    # Half a second a draw: a handful of updates for thousands of publishes,
    # each the newest then, and the frames skipped meanwhile counted.
    assert len(seen) <= (seconds + 3) / 0.5, seen
    skipped = [s["skipped"] for s in seen]
    assert skipped == sorted(skipped) and skipped[-1] > skipped[0] + 10, skipped
    assert sum(1 for a, b in zip(skipped, skipped[1:]) if b > a) >= 3, skipped


def test_an_exception_in_update_is_shown_and_the_computation_finishes(xvfb, x, run):
    r = run("plotters_under_test:FailingPlotter", display=xvfb.display)
    r.go.touch()
    r.wait_for_updates("three failed updates", lambda seen: sum(s["failed"] for s in seen) >= 3)
    window = x.top_level(r.updates()[0]["window"])

    # stderr: the traceback, once (the same error every frame is not repeated).
    wait_until("the traceback on stderr", lambda: "ValueError: plotter bug at seq" in r.stderr(), details=r.stderr)
    err = r.stderr()
    assert "plotcast.view: FailingPlotter.update raised:" in err and "Traceback (most recent call last)" in err, err
    assert 'plotters_under_test.py", line' in err and "in update" in err, err
    assert err.count("Traceback") == 1, err

    # The figure: the traceback's end in red.
    def red_pixels():
        red_pixels.n = count_near(screenshot(xvfb.display), RED, tolerance=40)
        return red_pixels.n

    wait_until("the error in red in the window", lambda: red_pixels() > 200, every=0.2, details=lambda: red_pixels.n)

    # Fixed: the next successful update clears it (two, so the first was drawn).
    r.heal.touch()
    healed_at = len(r.updates())
    r.wait_for_updates("two good updates", lambda seen: sum(not s["failed"] for s in seen[healed_at:]) >= 2)
    wait_until("the error to be cleared", lambda: red_pixels() < 20, every=0.2, details=lambda: red_pixels.n)
    wait_until(
        "stderr to say it works again", lambda: "FailingPlotter.update works again" in r.stderr(), details=r.stderr
    )

    # The computation never noticed.
    r.stop.touch()
    summary = r.finish()
    assert summary["steps"] > 0, summary
    r.wait_for_updates("the plotter to see the end", lambda seen: seen[-1]["ended"])
    x.close(window)
    assert r.viewer_exit_code() == 0, r.stderr()


EXAMPLE = HERE.parents[1] / "examples" / "python" / "plotter.py"


@pytest.mark.skipif(not EXAMPLE.is_file(), reason="examples/ is not beside the package")
def test_the_example_plotter(xvfb, x, tmp_path):
    """examples/python/plotter.py, run from elsewhere: its viewer finds the
    plotter through the PYTHONPATH the example sets."""
    become_subreaper()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PLOTCAST_") and k not in ("MPLBACKEND", "PYTHONPATH")
    }
    env.update(DISPLAY=xvfb.display, PLOTCAST_STEPS="600", MPLCONFIGDIR=str(tmp_path / "mpl"))
    # Files, not pipes: the viewer inherits both and outlives the example.
    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        done = subprocess.run(
            [sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=err, timeout=TIMEOUT,
        )
    assert done.returncode == 0, stderr_path.read_text()
    printed = stdout_path.read_text()
    assert "serving on 127.0.0.1:" in printed and "600 steps" in printed, printed

    found = []
    wait_until(
        "the example's window, its computation ended",
        lambda: found.extend(x.find("heat (plotter) — computation ended")) or found,
        details=stderr_path.read_text,
    )

    def shows_the_plot():
        shot = screenshot(xvfb.display)
        # inferno's dark end fills the plate's cold corners; the profile is orange.
        shows_the_plot.found = (count_near(shot, (0, 0, 4), 12), count_near(shot, ORANGE), distinct_colours(shot))
        return shows_the_plot.found[0] > 1000 and shows_the_plot.found[1] > 200 and shows_the_plot.found[2] > 100

    wait_until("the example's heatmap and profile", shows_the_plot, every=0.2, details=lambda: shows_the_plot.found)
    # The example ended, so its viewer is ours now (become_subreaper).
    viewers = adopted_viewers()
    assert len(viewers) == 1, f"one viewer expected: {viewers}"
    try:
        x.close(found[0])
        status = {}

        def exited():
            pid, code = os.waitpid(viewers[0], os.WNOHANG)
            status["code"] = os.waitstatus_to_exitcode(code) if pid else None
            return pid != 0

        wait_until("the example's viewer to exit", exited, details=stderr_path.read_text)
        assert status["code"] == 0, stderr_path.read_text()
    finally:
        if process_state(viewers[0]) not in (None, "Z"):
            os.kill(viewers[0], 9)
            os.waitpid(viewers[0], 0)
    assert "Traceback" not in stderr_path.read_text(), stderr_path.read_text()


@pytest.mark.parametrize(
    "spec, message",
    [
        ("plotters_under_test", "expected MODULE:CLASS"),
        (
            "tests/plotters_under_test.py:RangePlotter",
            "name the module, not its file (plotters_under_test:RangePlotter)",
        ),
        ("no_such_module:Plotter", "no module named 'no_such_module'"),
        ("plotters_under_test:NoSuchClass", "has no attribute 'NoSuchClass'"),
        ("plotters_under_test:record", "record is a function, not a class"),
        ("json:JSONDecoder", "class JSONDecoder has no update(fig, update) method"),
    ],
)
def test_a_bad_plotter_spec_is_one_clear_line(spec, message):
    env = dict(os.environ, PYTHONPATH=str(HERE))
    done = subprocess.run(
        [sys.executable, "-m", "plotcast.view", "--plotter", spec, "127.0.0.1:9"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_plotter_is_exported():
    assert plotcast.Plotter.__module__ == "plotcast.plotter"
    plotter = plotcast.Plotter()
    assert plotter.setup(None, None) is None and plotter.update(None, None) is None


def test_plotcast_view_is_installed_as_a_command():
    """`plotcast-view` (the console script pip installs beside python) is
    the same viewer: its --help names --plotter, and a bad spec is one line."""
    import sysconfig

    script = os.path.join(sysconfig.get_path("scripts"), "plotcast-view")
    assert os.access(script, os.X_OK), f"{script} is not installed (pip install ./python)"
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0 and "--plotter" in done.stdout, done
    done = subprocess.run(
        [script, "--plotter", "nocolon", "127.0.0.1:9"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2 and "expected MODULE:CLASS" in done.stderr, done
