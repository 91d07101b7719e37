"""Wrong shapes, dtypes, options and settings raise ValueError or TypeError
with a message that says what was expected; nothing wrong is published."""

import socket

import numpy as np
import pytest

import plotcast


def invalid_and_publishes(server):
    return {c["name"]: (c["publishes"], c["invalid"]) for c in server.stats()["channels"]}


@pytest.mark.parametrize(
    "values, error, words",
    [
        (np.zeros(10), ValueError, ["2-D array of shape (ny, nx)", "1-D array of shape (10,)"]),
        (np.zeros((2, 3, 4)), ValueError, ["2-D", "3-D array of shape (2, 3, 4)"]),
        (np.zeros((0, 4)), ValueError, ["empty"]),
        (np.zeros((3, 3), dtype=complex), TypeError, ["real numbers", "complex128"]),
        (np.array([["a", "b"]]), TypeError, ["real numbers", "<U1"]),
        (np.array([[None, 1]], dtype=object), TypeError, ["dtype object"]),
        ("text", TypeError, ["array of numbers", "str"]),
        (None, TypeError, ["array of numbers", "NoneType"]),
        ([[1.0, 2.0], [3.0]], ValueError, ["inhomogeneous"]),
    ],
)
def test_heatmap_rejects(server, values, error, words):
    h = server.heatmap("temperature")
    with pytest.raises(error) as info:
        h.publish(values)
    message = str(info.value)
    assert 'heatmap "temperature"' in message
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    assert invalid_and_publishes(server)["temperature"] == (0, 0)


def test_heatmap_range_must_be_ordered(server):
    h = server.heatmap("t")
    with pytest.raises(ValueError, match="finite lo < hi"):
        h.publish(np.zeros((2, 2)), range=(1.0, 0.0))
    h.publish(np.zeros((2, 2)), range=(0.0, 1.0))
    h.publish(np.zeros((2, 2), dtype=np.float32), range=(0.0, 1.0))
    assert invalid_and_publishes(server)["t"] == (2, 0)


def test_line_scatter_bars_shapes(server):
    line, sc, bars = server.line("l"), server.scatter("s"), server.bars("b")
    with pytest.raises(ValueError, match=r"x has 3 values but y has 2"):
        line.publish([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=r'trace "b": x has 3 values but y has 2'):
        line.publish([1, 2, 3], a=[1, 2, 3], b=[1, 2])
    with pytest.raises(ValueError, match=r"expected a 1-D array, got a 2-D array of shape \(3, 4\)"):
        line.publish(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="scalar"):
        line.publish(np.float64(1.0))
    with pytest.raises(TypeError, match=r"publish\(\) takes publish\(y\)"):
        line.publish()
    with pytest.raises(TypeError, match="publish"):
        line.publish([1], [2], [3])
    with pytest.raises(TypeError, match="trace names must be str"):
        line.publish({1: [1, 2]})
    with pytest.raises(TypeError, match=r"a tuple trace must be \(x, y\)"):
        line.publish(a=([1], [2], [3]))
    with pytest.raises(ValueError, match="needs x values"):
        sc.publish([1, 2, 3])
    with pytest.raises(ValueError, match="needs x values"):
        sc.publish(a=[1, 2, 3])
    with pytest.raises(ValueError, match=r"5 edges for 3 heights: give n \+ 1 bin edges"):
        bars.publish([1, 2, 3], [0, 1, 2, 3, 4])
    with pytest.raises(TypeError, match="publish"):
        bars.publish([0, 1, 2], a=[1, 2])
    # Edges (n + 1) and centres (n) are both fine.
    bars.publish([1, 2, 3], [0, 1, 2, 3])
    bars.publish([1, 2, 3], [0.5, 1.5, 2.5])
    assert invalid_and_publishes(server) == {"l": (0, 0), "s": (0, 0), "b": (2, 0)}


def test_series_arguments(server):
    se = server.series("s")
    with pytest.raises(TypeError, match=r"push\(\) takes push\(t, y\)"):
        se.push(1.0)
    with pytest.raises(TypeError, match="y expects a number, got str"):
        se.push(1.0, "x")
    with pytest.raises(TypeError, match="loss expects a number, got list"):
        se.push(1.0, loss=[1, 2])
    with pytest.raises(ValueError, match="t has 3 values but acc has 2"):
        se.extend([1, 2, 3], acc=[1, 2])
    with pytest.raises(TypeError, match="complex"):
        se.extend([1, 2], np.array([1j, 2j]))
    assert invalid_and_publishes(server)["s"] == (0, 0)


def test_channel_options(server):
    with pytest.raises(TypeError, match=r"unknown option colour=; the options are title, x_label"):
        server.line("a", colour="red")
    with pytest.raises(TypeError, match="unknown option colormap="):
        server.line("a", colormap="magma")  # heatmaps only
    with pytest.raises(TypeError, match="unknown option history_points="):
        server.line("a", history_points=10)  # series only
    with pytest.raises(TypeError, match=r"x_label= expects a str, got int"):
        server.line("a", x_label=3)
    with pytest.raises(ValueError, match=r"finite min < max, got \(2, 1\)"):
        server.line("a", y_range=(2, 1))
    with pytest.raises(ValueError, match="cell= expects"):
        server.line("a", cell=(1, 2, 3))
    with pytest.raises(ValueError, match="history_points must be at least 1"):
        server.series("a", history_points=0)
    server.heatmap("h", colormap="magma_r", y_range=(0, 1), cell=(0, 1), title="T", log_x=False)
    server.heatmap("h2", colormap="RdBu")
    server.series("s", history_points=10, cell=(1, 0, 1, 2), log_y=True, x_label=None)


def test_an_unknown_colormap_raises_with_the_names(server):
    # Drawn as viridis without a word before; every name-taking option
    # refuses what no viewer knows, and says what it knows.
    with pytest.raises(ValueError) as caught:
        server.heatmap("h", colormap="virdis")
    message = str(caught.value)
    assert message.startswith('heatmap "h": unknown colormap "virdis" (did you mean viridis?)'), message
    for name in ["viridis", "magma", "inferno", "plasma", "coolwarm", "RdBu", "gray", "_r"]:
        assert name in message, message
    assert [c["name"] for c in server.stats()["channels"]] == [], "no channel made"


def test_server_settings():
    with pytest.raises(ValueError, match="invalid bind address"):
        plotcast.Server(bind="not an address", viewer=False, use_env=False)
    with pytest.raises(ValueError, match="heartbeat_timeout"):
        plotcast.Server(viewer=False, use_env=False, heartbeat_interval=5, heartbeat_timeout=1)
    with pytest.raises(ValueError, match="positive number of seconds"):
        plotcast.Server(viewer=False, use_env=False, handshake_timeout=-1)
    with pytest.raises(TypeError, match="viewer= expects True, False or the path"):
        plotcast.Server(viewer=3, use_env=False)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
        plotcast.Server(bind=f"127.0.0.1:{port}", viewer=False, use_env=False)
    busy.close()


def test_closed_server(no_viewer_env):
    s = plotcast.Server(viewer=False)
    line = s.line("l")
    s.close()
    s.close()  # twice is fine
    assert s.closed and "closed" in repr(s)
    with pytest.raises(RuntimeError, match="the plotcast server is closed"):
        s.line("m")
    with pytest.raises(RuntimeError, match="the plotcast server is closed"):
        s.stats()
    # Publishing after close raises the same error (it did nothing, silently).
    with pytest.raises(RuntimeError, match="the plotcast server is closed"):
        line.publish([1.0, 2.0])
    assert line.name == "l" and repr(line) == '<plotcast.Line "l">', "what it is still reads"
    assert s.finish(1.0) is False


def test_every_channel_method_raises_once_the_server_closed(no_viewer_env):
    with plotcast.Server(viewer=False) as s:
        h, li, sc, b, se = s.heatmap("h"), s.line("l"), s.scatter("s"), s.bars("b"), s.series("e")
        h.publish(np.zeros((2, 2)))  # open: fine
    calls = [
        lambda: h.publish(np.zeros((2, 2))),
        lambda: h.publish(np.zeros((2, 2)), range=(0.0, 1.0)),
        lambda: li.publish([1.0, 2.0]),
        lambda: li.publish(a=[1.0]),
        lambda: sc.publish([1.0], [2.0]),
        lambda: b.publish([1.0, 2.0]),
        lambda: se.push(0.0, 1.0),
        lambda: se.push(0.0, loss=1.0),
        lambda: se.extend([0.0], [1.0]),
    ]
    for call in calls:
        with pytest.raises(RuntimeError, match="the plotcast server is closed"):
            call()
