#!/usr/bin/env bash
# Default parallelism against one forced thread with 0 to 3 busy processes beside it
# (bench/load.py; standard library only).
#   bash bench/run_load.sh            every workload, 9 pairs of runs each (about fifteen minutes)
#   bash bench/run_load.sh --quick    smaller workloads, 2 pairs each
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p aquifer-cli
python3 bench/load.py --aquifer target/release/aquifer "$@"
