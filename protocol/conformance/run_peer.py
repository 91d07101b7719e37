#!/usr/bin/env python3
"""Runs a peer (another implementation of the plotcast protocol) against
the conformance suite in this folder. Python 3.8+, standard library only.

The peer is a command that provides two subcommands (see README.md):

    PEER decode frame|record [--max-frame-bytes N] < FILE.bin
        exit 0 and print the decoded message's description (JSON), or
        exit non-zero to refuse it, with the error kind as the first word
        of stderr if it can name one
    PEER encode frame|record < MESSAGE.json
        exit 0 and write the message's bytes (prefix included)

    python3 run_peer.py [--no-encode] [--strict-errors] PEER [ARGS...]

Checks: every valid file decodes to its description; every description
of encoding "exact" encodes to exactly the golden bytes, and of encoding
"compressed" to bytes the peer decodes back to the description; every
invalid file is refused (with the same error kind under --strict-errors);
and the generated case header_over_limit is refused. Exit status 0 when
everything passed.
"""

import argparse
import json
import pathlib
import struct
import subprocess
import sys

SUITE = pathlib.Path(__file__).resolve().parent
MAX_HEADER_BYTES = 1024 * 1024


def canonical(value):
    """JSON text that tells -0.0 from 0.0 and ignores key order."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def as_decoded(message):
    """What a decoder gives for a description: u16 and u8 arrays as the f32
    values they stand for, and no codec (decoding does not return it)."""
    message = json.loads(json.dumps(message))
    data = message.get("data")
    if isinstance(data, dict):
        data.pop("codec", None)
        for part in data.get("parts", []):
            for axis in ("x", "y"):
                array = part.get(axis)
                if isinstance(array, dict) and array.get("dtype") in ("u16", "u8"):
                    part[axis] = {"dtype": "f32", "values": array["decoded"]}
    return message


def run(peer, args, data):
    return subprocess.run(peer + args, input=data, capture_output=True, timeout=60)


def printed(result):
    """The canonical form of the JSON a peer printed, or None."""
    try:
        return canonical(json.loads(result.stdout))
    except ValueError:
        return None


def over_limit_frame():
    """The generated case: a Layout with one line channel whose name makes
    the header MAX_HEADER_BYTES + 1 bytes (invalid/header_over_limit.json)."""
    overhead = 25
    name_len = MAX_HEADER_BYTES + 1 - overhead
    header = bytes([0, 0, 1, 0, 0xFC]) + struct.pack("<I", name_len) + b"a" * name_len
    # kind, plot type, title, x/y labels, scales, x/y range, cell,
    # colormap, history, link_x, value_label, extent, tile
    header += bytes(16)
    assert len(header) == MAX_HEADER_BYTES + 1
    pad = (-(12 + len(header))) % 8
    body = bytes([0x10, 0, 0, 0]) + struct.pack("<I", len(header)) + header + bytes(pad)
    return struct.pack(">I", len(body)) + body


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, ok, name, why):
        if ok:
            self.passed += 1
        else:
            self.failed.append(f"{name}: {why}")


def check_valid(peer, report, encode):
    for desc_path in sorted((SUITE / "valid").glob("*.json")):
        name = "valid/" + desc_path.stem
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
        golden = desc_path.with_suffix(".bin").read_bytes()
        framing = desc["framing"]
        want = canonical(as_decoded(desc["message"]))
        got = run(peer, ["decode", framing], golden)
        if got.returncode != 0:
            report.check(False, name, "refused: " + got.stderr.decode(errors="replace").strip())
        else:
            report.check(printed(got) == want, name, "decodes to another message")
        if not encode or desc["encoding"] == "decode-only":
            continue
        message = json.dumps(desc["message"]).encode()
        enc = run(peer, ["encode", framing], message)
        if enc.returncode != 0:
            report.check(False, name + " (encode)", enc.stderr.decode(errors="replace").strip())
        elif desc["encoding"] == "exact":
            report.check(enc.stdout == golden, name + " (encode)", "bytes differ from the golden file")
        else:
            back = run(peer, ["decode", framing], enc.stdout)
            ok = back.returncode == 0 and printed(back) == want
            report.check(ok, name + " (encode)", "the compressed frame does not decode back")


def check_invalid(peer, report, strict):
    for desc_path in sorted((SUITE / "invalid").glob("*.json")):
        name = "invalid/" + desc_path.stem
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
        data = over_limit_frame() if desc.get("generated") else desc_path.with_suffix(".bin").read_bytes()
        args = ["decode", desc["framing"]]
        if desc["stage"] == "frame":
            args += ["--max-frame-bytes", str(desc["max_frame_bytes"])]
        got = run(peer, args, data)
        if got.returncode == 0:
            report.check(False, name, "accepted; the rule: " + desc["rule"])
            continue
        words = got.stderr.decode(errors="replace").split()
        kind = words[0] if words else ""
        report.check(not strict or kind == desc["error"], name, f"refused as {kind!r}, expected {desc['error']!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-encode", action="store_true", help="check decoding only")
    parser.add_argument("--strict-errors", action="store_true", help="require the same error kinds")
    parser.add_argument("peer", nargs=argparse.REMAINDER, help="the peer command")
    options = parser.parse_args()
    if not options.peer:
        parser.error("give the peer command")
    report = Report()
    check_valid(options.peer, report, not options.no_encode)
    check_invalid(options.peer, report, options.strict_errors)
    for failure in report.failed:
        print("FAIL", failure)
    print(f"{report.passed} passed, {len(report.failed)} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
