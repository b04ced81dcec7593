#!/usr/bin/env bash
# Aquifer's Python package beside ReservoirPy 0.4.2, from Python, in one run on this machine
# (bench/compare_python.py; about three minutes). Installs the package from ./python into
# bench/.venv (a release build, a minute or two the first time).
#   bash bench/run_python.sh            full sizes
#   bash bench/run_python.sh --quick    a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
"$VENV/bin/pip" install --quiet ./python
"$VENV/bin/python" bench/compare_python.py "$@"
