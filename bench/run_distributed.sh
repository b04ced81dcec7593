#!/usr/bin/env bash
# The distributed-fit scale demonstration of docs/distributed.md: installs the package with its
# dask extra into bench/.venv, then fits 8 GB of generated series on 1, 2 and 4 worker
# processes limited to 1 GB each (about eight minutes on a 2-core machine).
#   bash bench/run_distributed.sh [--gigabytes G] [--limit 1GB] [--workers 1 2 4]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
"$VENV/bin/pip" install --quiet "./python[dask]"
"$VENV/bin/python" bench/distributed_scale.py "$@"
