#!/usr/bin/env bash
# Retakes the README's screenshots from the current viewer, each a real
# window under Xvfb saved by the viewer's own `s` key (the pixels it drew):
#
#   bash scripts/screenshots.sh          # writes docs/screenshot*.png
#
# Needs xvfb and xdotool (apt-get install xvfb xdotool), and for the Python
# one a venv with the package (PYTHON=.venv/bin/python; skipped without).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -q -p plotcast-viewer -p plotcast-suite --examples --bins
viewer="$root/target/release/plotcast-viewer"

Xvfb :97 -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
export DISPLAY=:97
for _ in $(seq 50); do xdotool getmouselocation >/dev/null 2>&1 && break; sleep 0.1; done

# How many PNGs the viewer's `s` key has saved so far (none is 0, not an
# error under pipefail).
count_pngs() { find "$work" -maxdepth 1 -name 'plotcast-*.png' | wc -l; }

# Saves what the window whose name matches $1 shows as $2, after $3 s of
# data (the status line's rates settle).
shoot() {
  local name=$1 out=$2 settle=$3
  xdotool search --sync --name "$name" >/dev/null
  sleep "$settle"
  # The pointer outside the window: no hover readout in the picture.
  xdotool mousemove 1399 899
  local before
  before=$(count_pngs)
  for _ in 1 2 3; do
    xdotool search --name "$name" windowfocus --sync key s
    for _ in $(seq 50); do
      [ "$(count_pngs)" -gt "$before" ] && break 2
      sleep 0.1
    done
  done
  mv "$(ls -t "$work"/plotcast-*.png | head -1)" "$root/docs/$out"
  echo "wrote docs/$out"
}

# Each demo runs with `exec` in its subshell, so `$!` is the demo itself
# and Ctrl-C (SIGINT) reaches it as it would from a terminal.

# The main demo: the heat equation with the launched viewer.
(cd "$work" && PLOTCAST_VIEWER="$viewer" PLOTCAST_VIEWER_ARGS="--size 1280x720" \
  exec "$root/target/release/examples/heat" >/dev/null 2>&1) &
demo=$!
shoot "heat" screenshot.png 10
kill -INT $demo 2>/dev/null || true
pkill -f "$viewer" || true

# The vortex pair: a custom plot type in a viewer of its own.
(cd "$work" && PLOTCAST_VIEWER_ARGS="--size 1280x720" \
  exec "$root/target/release/examples/vortex" >/dev/null 2>&1) &
demo=$!
shoot "vortex" screenshot-vortex.png 10
kill -INT $demo 2>/dev/null || true
pkill -f vortex_viewer || true

# A recording of the heat demo, replayed.
(cd "$work" && PLOTCAST_VIEWER="$viewer" PLOTCAST_NO_VIEWER=1 PLOTCAST_ADDR=127.0.0.1:47911 \
  PLOTCAST_STEPS=400000 exec "$root/target/release/examples/heat" >/dev/null 2>&1) &
demo=$!
"$viewer" 127.0.0.1:47911 --headless --record "$work/heat.plotcast" --rate 10 --timeout 60 --no-reconnect \
  >/dev/null 2>&1 || true
wait $demo || true
(cd "$work" && exec "$viewer" "$work/heat.plotcast" --size 1280x720 --at 9 >/dev/null 2>&1) &
shoot "heat.plotcast" screenshot-replay.png 3
pkill -f "$viewer" || true

# From Python, when a venv with the package is given.
if [ -n "${PYTHON:-}" ]; then
  # Absolute, as the demo runs in $work (not resolved: a venv's python is
  # a symlink whose target would lose the venv).
  python="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
  (cd "$work" && PLOTCAST_VIEWER="$viewer" PLOTCAST_VIEWER_ARGS="--size 1280x720" exec "$python" "$root/examples/python/heat.py" \
    >/dev/null 2>&1) &
  demo=$!
  shoot "heat" screenshot-python.png 10
  kill -INT $demo 2>/dev/null || true
  pkill -f plotcast-viewer || true
fi
