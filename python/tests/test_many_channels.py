"""Tens of thousands of channels: a layout of 20 000 line() channels reaches
a headless viewer, which draws it (it used to refuse such a layout and
reconnect forever), and a channel that would make the layout larger than
a viewer accepts is refused when it is created, with a ValueError."""

import numpy as np
import pytest

from conftest import BLUE, render


def test_20000_line_channels_are_drawn(server, tmp_path):
    lines = [server.line(f"channel {i}", x_label="step", y_label="loss") for i in range(20_000)]
    assert len(server.stats()["channels"]) == 20_000
    lines[0].publish(np.sin(np.linspace(0, 6, 300)))
    lines[-1].publish(np.cos(np.linspace(0, 6, 300)))
    # The first page shows channel 0 and its trace.
    png = render(server.address, tmp_path, size="640x480")
    assert png.count_near(BLUE) > 100, "channel 0's trace is not drawn"


def test_a_channel_beyond_the_layout_limit_raises_at_creation(server, tmp_path):
    label = "y" * 1000
    created = 0
    with pytest.raises(ValueError) as info:
        while created < 100_000:
            server.line(f"c{created}", y_label=label)
            created += 1
    message = str(info.value)
    assert f'cannot add channel "c{created}"' in message, message
    assert "more than the 1048576 a viewer accepts" in message, message
    assert 1000 < created < 1100, f"{created} channels of 1 kB labels fit in 1 MiB"
    # Every kind is refused the same way, and nothing was added.
    for make in (server.heatmap, server.scatter, server.bars, server.series):
        with pytest.raises(ValueError, match="a viewer accepts"):
            make("one more", y_label=label)
    assert len(server.stats()["channels"]) == created
    # What was added reaches a viewer.
    server.line("c0").publish(np.sin(np.linspace(0, 6, 300)))
    png = render(server.address, tmp_path, size="640x480")
    assert png.count_near(BLUE) > 100, "channel 0's trace is not drawn"
