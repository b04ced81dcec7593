"""Aquifer vs ReservoirPy 0.4.2 on the core operations, side by side in one run.

Runs the Aquifer timings (the `bench_core` example, JSON lines) and the same workloads in
ReservoirPy, then prints a Markdown table of throughputs and ratios. Timings are best-of-N
wall-clock times; compare the ratios, not the absolute numbers, on a shared machine.
"""

import argparse
import json
import subprocess
import time

import numpy as np

import reservoirpy
from reservoirpy.nodes import RLS, Reservoir, Ridge


def best_of(reps, fn):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aquifer", required=True, help="path of the bench_core binary")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    cmd = [args.aquifer] + (["--quick"] if args.quick else [])
    ours = [json.loads(line) for line in subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()]
    t_len = 2000 if args.quick else 10_000
    reps = 2 if args.quick else 3
    rng = np.random.default_rng(1)
    rows = []

    u = rng.uniform(-1, 1, size=(t_len, 1))
    for o in (o for o in ours if o["bench"] == "harvest"):
        n = o["units"]
        res = Reservoir(n, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1)
        res.run(u[:10])

        def run():
            res.reset()
            res.run(u)

        rpy = t_len / best_of(reps, run)
        rows.append((f"harvest N={n}, T={t_len} (steps/s)", o["aquifer_steps_per_s"], rpy))
        rows.append((f"  bare CSR kernel N={n} (steps/s, same run)", o["bare_kernel_steps_per_s"], None))

    o = next(o for o in ours if o["bench"] == "run_many")
    series = [rng.uniform(-1, 1, size=(1000, 1)) for _ in range(64)]
    res = Reservoir(500, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1)
    res.run(series[0][:10])
    rpy_many = 0.0
    for workers in (1, -1):
        rpy_many = max(rpy_many, 64_000 / best_of(reps, lambda: res.run(series, workers=workers)))
    rows.append(("run_many 64 x 1000, N=500 (steps/s)", o["aquifer_steps_per_s"], rpy_many))

    o = next(o for o in ours if o["bench"] == "ridge_fit")
    states = rng.uniform(-1, 1, size=(t_len, 1000))
    targets = rng.uniform(-1, 1, size=(t_len, 1))

    def fit():
        Ridge(ridge=1e-6).fit(states, targets)

    rows.append((f"ridge fit N=1000, T={t_len} (fits/s)", 1 / o["aquifer_s"], 1 / best_of(reps, fit)))

    o = next(o for o in ours if o["bench"] == "init_sr")

    def init():
        Reservoir(2000, sr=0.9, rc_connectivity=0.1, seed=3).run(u[:1])

    rows.append(("init N=2000 with sr rescaling (inits/s)", 1 / o["aquifer_s"], 1 / best_of(reps, init)))

    o = next(o for o in ours if o["bench"] == "rls_online")
    t_online = o["steps"]
    uo = u[: t_online + 1]

    online_model = Reservoir(300, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1) >> RLS()
    online_model.partial_fit(uo[:10], uo[1:11])  # initialise outside the timing

    def online():
        online_model.partial_fit(uo[:-1], uo[1:])

    rows.append((f"RLS online training N=300, T={t_online} (steps/s)", o["aquifer_steps_per_s"], t_online / best_of(reps, online)))

    for o in (o for o in ours if o["bench"] == "generate"):
        n, t_gen = o["units"], o["steps"]
        readout = Ridge(ridge=1e-6)
        gen_model = (Reservoir(n, sr=0.9, lr=0.3, rc_connectivity=0.1, seed=1) >> readout) << readout
        ys = np.sin(np.arange(2000) * 0.1)[:, None]
        gen_model.fit(np.zeros((2000, 0)), ys, warmup=100)
        rpy_gen = t_gen / best_of(reps, lambda: gen_model.run(iters=t_gen))
        rows.append((f"closed-loop generation N={n}, T={t_gen} (steps/s)", o["aquifer_steps_per_s"], rpy_gen))

    from reservoirpy.datasets import lorenz as rpy_lorenz
    from reservoirpy.nodes import NVAR

    for o in (o for o in ours if o["bench"] == "nvar"):
        k, p, t_nvar = o["delay"], o["order"], o["steps"]
        xs = rpy_lorenz(t_nvar)
        nvar = NVAR(delay=k, order=p)
        nvar.run(xs[:10])  # initialise outside the timing
        rpy_nvar = t_nvar / best_of(reps, lambda: NVAR(delay=k, order=p).run(xs))
        name = f"NVAR features k={k}, p={p} on 3 inputs ({o['features']} features), T={t_nvar} (steps/s)"
        rows.append((name, o["aquifer_steps_per_s"], rpy_nvar))

    for o in (o for o in ours if o["bench"] == "ngrc_fit"):
        t_fit = o["steps"]
        xs = rpy_lorenz(t_fit)

        def ngrc():
            model = NVAR(delay=2, order=2) >> Ridge(ridge=2.5e-6)
            model.fit(xs[:-1], xs[1:] - xs[:-1], warmup=200)

        rows.append((f"NG-RC fit (NVAR k=2, p=2 >> ridge), T={t_fit} (fits/s)", 1 / o["aquifer_s"], 1 / best_of(reps, ngrc)))

    print(f"Aquifer vs ReservoirPy {reservoirpy.__version__}, numpy {np.__version__}; higher is faster")
    print()
    print("| workload | Aquifer | ReservoirPy | ratio |")
    print("|---|---:|---:|---:|")
    for name, a, r in rows:
        if r is None:
            print(f"| {name} | {a:,.0f} | | |")
        else:
            print(f"| {name} | {a:,.1f} | {r:,.1f} | {a / r:.1f}x |")

if __name__ == "__main__":
    main()
