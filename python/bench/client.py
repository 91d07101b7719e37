"""What Client.latest() costs for a 1e6-element float64 channel, beside a
memcpy (np.copyto) of the same array.

Target (issue 24): latest() plus reading the channel's array costs at most 2x
a memcpy of it (medians, same run, measured in alternation so that a busy
machine slows both alike). The computation publishes once; every call then
builds a fresh Update from the newest state (the array is one copy of the
received bytes).

    python python/bench/client.py             # prints a table
    python python/bench/client.py --quick     # a few seconds, for CI smoke runs
    python python/bench/client.py --json out.json
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
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (seconds)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    rounds, calls = (5, 3) if args.quick else (40, 10)

    n = 1_000_000
    src = np.random.default_rng(1).standard_normal(n)
    dst = np.empty_like(src)
    with plotcast.Server(title="client bench", viewer=False, use_env=False) as server:
        server.line("big").publish(src)
        with plotcast.Client(server.address, token=server.token) as client:
            deadline = time.monotonic() + 60
            while True:
                client.wait_for_update(timeout=1.0)
                update = client.latest()
                if update is not None and "big" in update:
                    break
                if time.monotonic() > deadline:
                    sys.exit("the client got no data within 60 s")
            assert np.array_equal(update["big"]["traces"][""]["y"], src)

            def latest():
                client.latest()["big"]["traces"][""]["y"]

            def memcpy():
                np.copyto(dst, src)

            tl, tm = [], []
            for _ in range(rounds):
                tl.append(per_call(latest, calls))
                tm.append(per_call(memcpy, calls))
    latest_us = statistics.median(tl) * 1e6
    memcpy_us = statistics.median(tm) * 1e6
    ratio = latest_us / memcpy_us
    ok = ratio <= 2.0
    print(f"plotcast Client.latest() (Python {platform.python_version()}, numpy {np.__version__})")
    print(f"{'what':<44} {'median':>10} {'np.copyto':>10} {'ratio':>7}  target")
    print(f"{'latest() + array of a 1e6 f64 channel':<44} {latest_us:>8.0f} us {memcpy_us:>8.0f} us {ratio:>7.2f}  <= 2.0 {'met' if ok else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"latest_us": latest_us, "memcpy_us": memcpy_us, "ratio": ratio, "met": ok}, f, indent=1)


if __name__ == "__main__":
    main()
