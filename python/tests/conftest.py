"""Shared helpers of the plotcast Python tests: the installed viewer, a headless
render of a server's channels, a PNG reader, Xvfb, process states."""

import ctypes
import os
import select
import shutil
import struct
import subprocess
import sys
import sysconfig
import time
import zlib
from pathlib import Path

import pytest

import plotcast

# Every wait in these tests is bounded by this (seconds); machines are slow
# and shared, so bounds are loose.
TIMEOUT = 60.0

# The viewer's colour cycle (client/src/render/plots.rs) and viridis ends.
BLUE = (0x1F, 0x77, 0xB4)
ORANGE = (0xFF, 0x7F, 0x0E)
GREEN = (0x2C, 0xA0, 0x2C)
VIRIDIS_LOW = (68, 1, 84)
VIRIDIS_HIGH = (253, 231, 37)


def viewer_binary():
    """The plotcast-viewer that `pip install ./python/viewer` put beside this
    Python (the one plotcast.Server launches)."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(folder, "plotcast-viewer")
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("plotcast-viewer")
    if found:
        return found
    pytest.fail("plotcast-viewer is not installed: pip install ./python/viewer")


def wait_until(what, cond, timeout=TIMEOUT, every=0.01, details=None):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            more = f"\n{details()}" if details else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}{more}")
        time.sleep(every)


class Png:
    """An 8-bit RGB or RGBA PNG, decoded with zlib alone."""

    def __init__(self, path):
        data = Path(path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        pos, idat = 8, b""
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind = data[pos + 4 : pos + 8]
            chunk = data[pos + 8 : pos + 8 + length]
            if kind == b"IHDR":
                self.width, self.height, depth, colour = struct.unpack(">IIBB", chunk[:10])
                assert depth == 8 and colour in (2, 6), f"unsupported PNG: depth {depth}, colour type {colour}"
                channels = 3 if colour == 2 else 4
            elif kind == b"IDAT":
                idat += chunk
            pos += 12 + length
        raw = zlib.decompress(idat)
        stride = self.width * channels
        rows, prev = [], bytearray(stride)
        for y in range(self.height):
            start = y * (stride + 1)
            f, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                if f == 1:
                    line[i] = (line[i] + a) & 0xFF
                elif f == 2:
                    line[i] = (line[i] + b) & 0xFF
                elif f == 3:
                    line[i] = (line[i] + (a + b) // 2) & 0xFF
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    line[i] = (line[i] + pred) & 0xFF
            rows.append(bytes(line))
            prev = line
        self.pixels = [
            tuple(row[x * channels : x * channels + 3]) for row in rows for x in range(self.width)
        ]

    def count_near(self, colour, tolerance=12):
        r, g, b = colour
        return sum(
            1
            for (pr, pg, pb) in self.pixels
            if abs(pr - r) <= tolerance and abs(pg - g) <= tolerance and abs(pb - b) <= tolerance
        )

    def distinct_colours(self):
        return len(set(self.pixels))


def render(address, out_dir, size="480x360", extra=()):
    """Runs the installed viewer headless against `address` until it has
    written one frame; returns that PNG."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    out = Path(out_dir) / "frame.png"
    cmd = [
        viewer_binary(),
        address,
        "--headless",
        "--out",
        str(out),
        "--frames",
        "1",
        "--timeout",
        str(int(TIMEOUT)),
        "--no-reconnect",
        "--size",
        size,
        *extra,
    ]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT + 10)
    assert done.returncode == 0, f"viewer exited with {done.returncode}: {done.stderr}"
    assert out.is_file(), f"the viewer wrote no PNG: {done.stderr}"
    return Png(out)


def process_state(pid):
    """The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or None when
    the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


def become_subreaper():
    """Orphans of our children (the viewer a computation launched) become our
    children, so the test can reap them instead of leaving them to init."""
    PR_SET_CHILD_SUBREAPER = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip("prctl(PR_SET_CHILD_SUBREAPER) is not available")


class Xvfb:
    """A private X server on a display it picks itself (-displayfd)."""

    def __init__(self, width=1280, height=800):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        # Xvfb writes its display number once it accepts connections.
        ready, _, _ = select.select([read_fd], [], [], 20)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        # Kept open until stop(): Xvfb may write to it again, and a closed
        # pipe would kill it with SIGPIPE.
        self.fd = read_fd
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def stop(self):
        os.close(self.fd)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None:
        pytest.skip("no Xvfb (apt-get install xvfb x11-apps): real-window test skipped")
    x = Xvfb()
    yield x
    x.stop()


@pytest.fixture
def no_viewer_env(monkeypatch):
    """A clean environment: no PLOTCAST_* variable from the caller."""
    for name in list(os.environ):
        if name.startswith("PLOTCAST_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def server(no_viewer_env, request):
    """A server with no viewer launched, titled after the test module,
    closed after the test."""
    s = plotcast.Server(title=request.module.__name__, viewer=False)
    yield s
    s.close()
