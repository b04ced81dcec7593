"""The same hyperparameter search with ReservoirPy 0.4.2's `research` (hyperopt TPE) and with
`aquifer search`, side by side in one run: wall time and the best validation loss reached.

Task: Mackey-Glass (written by `aquifer dataset mackey-glass`), one step ahead; the first 80% of
the 2,999 pairs train (warm-up 100), the last 20% validate, the state going on from training.
Loss: NRMSE (RMSE over the standard deviation of the validation targets), the mean over 3
reservoirs of different seeds per trial. Model: a 500-unit reservoir (ReservoirPy's defaults:
connectivity 0.1, normal W, Bernoulli Win) and a ridge readout with an intercept.
Spaces: spectral radius log-uniform [0.1, 2], leak rate log-uniform [0.01, 1], input scaling
log-uniform [0.05, 5]; ReservoirPy samples the ridge too (log-uniform [1e-10, 1]), Aquifer
solves for it over 21 values of the same range (every half decade) in each trial. Several
studies of each (seeds 1, 2, ...), run in turn; the table gives the means.

    bash bench/run_search.sh [--trials N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--aquifer", required=True)
parser.add_argument("--trials", type=int, default=100)
parser.add_argument("--instances", type=int, default=3)
parser.add_argument("--units", type=int, default=500)
parser.add_argument("--studies", type=int, default=3, help="studies of each side, seeds 1, 2, ...")
args = parser.parse_args()

work = tempfile.mkdtemp(prefix="aquifer-search-")
series = os.path.join(work, "mg.csv")
subprocess.run([args.aquifer, "dataset", "mackey-glass", "--steps", "3000", "-o", series], check=True,
               stdout=subprocess.DEVNULL)
data = np.loadtxt(series, delimiter=",", skiprows=1).reshape(-1, 1)
x, y = data[:-1], data[1:]
n_train = round(0.8 * len(x))
x_train, y_train, x_val, y_val = x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def nrmse(y_true, y_pred):
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)) / np.std(y_true))


# ReservoirPy 0.4.2: `research` over hyperopt's TPE
from reservoirpy.hyper import research
from reservoirpy.nodes import Reservoir, Ridge



def objective(dataset, config, *, sr, lr, input_scaling, ridge):
    (xt, yt, xv, yv) = dataset
    losses = []
    for i in range(config["instances_per_trial"]):
        reservoir = Reservoir(units=args.units, sr=sr, lr=lr, input_scaling=input_scaling,
                              seed=config["seed"] + i)
        model = reservoir >> Ridge(ridge=ridge)
        model.fit(xt, yt, warmup=100)
        losses.append(nrmse(yv, model.run(xv)))
    return {"loss": float(np.mean(losses))}


def reservoirpy_study(seed):
    config = {
        "exp": f"mg{seed}",
        "hp_max_evals": args.trials,
        "hp_method": "tpe",
        "seed": seed,
        "instances_per_trial": args.instances,
        "hp_space": {
            "sr": ["loguniform", 0.1, 2.0],
            "lr": ["loguniform", 0.01, 1.0],
            "input_scaling": ["loguniform", 0.05, 5.0],
            "ridge": ["loguniform", 1e-10, 1.0],
        },
    }
    config_path = os.path.join(work, f"mg{seed}.config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    start = time.perf_counter()
    _, trials = research(objective, (x_train, y_train, x_val, y_val), config_path, work)
    seconds = time.perf_counter() - start
    return seconds, min(t["result"]["loss"] for t in trials.trials if t["result"].get("status") == "ok")


def aquifer_study(seed):
    study = os.path.join(work, f"aq{seed}.toml")
    with open(study, "w") as f:
        f.write(f"""seed = {seed}
trials = {args.trials}
batch = 2
instances_per_trial = {args.instances}
loss = "nrmse"
[data]
files = ["mg.csv"]
horizon = 1
validation = 0.2
[model]
warmup = 100
[model.reservoir]
units = {args.units}
[space]
"reservoir.spectral_radius" = {{ distribution = "log_uniform", low = 0.1, high = 2.0 }}
"reservoir.leak_rate" = {{ distribution = "log_uniform", low = 0.01, high = 1.0 }}
"reservoir.input_scaling" = {{ distribution = "log_uniform", low = 0.05, high = 5.0 }}
[ridge]
low = 1e-10
high = 1.0
count = 21
""")
    start = time.perf_counter()
    subprocess.run([args.aquifer, "--quiet", "search", study], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    records = [json.loads(line) for line in open(os.path.join(work, f"aq{seed}.jsonl"))][1:]
    records.sort(key=lambda r: r["number"])
    return seconds, min(r["loss"] for r in records if r["loss"] is not None), records


def trials_to_reach(records, loss):
    """The number of trials after which the best loss so far is at most `loss` (or None)."""
    best = float("inf")
    for k, r in enumerate(records):
        if r["loss"] is not None:
            best = min(best, r["loss"])
        if best <= loss:
            return k + 1
    return None


rpy, aq = [], []
for seed in range(1, args.studies + 1):
    # side by side: one study of each in turn
    rpy.append(reservoirpy_study(seed))
    aq.append(aquifer_study(seed))
rpy_time, rpy_best = np.mean([r[0] for r in rpy]), np.mean([r[1] for r in rpy])
aq_time, aq_best = np.mean([r[0] for r in aq]), np.mean([r[1] for r in aq])

print(f"search: {args.studies} studies of {args.trials} trials x {args.instances} instances, "
      f"N = {args.units}, Mackey-Glass ({n_train} training, {len(x_val)} validation steps), "
      f"{os.cpu_count()} cores; means over the studies")
print("each study's (seconds, best NRMSE): ReservoirPy", [(round(t, 1), f"{b:.3e}") for t, b in rpy],
      "Aquifer", [(round(t, 1), f"{b:.3e}") for t, b, _ in aq])
print(f"| | wall time (s) | best validation NRMSE |")
print(f"|---|---:|---:|")
print(f"| ReservoirPy 0.4.2 `research` (hyperopt TPE, one trial at a time, ridge sampled) | {rpy_time:.1f} | {rpy_best:.3e} |")
print(f"| Aquifer `search` (TPE, batches of 2 trials in parallel, ridge over 21 values per trial) | {aq_time:.1f} | {aq_best:.3e} |")
print(f"| ratio | {rpy_time / aq_time:.1f}x | {rpy_best / aq_best:.2f}x |")
# time to an equal loss: the trials Aquifer's study of the same seed needed to reach
# ReservoirPy's best, times its wall time per trial (an estimate: trials run two at a time)
print()
print("| seed | ReservoirPy's best | Aquifer's trials to reach it | Aquifer's time to reach it (est.) | ReservoirPy's time | ratio |")
print("|---:|---:|---:|---:|---:|---:|")
reach_total, rpy_total = 0.0, 0.0
for seed, ((rt, rb), (at, _, records)) in enumerate(zip(rpy, aq), start=1):
    k = trials_to_reach(records, rb)
    if k is None:
        print(f"| {seed} | {rb:.3e} | not reached | | {rt:.1f} | |")
        continue
    est = at * k / len(records)
    reach_total += est
    rpy_total += rt
    print(f"| {seed} | {rb:.3e} | {k} of {len(records)} | {est:.1f} s | {rt:.1f} s | {rt / est:.1f}x |")
if reach_total > 0:
    print(f"| all | | | {reach_total:.1f} s | {rpy_total:.1f} s | {rpy_total / reach_total:.1f}x |")
