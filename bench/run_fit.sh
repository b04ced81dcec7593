#!/usr/bin/env bash
# End-to-end fit of one long series, Aquifer against ReservoirPy 0.4.2, in one run on this
# machine: wall time and peak memory of both (bench/compare_fit.py).
#   bash bench/run_fit.sh            N = 500, 1000 and T = 20,000, 100,000 (about ten minutes)
#   bash bench/run_fit.sh --quick    one small size, for a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
cargo build --release --quiet -p aquifer-cli
"$VENV/bin/python" bench/compare_fit.py --aquifer target/release/aquifer "$@"
