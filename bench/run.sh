#!/usr/bin/env bash
# Side-by-side timings of Aquifer and ReservoirPy 0.4.2, measured in one run on this machine.
#   bash bench/run.sh            full sizes (about two minutes)
#   bash bench/run.sh --quick    smaller series, for a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet "reservoirpy==0.4.2"
cargo build --release --quiet -p aquifer --example bench_core
"$VENV/bin/python" bench/compare_reservoirpy.py --aquifer target/release/examples/bench_core "$@"
