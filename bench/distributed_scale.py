"""A distributed fit over more series than one worker's memory could hold, on a LocalCluster of
1, 2 and 4 worker processes with a memory limit each: wall time, the statistics' rows, and the
peak memory of every worker (docs/distributed.md).

The series are generated on the workers (a bag of seeds mapped to series), so they never pass
through the client; each task holds one series and its states chunk by chunk, then only its
statistics travel. Run from the repository's root, with the package installed with its dask
extra (bench/run_distributed.sh does both):

    python bench/distributed_scale.py [--gigabytes 8] [--limit 1GB] [--workers 1 2 4]
"""

import argparse
import time

import numpy as np

import aquifer
import aquifer.dask as adask

STEPS = 50_000
FEATURES = 20


def series(seed: int):
    """A seeded random series (uniform inputs) and a target a fixed nonlinear map of them."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(STEPS, FEATURES))
    y = np.tanh(x[:, :1] + 0.5 * np.roll(x[:, 1:2], 1, axis=0))
    return x, y


def main() -> None:
    from dask.distributed import Client, LocalCluster
    import dask.bag as db

    ap = argparse.ArgumentParser()
    ap.add_argument("--gigabytes", type=float, default=8.0)
    ap.add_argument("--limit", default="1GB")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--units", type=int, default=100)
    args = ap.parse_args()
    per_series = STEPS * (FEATURES + 1) * 8
    n = int(np.ceil(args.gigabytes * 1e9 / per_series))
    print(
        f"{n} series of {STEPS} steps x {FEATURES} inputs + 1 target "
        f"({n * per_series / 1e9:.1f} GB of float64), reservoir of {args.units} units, "
        f"worker memory limit {args.limit}"
    )
    print("| workers | wall time (s) | rows in the statistics | peak memory per worker (MB) |")
    print("|---:|---:|---:|---|")
    reference = None
    for w in args.workers:
        with LocalCluster(
            n_workers=w, threads_per_worker=1, processes=True, memory_limit=args.limit,
            dashboard_address=None,
        ) as cluster, Client(cluster) as client:
            bag = db.from_sequence(range(n), npartitions=n).map(series)
            esn = aquifer.ESN(units=args.units, sr=0.9, lr=0.5, ridge=1e-6, seed=1)
            t = time.perf_counter()
            adask.fit(esn, bag, warmup=100, client=client)
            wall = time.perf_counter() - t
            peaks = adask.peak_memory(client)
            rows = n * (STEPS - 100)
            mb = ", ".join(f"{v / 1e6:.0f}" for v in sorted(peaks.values()))
            print(f"| {w} | {wall:.1f} | {rows:,} | {mb} |", flush=True)
            if reference is None:
                reference = esn.Wout
            else:
                rel = np.abs(esn.Wout - reference).max() / np.abs(reference).max()
                assert rel < 1e-8, rel


if __name__ == "__main__":
    main()
