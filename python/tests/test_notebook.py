"""plotcast.show in a real Jupyter kernel: notebooks built here with nbformat
and executed by nbclient, standing in for the front end. The live output must
change while a cell is busy (the computation runs in a thread of the kernel
and a cell waits for it, or the computation runs in the cell itself), which
only works because the view pushes its pictures from a thread of its own.

A test whose packages are not installed (nbclient, nbformat and ipykernel;
ipywidgets for the widget tests, IPython, mypy) says it skipped, except with
CI set, where that fails (scripts/test-all.sh installs them)."""

import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap

import pytest

import plotcast
from conftest import TIMEOUT, wait_until


def _need(module):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed (CI must test notebooks: pip install nbclient nbformat ipykernel ipywidgets)")
        pytest.skip(f"{module} is not installed (pip install nbclient nbformat ipykernel ipywidgets): notebook tests skipped")


# Seconds the computation runs: long enough for tens of pictures at 20 per
# second even on a slow, shared machine; short enough for a quick test.
COMPUTE_SECS = 5.0

SETUP = """\
import threading, time
import numpy as np
import plotcast

server = plotcast.Server(title="notebook", viewer=False)
wave = server.heatmap("wave", colormap="viridis")

def compute(seconds):
    x = np.linspace(0, 2 * np.pi, 96)
    start, step = time.monotonic(), 0
    with server:  # closing it ends the computation for the view
        while time.monotonic() - start < seconds:
            wave.publish(np.sin(x[None, :] + step / 10) * np.cos(x[:, None] - step / 17))
            step += 1
            time.sleep(0.01)  # the rest of a step's work
    return step
"""

IN_A_THREAD = [
    SETUP
    + f"""
computation = threading.Thread(target=compute, args=({COMPUTE_SECS},), name="computation", daemon=True)
computation.start()
""",
    "view = plotcast.show(server, size=(480, 300))",
    # The busy cell: it only waits, so nothing but the view's own thread can
    # change the output meanwhile.
    f"""
computation.join(timeout={TIMEOUT})
assert not computation.is_alive(), "the computation did not finish within {TIMEOUT} s"
assert view.wait(timeout={TIMEOUT}), "the live view did not stop within {TIMEOUT} s of the computation's end"
assert view.error is None, repr(view.error)
print("pictures", view.updates)
""",
]

IN_THE_CELL = [
    SETUP,
    # show, then compute in the same cell: the cell is busy throughout.
    f"""
view = plotcast.show(server, size=(480, 300))
compute({COMPUTE_SECS})
assert view.wait(timeout={TIMEOUT}), "the live view did not stop within {TIMEOUT} s of the computation's end"
assert view.error is None, repr(view.error)
print("pictures", view.updates)
""",
]

# Makes `import ipywidgets` fail in the kernel: show() falls back to display ids.
NO_WIDGETS = "import sys\nsys.modules['ipywidgets'] = None\n"


class Recorder:
    """What the front end saw of the live picture: each new PNG, with the
    index of the cell that was running when it arrived."""

    def __init__(self):
        self.pictures = []  # (cell index, sha256 of the PNG, PNG)
        self.image_comms = set()
        self.image_displays = set()

    def see(self, msg, cell_index):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open":
            state = content["data"].get("state", {})
            if state.get("_model_name") == "ImageModel":
                self.image_comms.add(content["comm_id"])
        elif kind == "comm_msg" and content["comm_id"] in self.image_comms:
            data = content["data"]
            paths = data.get("buffer_paths", [])
            if data.get("method") == "update" and ["value"] in paths:
                self.add(cell_index, bytes(msg["buffers"][paths.index(["value"])]))
        elif kind in ("display_data", "update_display_data"):
            display_id = (content.get("transient") or {}).get("display_id")
            png = content["data"].get("image/png")
            if display_id and png:
                if kind == "display_data":
                    self.image_displays.add(display_id)
                elif display_id in self.image_displays:
                    self.add(cell_index, base64.b64decode(png))

    def add(self, cell_index, png):
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "the live output was given something other than a PNG"
        self.pictures.append((cell_index, hashlib.sha256(png).hexdigest(), png))

    def during(self, cell_index):
        return [p for p in self.pictures if p[0] == cell_index]


def execute(tmp_path, cells):
    """Runs a notebook of `cells` in a kernel of this Python; returns the
    executed notebook and what the front end saw."""
    _need("ipykernel")
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    # A kernel spec of our own: the kernel runs this very Python (and so
    # imports the plotcast under test), whatever other kernels are installed.
    spec = tmp_path / "kernels" / "plotcast-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "plotcast test",
                "language": "python",
            }
        )
    )
    km = KernelManager(
        kernel_name="plotcast-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    recorder = Recorder()

    class Client(nbclient.NotebookClient):
        def process_message(self, msg, cell, cell_index):
            recorder.see(msg, cell_index)
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells])
    client = Client(nb, km=km, timeout=int(TIMEOUT * 3), startup_timeout=int(TIMEOUT), iopub_timeout=10)
    try:
        client.execute(cleanup_kc=True)
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"a notebook cell failed:\n{err}")
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    return nb, recorder


def printed(nb, cell_index):
    return "".join(o.get("text", "") for o in nb.cells[cell_index].outputs if o.output_type == "stream")


def check_live(nb, recorder, busy_cell):
    seen = recorder.during(busy_cell)
    assert seen, f"the live output did not change while the computation ran (pictures by cell: {recorder.pictures})"
    width, height = struct.unpack(">II", seen[-1][2][16:24])
    assert (width, height) == (480, 300), f"the pictures are {width}x{height}, show() asked for 480x300"
    distinct = {sha for _, sha, _ in seen}
    pushed = int(printed(nb, busy_cell).split("pictures")[-1])
    summary = f"{len(seen)} pictures ({len(distinct)} distinct) during the busy cell, {pushed} pushed in all"
    assert len(seen) >= 10, f"the live output did not change at least 10 times while the computation ran: {summary}"
    assert len(distinct) >= 10, f"the live output's pictures did not differ: {summary}"
    assert len(recorder.pictures) <= pushed, f"the front end saw more pictures than the view pushed: {summary}"
    # 20 pictures a second at most (the default fps), plus slack for timing.
    assert len(seen) <= 20 * (COMPUTE_SECS + 2), f"the view was not paced to its fps: {summary}"


def test_widget_changes_while_a_cell_waits_for_the_computation(tmp_path, no_viewer_env):
    _need("ipywidgets")
    nb, recorder = execute(tmp_path, IN_A_THREAD)
    assert recorder.image_comms, "show() displayed no ipywidgets Image"
    check_live(nb, recorder, busy_cell=2)


def test_widget_changes_while_the_cell_itself_computes(tmp_path, no_viewer_env):
    _need("ipywidgets")
    nb, recorder = execute(tmp_path, IN_THE_CELL)
    assert recorder.image_comms, "show() displayed no ipywidgets Image"
    check_live(nb, recorder, busy_cell=1)


def test_without_ipywidgets_display_updates_change_the_output(tmp_path, no_viewer_env):
    nb, recorder = execute(tmp_path, [NO_WIDGETS + IN_A_THREAD[0], *IN_A_THREAD[1:]])
    assert not recorder.image_comms, "show() used ipywidgets although they could not be imported"
    check_live(nb, recorder, busy_cell=2)
    # The saved notebook holds the final picture where show() displayed it.
    shown = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    assert len(shown) == 1, f"show() displayed {len(shown)} pictures, expected one: {nb.cells[1].outputs}"
    assert base64.b64decode(shown[0].data["image/png"]) == recorder.pictures[-1][2], "the output is not the last picture"


def test_stop_ends_the_view_while_the_computation_goes_on(server):
    """Outside a kernel (IPython prints the widget's repr): stop() takes
    effect within its timeout, and no picture follows."""
    _need("IPython")
    wave = server.heatmap("wave")
    view = plotcast.show(server, size=(160, 100), fps=50)
    step = 0

    def publish_one():
        nonlocal step
        step += 1
        wave.publish([[step, 0.0], [0.0, -step]])
        return view.updates >= 3

    wait_until("three pictures from the view", publish_one, details=lambda: repr(view))
    view.stop(timeout=TIMEOUT)
    assert not view.running and view.error is None, repr(view.error)
    pictures = view.updates
    for _ in range(20):
        publish_one()
    assert view.updates == pictures, "the view pushed pictures after stop()"


def test_an_unreachable_computation_ends_the_view_with_a_message(no_viewer_env):
    _need("IPython")
    with plotcast.Server(viewer=False) as gone:
        address = gone.address
    view = plotcast.show(address)
    assert view.wait(TIMEOUT), f"the view of a closed address did not stop within {TIMEOUT} s"
    assert view.updates == 0 and view.error is None, repr(view)


def test_bad_arguments_are_refused_with_clear_errors(server):
    _need("IPython")
    with pytest.raises(TypeError, match="plotcast.Server or an address string"):
        plotcast.show(4567)
    with pytest.raises(ValueError, match=r"size must be \(width, height\)"):
        plotcast.show(server, size=640)
    with pytest.raises(ValueError, match="size must be positive"):
        plotcast.show(server, size=(0, 400))
    with pytest.raises(ValueError, match="fps must be positive"):
        plotcast.show(server, fps=0)


def test_importing_plotcast_imports_no_notebook_package():
    code = "import sys, plotcast; print(sorted(m for m in ('IPython', 'ipywidgets', 'plotcast.notebook') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"import plotcast imported {done.stdout.strip()}"


def test_show_type_checks(tmp_path):
    """plotcast.show and its LiveView under mypy --strict (run in tmp_path,
    where mypy leaves its cache)."""
    _need("mypy")
    source = tmp_path / "usage.py"
    source.write_text(
        textwrap.dedent(
            """
            import plotcast

            with plotcast.Server(viewer=False) as s:
                view = plotcast.show(s, size=(640, 400), fps=10.0)
                also = plotcast.show("127.0.0.1:4567", token="secret")
                pictures: int = view.updates
                stopped: bool = view.wait(timeout=1.0)
                view.stop()
            """
        )
    )
    run = [sys.executable, "-m", "mypy", "--strict", str(source)]
    done = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    source.write_text(source.read_text() + "\nplotcast.show(s, size=640)\n")
    done = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "arg-type" in done.stdout, done.stdout
