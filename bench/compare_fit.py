"""End-to-end fit of one long series: `aquifer fit` against ReservoirPy 0.4.2, side by side.

For each size (N units, T steps of Mackey-Glass, one-step-ahead forecasting, sr 0.9, lr 0.3,
connectivity 0.1, ridge 1e-6), both fits run as separate processes, in turn, several times; the
table gives the median wall time and the median peak memory (resident set) of each, their ratio,
and the harvest ratio of the same run (reservoir states alone: `aquifer bench harvest` against
ReservoirPy's `Reservoir.run`). Every figure is a whole process, start-up and data loading
included; the fit alone (construction, harvest and solve, without process start-up and
imports) is given too: the line the CLI prints, and a timer around ReservoirPy's `fit`.

    python bench/compare_fit.py --aquifer target/release/aquifer [--quick]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

# Runs a command and prints its wall time and the peak resident memory of the process, in MB.
MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout
wall = time.perf_counter() - t
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, peak_kb / 1024, " | ".join(out.strip().splitlines()))
"""

RPY_FIT = r"""
import sys
import numpy as np
from reservoirpy.nodes import Reservoir, Ridge
path, n = sys.argv[1], int(sys.argv[2])
series = np.load(path)
x, y = series[:-1], series[1:]
import time
t = time.perf_counter()
model = Reservoir(n, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1) >> Ridge(ridge=1e-6)
model.fit(x, y)
print(f"fitted in {time.perf_counter() - t:.2f} s")
"""

RPY_HARVEST = r"""
import sys, time
import numpy as np
from reservoirpy.nodes import Reservoir
n, steps = int(sys.argv[1]), int(sys.argv[2])
u = np.random.default_rng(1).uniform(-1, 1, size=(steps, 1))
res = Reservoir(n, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1)
res.run(u[:10])
res.reset()
t = time.perf_counter()
res.run(u)
print(f"steps_per_second: {steps / (time.perf_counter() - t)}")
"""


def measure(cmd):
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True
    ).stdout.split(maxsplit=2)
    return float(out[0]), float(out[1]), out[2] if len(out) > 2 else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aquifer", required=True, help="path of the aquifer binary")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sizes = [(500, 5000)] if args.quick else [(500, 20_000), (1000, 20_000), (500, 100_000), (1000, 100_000)]
    runs = 1 if args.quick else args.runs
    tmp = tempfile.mkdtemp(prefix="aquifer-fit-")
    print("| N | T | Aquifer wall (s) | ReservoirPy wall (s) | speed-up | fit alone: Aquifer / "
          "ReservoirPy (s) | speed-up | Aquifer peak (MB) | ReservoirPy peak (MB) "
          "| harvest speed-up (same run) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, steps in sizes:
        data = os.path.join(tmp, f"mg{steps}.npy")
        if not os.path.exists(data):
            subprocess.run([args.aquifer, "-q", "dataset", "mackey-glass", "--steps",
                            str(steps + 1), "--out", data], check=True, capture_output=True)
        config = os.path.join(tmp, f"esn{n}.toml")
        with open(config, "w") as f:
            f.write(f"seed = 1\n[reservoir]\nunits = {n}\nsr = 0.9\nlr = 0.3\n"
                    "rc_connectivity = 0.1\n[readout]\nridge = 1e-6\n")
        ours_cmd = [args.aquifer, "-q", "fit", "-c", config, "--horizon", "1",
                    "-o", os.path.join(tmp, "model.aq"), data]
        rpy_cmd = [sys.executable, "-c", RPY_FIT, data, str(n)]
        ours, rpy = [], []
        for _ in range(runs):
            ours.append(measure(ours_cmd))
            rpy.append(measure(rpy_cmd))
        h_ours = float(measure([args.aquifer, "-q", "bench", "harvest", "--units", str(n),
                                "--steps", str(steps), "--connectivity", "0.1", "--repeat",
                                "1"])[2].split(":")[-1])
        h_rpy = float(measure([sys.executable, "-c", RPY_HARVEST, str(n), str(steps)])[2]
                      .split(":")[-1])
        med = lambda rows, k: statistics.median(r[k] for r in rows)
        fit_alone = lambda rows: statistics.median(
            float(re.search(r"in ([0-9.]+) s", r[2]).group(1)) for r in rows)
        wo, wr = med(ours, 0), med(rpy, 0)
        fo, fr = fit_alone(ours), fit_alone(rpy)
        print(f"| {n} | {steps:,} | {wo:.2f} | {wr:.2f} | {wr / wo:.1f}x | {fo:.2f} / {fr:.2f} "
              f"| {fr / fo:.1f}x | {med(ours, 1):.0f} | {med(rpy, 1):.0f} "
              f"| {h_ours / h_rpy:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
