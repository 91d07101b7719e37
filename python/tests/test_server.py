"""The Server object: viewer launch, finish, the with block, stats, help."""

import json
import os
import pydoc
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import plotcast
from conftest import BLUE, Png, TIMEOUT, viewer_binary, wait_until
from rawviewer import RawViewer


def test_launches_the_viewer_beside_this_python(no_viewer_env, tmp_path):
    """After `pip install ./python ./python/viewer` the server finds the
    viewer in this environment's bin/ and the window gets the final values
    before finish() returns (headless here, through PLOTCAST_VIEWER_ARGS)."""
    out = tmp_path / "final.png"
    no_viewer_env.setenv("PLOTCAST_VIEWER_ARGS", f"--headless --out {out} --timeout {int(TIMEOUT)}")
    with plotcast.Server(title="launch") as s:
        launch = s.viewer_launch
        assert launch["state"] == "launched", launch
        assert launch["path"] == viewer_binary()
        line = s.line("ramp")
        for i in range(50):
            line.publish(np.arange(100.0) * i)
        assert s.finish(timeout=TIMEOUT) is True, "the viewer did not get the final values"
        assert s.closed
    # The headless viewer ends when the server goes away, after writing its frame.
    wait_until("the viewer's PNG", out.is_file)
    assert Png(out).count_near(BLUE) > 50


@pytest.mark.parametrize(
    "env, kwargs, state",
    [
        ({"PLOTCAST_NO_VIEWER": "1"}, {}, "disabled"),
        ({}, {"viewer": False}, "disabled"),
        ({}, {"viewer": "/nonexistent/plotcast-viewer"}, "not_found"),
        ({"PLOTCAST_VIEWER": "/nonexistent/pv"}, {}, "not_found"),
    ],
)
def test_viewer_launch_states(no_viewer_env, env, kwargs, state):
    for k, v in env.items():
        no_viewer_env.setenv(k, v)
    with plotcast.Server(**kwargs) as s:
        launch = s.viewer_launch
        assert launch["state"] == state, launch
        if state == "not_found":
            assert "plotcast-viewer" in launch["hint"]


def test_with_block_closes_on_an_exception_at_once(no_viewer_env):
    s = plotcast.Server(viewer=False)
    stalled = RawViewer(s.address)
    stalled.handshake()
    stalled.request_batch()
    wait_until("the stalled viewer", lambda: s.viewer_count() == 1)
    s.line("l").publish(np.zeros(200_000))
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError):
        with s:
            1 / 0
    # No finish(): an exception leaves at once (the shutdown grace is 0.2 s).
    assert time.monotonic() - started < 2.0
    assert s.closed
    stalled.close()


def test_finish_waits_for_a_stalled_viewer_only_until_the_timeout(no_viewer_env):
    s = plotcast.Server(viewer=False)
    stalled = RawViewer(s.address)
    stalled.handshake()
    wait_until("the viewer", lambda: s.viewer_count() == 1)
    s.line("l").publish([1.0, 2.0])
    started = time.monotonic()
    assert s.finish(timeout=0.5) is False, "a viewer that never asks cannot be up to date"
    took = time.monotonic() - started
    assert 0.4 < took < 3.0, took
    stalled.close()


FINISH_CHILD = textwrap.dedent(
    """
    import json, sys, time
    import plotcast
    sys.path.insert(0, sys.argv[1])
    from rawviewer import RawViewer
    s = plotcast.Server(viewer=False, use_env=False)
    stalled = RawViewer(s.address)
    stalled.handshake()
    while s.viewer_count() < 1:
        time.sleep(0.01)
    s.line("l").publish([1.0, 2.0])
    print("finishing", flush=True)
    try:
        s.finish(timeout=60)
    except KeyboardInterrupt:
        print(json.dumps({"at": time.monotonic(), "closed": s.closed}), flush=True)
    """
)


def test_ctrl_c_interrupts_finish(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", FINISH_CHILD, os.path.dirname(__file__)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "finishing", child.stderr.read()
        time.sleep(0.2)  # let it enter the wait (there is no signal for that)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert out.strip(), f"finish() was not interrupted: {err}"
    caught = json.loads(out)
    latency = caught["at"] - sent
    print(f"finish() interrupted {latency * 1e3:.0f} ms after SIGINT")
    assert latency < 1.0, f"finish() took {latency:.2f} s to notice Ctrl-C"
    assert caught["closed"], "an interrupted finish() closes the server"
    assert child.returncode == 0


def test_rust_logs_into_a_pipe_have_no_colour_codes(no_viewer_env):
    """RUST_LOG shows the library's log lines on stderr; into a pipe or a
    log file they come without terminal escape codes."""
    code = "import plotcast; plotcast.Server(viewer=False).close()"
    env = dict(os.environ, RUST_LOG="plotcast=info")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    assert "serving viewers" in done.stderr, done.stderr
    assert "\x1b" not in done.stderr, repr(done.stderr)


def test_stats_are_plain_data(no_viewer_env):
    with plotcast.Server(viewer=False) as s:
        s.heatmap("h").publish(np.zeros((3, 4)))
        viewer = RawViewer(s.address)
        viewer.handshake()
        wait_until("the viewer", lambda: s.viewer_count() == 1)
        stats = s.stats()
        assert set(stats) == {"viewers", "channels", "ended", "relay"}
        assert stats["relay"] is None, "not publishing through NATS"
        assert stats["channels"] == [
            {"id": 0, "name": "h", "kind": "heatmap", "publishes": 1, "invalid": 0, "seq": 1}
        ]
        (v,) = stats["viewers"]
        assert v["peer_name"] == "raw-test-viewer" and v["addr"].startswith("127.0.0.1:")
        assert isinstance(v["connected_since"], float) and abs(v["connected_since"] - time.time()) < 60
        assert v["round_trip"] is None or isinstance(v["round_trip"], float)
        json.dumps(stats)  # plain data: serialisable as it is
        viewer.close()
        wait_until("the viewer to end", lambda: len(s.stats()["ended"]) == 1)
        assert s.stats()["ended"][0]["reason"]


def test_properties_and_repr(no_viewer_env):
    with plotcast.Server(title="props", viewer=False) as s:
        host, port = s.address.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) == s.port > 0
        assert s.token is None and isinstance(s.session_id, int)
        assert repr(s) == f"<plotcast.Server {s.address}>"
        assert repr(s.line("profile")) == '<plotcast.Line "profile">'
        assert s.line("profile").name == "profile"


def test_token_from_the_environment_on_loopback(no_viewer_env):
    no_viewer_env.setenv("PLOTCAST_TOKEN", "s3cret")
    with plotcast.Server(viewer=False) as s:
        assert s.token == "s3cret"


def test_help_reads_well():
    text = pydoc.render_doc(plotcast.Server, renderer=pydoc.plaintext)
    for words in [
        "live plot server",
        "heatmap(self, name, /, *, title=None",
        "colormap=None",
        "history_points=None",
        "finish(self, /, timeout=5.0)",
        "Ctrl-C",
        "PLOTCAST_VIEWER",
    ]:
        assert words in text, f"{words!r} missing from help(plotcast.Server)"
    line_help = pydoc.render_doc(plotcast.Line, renderer=pydoc.plaintext)
    assert "line.publish(x, train=y1, test=y2)" in line_help
    assert plotcast.__doc__ and "with plotcast.Server" in plotcast.__doc__


def test_no_signal_handler_is_installed(no_viewer_env):
    """The library leaves signal dispositions alone: Python's own SIGINT
    handler stays, and the process catches no new signal."""

    def caught():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16)
        pytest.skip("no SigCgt in /proc/self/status")

    before, handler = caught(), signal.getsignal(signal.SIGINT)
    with plotcast.Server(viewer=False) as s:
        s.line("l").publish([1.0, 2.0])
        assert caught() == before, f"caught signals changed: {before:#x} -> {caught():#x}"
        assert signal.getsignal(signal.SIGINT) is handler
