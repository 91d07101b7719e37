"""Every channel kind published from Python reaches a real (headless) viewer
and shows in its PNG."""

import array

import numpy as np
import pytest

from conftest import BLUE, GREEN, ORANGE, VIRIDIS_HIGH, VIRIDIS_LOW, render


def ramp_grid(dtype=np.float64, ny=40, nx=60):
    """Low on the left, high on the right."""
    return np.tile(np.linspace(0.0, 1.0, nx, dtype=dtype), (ny, 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_heatmap_shows_both_ends_of_the_colormap(server, tmp_path, dtype):
    h = server.heatmap("grid", colormap="viridis")
    grid = ramp_grid(np.float64) * 100
    h.publish(grid.astype(dtype))
    png = render(server.address, tmp_path)
    low, high = png.count_near(VIRIDIS_LOW), png.count_near(VIRIDIS_HIGH)
    assert low > 500 and high > 500, f"viridis ends: {low} and {high} pixels"


def test_heatmap_layouts_render_identically(server, tmp_path):
    """A Fortran-ordered or strided array is copied in logical order: the
    picture equals the one of the C-ordered array."""
    h = server.heatmap("grid")
    rng = np.random.default_rng(7)
    grid = rng.random((30, 50))
    h.publish(grid)
    c_order = render(server.address, tmp_path / "c", size="400x300")
    h.publish(np.asfortranarray(grid))
    f_order = render(server.address, tmp_path / "f", size="400x300")
    wide = np.zeros((30, 100))
    wide[:, ::2] = grid
    h.publish(wide[:, ::2])
    strided = render(server.address, tmp_path / "s", size="400x300")
    # The status line at the bottom differs (frame counts, address): compare above it.
    body = 400 * 260
    assert c_order.pixels[:body] == f_order.pixels[:body], "Fortran order drew a different picture"
    assert c_order.pixels[:body] == strided.pixels[:body], "a strided view drew a different picture"


def test_line_traces_from_arrays_lists_and_buffers(server, tmp_path):
    line = server.line("waves", x_label="x", y_label="y")
    x = np.linspace(0, 10, 500)
    line.publish(
        x,
        sin=np.sin(x),  # float64 in place
        cos=list(np.cos(x)),  # a list
        ramp=memoryview(array.array("d", x / 10.0)),  # the buffer protocol
    )
    png = render(server.address, tmp_path)
    for name, colour in [("sin", BLUE), ("cos", ORANGE), ("ramp", GREEN)]:
        assert png.count_near(colour) > 100, f"trace {name} is not drawn"


def test_line_float32_single_trace(server, tmp_path):
    line = server.line("f32")
    line.publish(np.sin(np.linspace(0, 6, 300)).astype(np.float32))
    png = render(server.address, tmp_path)
    assert png.count_near(BLUE) > 100


def test_scatter_points(server, tmp_path):
    sc = server.scatter("cloud")
    rng = np.random.default_rng(3)
    sc.publish(a=(rng.normal(size=400), rng.normal(size=400)), b=(rng.normal(3, size=400), rng.normal(size=400)))
    png = render(server.address, tmp_path)
    assert png.count_near(BLUE) > 100 and png.count_near(ORANGE) > 100


def test_histogram_from_numpy(server, tmp_path):
    bars = server.bars("weights")
    counts, edges = np.histogram(np.random.default_rng(5).normal(size=10_000), bins=30)
    bars.publish(counts, edges)
    png = render(server.address, tmp_path)
    # Filled bars: a large area in the first colour (drawn slightly translucent).
    assert png.count_near(BLUE, tolerance=40) > 3000


def test_series_named_and_extended(server, tmp_path):
    metrics = server.series("metrics", x_label="step")
    for step in range(200):
        metrics.push(step, loss=1.0 / (1 + step), acc=np.float32(step / 200))
    energy = server.series("energy")
    energy.extend(np.arange(100), np.sqrt(np.arange(100)))
    png = render(server.address, tmp_path, size="640x360")
    assert png.count_near(BLUE) > 100 and png.count_near(ORANGE) > 100
    stats = {c["name"]: c for c in server.stats()["channels"]}
    assert stats["metrics"]["seq"] == 400 and stats["energy"]["seq"] == 100
    assert all(c["invalid"] == 0 for c in stats.values())
