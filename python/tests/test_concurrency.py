"""Several Python threads publishing at once, and a viewer that never reads."""

import statistics
import threading
import time

import numpy as np

from conftest import BLUE, render, wait_until
from rawviewer import RawViewer


def test_threads_publish_to_own_and_shared_channels(server, tmp_path):
    threads, rounds = 4, 300
    shared = server.series("shared")
    errors = []
    start = threading.Barrier(threads)

    def work(i):
        try:
            small = server.line(f"small-{i}")
            # 800 KB: large enough that publish releases the GIL while copying.
            big = server.heatmap(f"big-{i}")
            grid = np.full((250, 400), float(i))
            start.wait(timeout=30)
            for step in range(rounds):
                small.publish(np.arange(100) * step)
                if step % 10 == 0:
                    big.publish(grid)
                shared.push(step, i, **{f"worker{i}": step * 0.5})
        except Exception as e:  # noqa: BLE001  (reported by the main thread)
            errors.append(e)

    workers = [threading.Thread(target=work, args=(i,), name=f"publisher-{i}") for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert not w.is_alive(), f"{w.name} did not finish"
    assert not errors, errors
    channels = {c["name"]: c for c in server.stats()["channels"]}
    for i in range(threads):
        assert channels[f"small-{i}"]["publishes"] == rounds
        assert channels[f"big-{i}"]["publishes"] == rounds // 10
    # Each push adds a point to the default series and one to the worker's own.
    assert channels["shared"]["seq"] == threads * rounds * 2
    assert all(c["invalid"] == 0 for c in channels.values())
    png = render(server.address, tmp_path)
    assert png.count_near(BLUE) > 50, "the published lines are not drawn"


def test_a_viewer_that_never_reads_does_not_slow_publishing(server):
    line = server.line("big")
    data = np.random.default_rng(1).random(100_000)  # 800 KB a frame

    def publish_times(n):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            line.publish(data)
            times.append(time.perf_counter() - t0)
        return times

    publish_times(20)  # warm up
    alone = publish_times(200)

    stalled = RawViewer(server.address, rcvbuf=4096)
    try:
        stalled.handshake()
        stalled.request_batch()
        wait_until("the stalled viewer to be served", lambda: server.viewer_count() == 1)
        # It asked for a batch: the server writes 800 KB frames into a socket
        # that nobody reads, so the writer stalls.
        with_stalled = publish_times(200)
        viewers = server.stats()["viewers"]
        assert len(viewers) == 1 and viewers[0]["peer_name"] == "raw-test-viewer"
        assert viewers[0]["frames_sent"] <= 2, viewers[0]
    finally:
        stalled.close()

    a, b = statistics.median(alone), statistics.median(with_stalled)
    print(f"publish of 800 KB: median {a * 1e6:.0f} us alone, {b * 1e6:.0f} us with a stalled viewer")
    # Loose: a shared machine is noisy, but a blocking publish would wait for
    # seconds (the heartbeat timeout), not microseconds.
    assert b < max(10 * a, 0.005), f"median {b * 1e6:.0f} us with a stalled viewer vs {a * 1e6:.0f} us alone"
    assert max(with_stalled) < 1.0, f"one publish took {max(with_stalled):.2f} s"
