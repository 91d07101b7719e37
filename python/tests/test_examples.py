"""The Python examples run a bounded number of steps with a headless viewer
launched by the server, and their last frame shows plots."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BLUE, ORANGE, TIMEOUT, Png

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def run_example(name, steps, tmp_path, size):
    out = tmp_path / "last.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLOTCAST_")}
    env.update(
        PLOTCAST_STEPS=str(steps),
        PLOTCAST_VIEWER_ARGS=f"--headless --out {out} --timeout {int(TIMEOUT)} --size {size}",
    )
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 2,
    )
    assert done.returncode == 0, done.stderr
    assert "serving on 127.0.0.1:" in done.stdout
    # The example's with-block waited (finish) until the viewer had the final values.
    assert out.is_file(), f"no frame from the viewer: {done.stderr}"
    return Png(out)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/ is not beside the package")
def test_heat(tmp_path):
    png = run_example("heat.py", 400, tmp_path, "800x500")
    # Heatmap (inferno), profile and energy lines: many colours, blue lines.
    assert png.distinct_colours() > 50
    assert png.count_near(BLUE) > 100


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/ is not beside the package")
def test_training(tmp_path):
    png = run_example("training.py", 40, tmp_path, "1200x700")
    assert png.distinct_colours() > 50
    # train (blue) and test (orange) series, histogram bars, scatter classes.
    assert png.count_near(BLUE) > 500 and png.count_near(ORANGE) > 500
