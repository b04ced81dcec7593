#!/usr/bin/env bash
# Side-by-side timings of Aquifer and ReservoirPy 0.4.2, measured in one run on this machine.
#   bash bench/run.sh            full sizes (about two minutes)
#   bash bench/run.sh --quick    smaller series, for a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
cargo build --release --quiet -p aquifer --example bench_core
"$VENV/bin/python" bench/compare_reservoirpy.py --aquifer target/release/examples/bench_core "$@"
