"""The type stubs match the native module (mypy's stubtest) and type-check
typical code under mypy --strict. Skipped when mypy is not installed
(scripts/test-all.sh installs it)."""

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mypy")

USAGE = textwrap.dedent(
    """
    import numpy as np
    import plotcast

    with plotcast.Server(title="t", viewer=False, bind="127.0.0.1:0") as s:
        h = s.heatmap("t", colormap="magma", y_range=(0.0, 1.0), cell=(0, 1))
        h.publish(np.zeros((2, 2), dtype=np.float32), range=(0.0, 1.0))
        line = s.line("l", x_label="x", log_y=True)
        line.publish(np.arange(3), a=[1, 2, 3], b=(np.arange(3), np.ones(3)))
        line.publish({"a": np.ones(3)})
        s.scatter("p").publish([1.0], [2.0])
        s.bars("b").publish(*np.histogram(np.zeros(3)))
        series = s.series("s", history_points=10)
        series.push(1.0, loss=2.0)
        series.extend(np.arange(3), acc=np.ones(3))
        publishes: int = s.stats()["channels"][0]["publishes"]
        rtt = s.stats()["viewers"][0]["round_trip"] if s.viewer_count() else None
        launched: str = s.viewer_launch["state"]
        synced: bool = s.finish(1.0)
    """
)


def run(cwd, *args):
    """mypy in `cwd`, where it leaves its cache (not in the source tree)."""
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_stubs_match_the_native_module(tmp_path):
    done = run(tmp_path, "mypy.stubtest", "plotcast")
    assert done.returncode == 0, done.stdout + done.stderr


def test_typical_code_type_checks(tmp_path):
    source = tmp_path / "usage.py"
    source.write_text(USAGE)
    done = run(tmp_path, "mypy", "--strict", str(source))
    assert done.returncode == 0, done.stdout + done.stderr
    # And a mistake is caught.
    source.write_text(USAGE + "\ns.line(3)\n")
    done = run(tmp_path, "mypy", "--strict", str(source))
    assert done.returncode != 0 and "arg-type" in done.stdout, done.stdout
