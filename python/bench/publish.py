"""What publishing a numpy array costs, beside np.copyto of the same array.

Targets (issue 13): a 1e6-element float64 publish costs at most 1.5x
np.copyto of the same array (medians, same run), and a 1e3-element publish
at most 5 us. Both are measured interleaved with their reference, so that a
busy machine slows both alike. No viewer is attached (the publish path is
the same with viewers: they only take the encoded frame afterwards), unless
--stalled-viewer is given, which connects a raw socket that completes the
handshake and then never reads.

    python python/bench/publish.py             # prints a table
    python python/bench/publish.py --quick     # a few seconds, for CI smoke runs
    python python/bench/publish.py --json out.json
"""

import argparse
import json
import platform
import statistics
import sys
import time

import numpy as np

import plotcast


def per_call(fn, calls):
    """Seconds per call of fn, over `calls` calls."""
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def interleaved(a, b, rounds, calls):
    """Medians (and 99th percentiles) of per-call times of a and b, measured in
    alternation."""
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(per_call(a, calls))
        tb.append(per_call(b, calls))
    return summary(ta), summary(tb)


def summary(times):
    times = sorted(times)
    return {
        "median_us": statistics.median(times) * 1e6,
        "p99_us": times[min(len(times) - 1, int(len(times) * 0.99))] * 1e6,
        "min_us": times[0] * 1e6,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (seconds)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--stalled-viewer",
        action="store_true",
        help="attach a raw-socket viewer that never reads",
    )
    args = parser.parse_args()
    rounds_big, rounds_small = (20, 20) if args.quick else (1000, 1000)

    results = {"python": sys.version.split()[0], "numpy": np.__version__, "machine": platform.machine()}
    with plotcast.Server(title="bench", viewer=False, use_env=False) as s:
        if args.stalled_viewer:
            sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/tests")
            from rawviewer import RawViewer  # noqa: E402  (test helper)

            stalled = RawViewer(s.address)
            stalled.handshake()
            stalled.request_batch()
        big_line = s.line("big")
        small_line = s.line("small")
        heat = s.heatmap("heat")

        big = np.random.default_rng(1).random(1_000_000)
        big_dst = np.empty_like(big)
        grid = big.reshape(1000, 1000)
        small = big[:1000].copy()
        small_dst = np.empty_like(small)
        # Warm up: the publish buffers and the destination pages.
        for _ in range(20):
            big_line.publish(big)
            np.copyto(big_dst, big)

        pub, ref = interleaved(lambda: big_line.publish(big), lambda: np.copyto(big_dst, big), rounds_big, 1)
        results["line_1e6_f64"] = {"publish": pub, "copyto": ref, "ratio": pub["median_us"] / ref["median_us"]}
        # Publish writes each frame into the buffer the frame before last
        # used (the previous frame must stay intact for late viewers), while
        # np.copyto rewrites one destination that stays hot in the cache:
        # copying into two alternating destinations shows what that costs.
        spare_dst = np.empty_like(big)
        turn = [0]

        def copyto_alternating():
            turn[0] ^= 1
            np.copyto(spare_dst if turn[0] else big_dst, big)

        pub, ref = interleaved(lambda: big_line.publish(big), copyto_alternating, rounds_big, 1)
        results["line_1e6_f64_vs_alternating"] = {"publish": pub, "copyto": ref, "ratio": pub["median_us"] / ref["median_us"]}
        pub, ref = interleaved(lambda: heat.publish(grid), lambda: np.copyto(big_dst, big), rounds_big, 1)
        results["heatmap_1000x1000_f64"] = {"publish": pub, "copyto": ref, "ratio": pub["median_us"] / ref["median_us"]}
        pub, ref = interleaved(
            lambda: small_line.publish(small), lambda: np.copyto(small_dst, small), rounds_small, 1000
        )
        results["line_1e3_f64"] = {"publish": pub, "copyto": ref, "ratio": pub["median_us"] / ref["median_us"]}
        if args.stalled_viewer:
            stalled.close()
        s.close()

    print(f"plotcast Python publish (Python {results['python']}, numpy {results['numpy']})")
    print(f"{'what':<34} {'publish median':>15} {'p99':>10} {'np.copyto':>12} {'p99':>10} {'ratio':>7}  target")
    rows = [
        ("line, 1e6 f64 (8 MB)", "line_1e6_f64", "<= 1.5x"),
        ("  same, copyto to 2 alternating", "line_1e6_f64_vs_alternating", ""),
        ("heatmap 1000x1000 f64", "heatmap_1000x1000_f64", ""),
        ("line, 1e3 f64 (8 KB)", "line_1e3_f64", "<= 5 us"),
    ]
    for label, key, target in rows:
        r = results[key]
        print(
            f"{label:<34} {r['publish']['median_us']:>12.2f} us {r['publish']['p99_us']:>7.2f} us "
            f"{r['copyto']['median_us']:>9.2f} us {r['copyto']['p99_us']:>7.2f} us {r['ratio']:>6.2f}x  {target}"
        )
    big_ok = results["line_1e6_f64"]["ratio"] <= 1.5
    small_ok = results["line_1e3_f64"]["publish"]["median_us"] <= 5.0
    print(f"1e6 target (<= 1.5x copyto): {'met' if big_ok else 'MISSED'}; 1e3 target (<= 5 us): {'met' if small_ok else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
