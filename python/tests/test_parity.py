"""What Rust publishes, Python publishes too: quiver, image, custom channels
(named arrays for a plot type of the viewer) and link_x, each drawn by a
real (headless) viewer."""

import numpy as np
import pytest

from conftest import render

RED = (255, 0, 0)
BLUE_PIXEL = (0, 0, 255)


def rows_of(png, colour, tolerance=12):
    """The row of every pixel near `colour`."""
    r, g, b = colour
    return [
        i // png.width
        for i, (pr, pg, pb) in enumerate(png.pixels)
        if abs(pr - r) <= tolerance and abs(pg - g) <= tolerance and abs(pb - b) <= tolerance
    ]


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_an_image_is_drawn_top_row_first(server, tmp_path, dtype):
    img = server.image("camera")
    rgb = np.zeros((40, 60, 3), dtype=np.float64)
    rgb[:20, :, 0] = 1.0  # the top half red
    rgb[20:, :, 2] = 1.0  # the bottom half blue
    img.publish((rgb * 255).astype(dtype) if dtype == np.uint8 else rgb.astype(dtype))
    stats = {c["name"]: c for c in server.stats()["channels"]}
    assert (stats["camera"]["publishes"], stats["camera"]["invalid"]) == (1, 0)
    png = render(server.address, tmp_path)
    red, blue = rows_of(png, RED), rows_of(png, BLUE_PIXEL)
    assert len(red) > 500 and len(blue) > 500, f"{len(red)} red and {len(blue)} blue pixels"
    assert np.mean(red) < np.mean(blue), "the image is upside down"


def test_an_image_of_another_shape_raises(server):
    img = server.image("camera")
    with pytest.raises(ValueError, match=r"\(ny, nx, 3\)"):
        img.publish(np.zeros((40, 60)))
    with pytest.raises(ValueError, match=r"\(ny, nx, 3\)"):
        img.publish(np.zeros((40, 60, 4), dtype=np.uint8))


def test_a_vector_field_and_a_custom_channel_are_drawn(server, tmp_path):
    ny, nx = 12, 16
    y, x = np.mgrid[0:ny, 0:nx]
    u, v = -(y - ny / 2.0), (x - nx / 2.0)
    field = server.quiver("flow", cell=(0, 0))
    field.publish(u, v)
    # The same field through the generic form, for the built-in plot type.
    custom = server.custom("flow again", "quiver", cell=(0, 1))
    assert custom.plot_type == "quiver"
    custom.publish({"u": u.astype(np.float32), "v": v}, grid=(nx, ny))
    stats = {c["name"]: c for c in server.stats()["channels"]}
    for name in ("flow", "flow again"):
        assert (stats[name]["publishes"], stats[name]["invalid"]) == (1, 0), stats[name]
    png = render(server.address, tmp_path, size="640x320")
    # Arrows coloured by magnitude: many colours besides the axes' greys.
    assert png.distinct_colours() > 40, f"{png.distinct_colours()} colours"
    with pytest.raises(ValueError, match="one shape"):
        field.publish(u, v[:, :-1])
    with pytest.raises(ValueError, match="plot type"):
        server.custom("bad", "no spaces allowed")


def test_link_x_groups_plots_and_is_refused_where_it_means_nothing(server):
    server.line("loss", link_x="epoch")
    server.series("lr", link_x="epoch")
    server.scatter("points", link_x="epoch")
    server.bars("hist", link_x="epoch")
    with pytest.raises(TypeError, match="unknown option link_x"):
        server.heatmap("field", link_x="epoch")
    with pytest.raises(TypeError, match="a str"):
        server.line("other", link_x=3)
