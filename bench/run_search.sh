#!/usr/bin/env bash
# The same hyperparameter search with ReservoirPy 0.4.2 (`research`, hyperopt TPE) and with
# `aquifer search`, in one run on this machine (bench/compare_search.py; about five minutes).
#   bash bench/run_search.sh              100 trials x 3 instances, N = 500
#   bash bench/run_search.sh --trials 10  a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
cargo build --release --quiet -p aquifer-cli
"$VENV/bin/python" bench/compare_search.py --aquifer target/release/aquifer "$@"
