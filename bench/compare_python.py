"""Aquifer's Python package beside ReservoirPy 0.4.2, from Python, in one process and one run:
harvest (N = 100 / 1000), ridge fit, run over 64 series, Japanese vowels end to end, and the
cost of crossing into Rust per call. Each workload alternates the two libraries for several
rounds; the medians and their ratio are printed as a Markdown table.

    bash bench/run_python.sh            (installs both into bench/.venv)
"""

import argparse
import statistics
import time

import numpy as np
import reservoirpy
from reservoirpy.nodes import Reservoir as RpyReservoir
from reservoirpy.nodes import Ridge as RpyRidge

import aquifer



def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def side_by_side(name, aq, rp, rounds, unit, amount):
    """Alternates the two callables `rounds` times; amount / median time in `unit`."""
    ta, tr = [], []
    for _ in range(rounds):
        ta.append(timed(aq)[0])
        tr.append(timed(rp)[0])
    a, r = amount / statistics.median(ta), amount / statistics.median(tr)
    print(f"| {name} ({unit}) | {a:,.1f} | {r:,.1f} | {a / r:.1f}x |", flush=True)
    return a / r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    rounds = 3 if args.quick else 7
    T = 2000 if args.quick else 10_000
    x = np.sin(np.linspace(0, T / 10, T)).reshape(-1, 1)
    print(f"aquifer {aquifer.__version__}, reservoirpy {reservoirpy.__version__}, numpy {np.__version__}")
    print()
    print("| workload | aquifer (Python) | ReservoirPy 0.4.2 | ratio |")
    print("|---|---:|---:|---:|")

    for n in (100, 1000):
        ours = aquifer.Reservoir(n, lr=0.3, sr=1.25, rc_connectivity=0.1, seed=0)
        theirs = RpyReservoir(n, lr=0.3, sr=1.25, rc_connectivity=0.1, seed=0)
        ours.run(x[:10]), theirs.run(x[:10])
        side_by_side(
            f"harvest N={n}, T={T}", lambda: ours.run(x), lambda: theirs.run(x), rounds, "steps/s", T
        )

    n = 1000
    states = aquifer.Reservoir(n, lr=0.3, sr=1.25, seed=0).run(x)
    y = np.roll(x, -1, axis=0)
    side_by_side(
        f"ridge fit N={n}, T={T}",
        lambda: aquifer.Ridge(ridge=1e-6).fit(states, y),
        lambda: RpyRidge(ridge=1e-6).fit(states, y),
        rounds,
        "fits/s",
        1,
    )

    n, S, L = 500, 64, 200 if args.quick else 1000
    rng = np.random.default_rng(0)
    series = [np.sin(np.linspace(0, 50, L) + rng.uniform(0, 6)).reshape(-1, 1) for _ in range(S)]
    esn = aquifer.ESN(units=n, lr=0.3, sr=1.25, ridge=1e-6, seed=0).fit(series[0], series[0])
    rres = RpyReservoir(n, lr=0.3, sr=1.25, seed=0)
    rmodel = rres >> RpyRidge(ridge=1e-6)
    rmodel.fit(series[0], series[0])
    best = {}

    def rpy_run():
        outs = []
        for workers in (1, -1):
            t, _ = timed(lambda: rmodel.run(series, workers=workers))
            outs.append(t)
        best["workers"] = outs
        # the best of workers=1 and workers=-1
        return None

    ta, tr = [], []
    for _ in range(max(3, rounds // 2)):
        ta.append(timed(lambda: esn.run(series))[0])
        rpy_run()
        tr.append(min(best["workers"]))
    a, r = S * L / statistics.median(ta), S * L / statistics.median(tr)
    print(f"| run {S} x {L}, N={n} (series-steps/s) | {a:,.0f} | {r:,.0f} | {a / r:.1f}x |")

    xtr, ytr, xte, yte = aquifer.datasets.japanese_vowels()
    labels_te = np.array([int(np.argmax(v)) for v in yte])
    ytr_rep = [np.repeat(t, len(s), axis=0) for t, s in zip(ytr, xtr)]

    def ours_jv():
        clf = aquifer.ESN(units=500, lr=0.1, sr=0.9, input_scaling=1.0, ridge=1e-6, seed=0)
        clf.fit(xtr, ytr_rep)
        clf.reset()
        outs = clf.run(xte)
        return np.array([int(np.argmax(o.mean(axis=0))) for o in outs])

    def theirs_jv():
        res = RpyReservoir(500, lr=0.1, sr=0.9, input_scaling=1.0, seed=0)
        model = res >> RpyRidge(ridge=1e-6)
        model.fit(xtr, ytr_rep)
        outs = []
        for s in xte:  # each series from a zero state, as ours
            res.reset()
            outs.append(model.run(s))
        return np.array([int(np.argmax(o.mean(axis=0))) for o in outs])

    ta, tr, acc = [], [], {}
    for _ in range(3):
        t, pa = timed(ours_jv)
        ta.append(t)
        acc["aquifer"] = np.mean(pa == labels_te)
        t, pr = timed(theirs_jv)
        tr.append(t)
        acc["reservoirpy"] = np.mean(pr == labels_te)
    a, r = statistics.median(ta), statistics.median(tr)
    print(
        f"| Japanese vowels fit + predict, N=500 (s; accuracy) | {a:.3f} s; {acc['aquifer']:.1%} "
        f"| {r:.3f} s; {acc['reservoirpy']:.1%} | {r / a:.1f}x |"
    )
    print()

    # What handing results to numpy without a copy saves: a harvest's states, copied once.
    for n in (100, 1000):
        r = aquifer.Reservoir(n, lr=0.3, sr=1.25, seed=0)
        harvest, copy = [], []
        for _ in range(rounds):
            t, states = timed(lambda: r.run(x))
            harvest.append(t)
            copy.append(timed(lambda: np.array(states, copy=True))[0])
        h, c = statistics.median(harvest), statistics.median(copy)
        print(
            f"- harvest N={n}, T={T}: {h * 1e3:.1f} ms; a copy of its {states.nbytes / 1e6:.0f} MB "
            f"of states would add {c * 1e3:.1f} ms ({c / h:.0%}); the states are handed over in place"
        )

    # The cost of crossing into Rust: calls that do (almost) no work.
    tiny = aquifer.Reservoir(1, sr=None, seed=0)
    one = np.zeros((1, 1))
    tiny.run(one)
    native = tiny._native
    calls = 20_000 if args.quick else 200_000
    for label, f in (
        ("native call, no work (`Node.kind`)", lambda: native.kind),
        ("native run of 1 step, 1 unit (array in, array out)", lambda: native.run(one)),
        ("`Reservoir.run` of 1 step, 1 unit (with input checks)", lambda: tiny.run(one)),
    ):
        per = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(calls):
                f()
            per.append((time.perf_counter() - t) / calls)
        print(f"- {label}: {min(per) * 1e6:.2f} us per call (best of 5 x {calls:,})")


if __name__ == "__main__":
    main()
