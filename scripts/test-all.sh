#!/usr/bin/env bash
# Every test of plotcast: the Rust workspace, then the Python package built
# and installed from scratch into a fresh virtualenv with the README's
# install command, then its pytest suite. This is the README's test command
# and what CI (.ci/run) runs.
#
#   bash scripts/test-all.sh
#   PYTHON=python3.12 bash scripts/test-all.sh    # another interpreter
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "cargo test --workspace"
cargo test --workspace

python=${PYTHON:-python3}
venv=target/python-test-venv
step "Python: fresh venv ($("$python" --version)) in $venv"
rm -rf "$venv"
"$python" -m venv "$venv"
# matplotlib: the Plotter-class tests; nbclient, nbformat, ipykernel and
# ipywidgets: a notebook executed with a live plotcast.show view.
"$venv/bin/pip" install --quiet --disable-pip-version-check maturin pytest numpy mypy \
  matplotlib nbclient nbformat ipykernel ipywidgets

step "Python: pip install ./python ./python/viewer (the README's install command; release build)"
"$venv/bin/pip" install --disable-pip-version-check ./python ./python/viewer

step "Python: pytest"
cd python
PYTHONDONTWRITEBYTECODE=1 "../$venv/bin/python" -m pytest -p no:cacheprovider -ra tests
