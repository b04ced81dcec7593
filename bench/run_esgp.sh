#!/usr/bin/env bash
# Side-by-side training speed of Aquifer's gated reservoir and the PyTorch original (esgp 0.1.0).
#   bash bench/run_esgp.sh            three configurations (a few minutes)
#   bash bench/run_esgp.sh --quick    one small configuration
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv-torch
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# The CPU build of torch when its index is reachable, else the PyPI build.
"$VENV/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
    || "$VENV/bin/pip" install --quiet torch
"$VENV/bin/pip" install --quiet "esgp==0.1.0" numpy
cargo build --release --quiet -p aquifer --example bench_gated
"$VENV/bin/python" bench/compare_esgp.py --aquifer target/release/examples/bench_gated "$@"
