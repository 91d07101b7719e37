"""Publishing through NATS from Python: a real nats-server started by the
test on a free loopback port, a Server(nats=, run=, process=) that dials out
and listens nowhere, its relay figures in stats(), and a viewer reading
nats://HOST:PORT/RUN that draws what it published."""

import os
import socket
import subprocess
import time

import numpy as np
import pytest

import plotcast
from conftest import BLUE, TIMEOUT, render, wait_until

NATS_SERVER = os.environ.get("PLOTCAST_NATS_SERVER", "/opt/nats-server/bin/nats-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def nats_url(tmp_path):
    if not os.access(NATS_SERVER, os.X_OK):
        # CI installs it (.ci/run): there, its absence is a failure.
        if os.environ.get("CI"):
            pytest.fail(f"no nats-server at {NATS_SERVER}")
        pytest.skip(f"no nats-server at {NATS_SERVER} (set PLOTCAST_NATS_SERVER)")
    port = free_port()
    proc = subprocess.Popen(
        [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp_path / "store")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until("nats-server to listen", lambda: answers(port) or proc.poll() is not None)
        assert proc.poll() is None, f"nats-server exited: {proc.stderr.read().decode()}"
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_run_published_through_nats_is_drawn_from_the_relay(nats_url, no_viewer_env, tmp_path):
    with plotcast.Server(title="py relay", viewer=False, nats=nats_url, run="py-run", process="rank0") as s:
        line = s.line("wave")
        line.publish(np.sin(np.linspace(0, 6, 300)))

        def relay():
            return s.stats()["relay"]

        # hello, layout and the line's value stored in the bucket.
        wait_until("the relay to put the value", lambda: relay()["puts"] >= 3, details=relay)
        r = relay()
        assert (r["run"], r["process"], r["connected"]) == ("py-run", "rank0", True), r
        assert r["failed"] == 0 and r["last_error"] is None, r
        png = render(f"{nats_url}/py-run", tmp_path, size="640x480")
        assert png.count_near(BLUE) > 100, "the line is not drawn"


def test_nats_down_never_blocks_publishing(no_viewer_env):
    # Nothing listens on this port: the relay keeps trying, publishing
    # goes on at memory speed and the stats say why nothing is put.
    url = f"nats://127.0.0.1:{free_port()}"
    with plotcast.Server(title="py relay down", viewer=False, nats=url, run="down") as s:
        line = s.line("wave")
        y = np.zeros(1000)
        started = time.monotonic()
        for i in range(2000):
            y[0] = i
            line.publish(y)
        took = time.monotonic() - started
        assert took < TIMEOUT / 2, f"2000 publishes took {took:.1f} s with NATS down"
        r = s.stats()["relay"]
        assert not r["connected"] and r["puts"] == 0, r


def test_a_client_reads_a_relayed_run(nats_url, no_viewer_env):
    """plotcast.Client takes the viewer's nats://HOST:PORT/RUN form: the
    processes of the run merged as the window shows them (a trace per
    process), values exact."""
    y = np.sin(np.linspace(0, 6, 300))
    with plotcast.Server(title="py relay client", viewer=False, nats=nats_url, run="cl-run", process="rank0") as s:
        s.line("wave").publish(y)
        with plotcast.Client(f"{nats_url}/cl-run", reconnect=False) as client:
            deadline = time.monotonic() + TIMEOUT
            update = None
            while update is None or "wave" not in update:
                assert time.monotonic() < deadline, f"no data through NATS: {update!r}"
                client.wait_for_update(timeout=0.5)
                update = client.latest()
    traces = update["wave"]["traces"]
    assert len(traces) == 1, traces.keys()
    (got,) = traces.values()
    assert np.asarray(got["y"]).tobytes() == y.tobytes()
