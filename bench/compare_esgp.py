"""Aquifer's gated reservoir vs the PyTorch original (esgp 0.1.0), side by side in one run.

Both train the same configuration on the adding problem: one ESGP layer of H units (10% of
the recurrent weights kept, spectral radius 0.9, no input bias), a linear head on the last
step, MSE, Adam (lr 1e-2), gradient-norm clipping at 1, batches of B sequences of length T,
for S training steps; then both score 500 fresh sequences. Printed: seconds per training step
(forward, backward, update) and the test MSE (the mean predictor scores 0.167). Aquifer
computes in f64 on one thread; PyTorch in its default f32 on every core.
"""

import argparse
import json
import subprocess
import time

import numpy as np
import torch
from esgp import ESGP


def adding_problem(rng, n, length):
    x = np.zeros((n, length, 2), dtype=np.float32)
    x[:, :, 0] = rng.random((n, length))
    half = length // 2
    a = rng.integers(0, half, size=n)
    b = rng.integers(half, length, size=n)
    x[np.arange(n), a, 1] = 1.0
    x[np.arange(n), b, 1] = 1.0
    y = (x[np.arange(n), a, 0] + x[np.arange(n), b, 0])[:, None]
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))


class Model(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.esgp = ESGP(2, hidden, num_layers=1, sparsity=0.1, spectral_radius=0.9, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.esgp(x)
        return self.head(out[:, -1, :])


def torch_run(hidden, length, batch, steps):
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    x, y = adding_problem(rng, batch * steps, length)
    xt, yt = adding_problem(np.random.default_rng(2), 500, length)
    model = Model(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = torch.nn.MSELoss()
    order = torch.randperm(batch * steps)
    start = time.perf_counter()
    for s in range(steps):
        idx = order[s * batch:(s + 1) * batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    per_step = (time.perf_counter() - start) / steps
    with torch.no_grad():
        mse = float(loss_fn(model(xt), yt))
    return per_step, mse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aquifer", required=True, help="path of the bench_gated binary")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    configs = [(64, 100, 32, 60)] if args.quick else [(64, 100, 32, 300), (128, 100, 32, 300), (256, 50, 32, 150)]
    print(f"Aquifer (f64, 1 thread) vs esgp 0.1.0 on torch {torch.__version__} (f32, {torch.get_num_threads()} threads); adding problem")
    print()
    print("| H | T | batch | steps | Aquifer s/step | PyTorch s/step | speed ratio | Aquifer test MSE | PyTorch test MSE |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for hidden, length, batch, steps in configs:
        out = subprocess.run([args.aquifer, str(hidden), str(length), str(batch), str(steps)],
                             check=True, capture_output=True, text=True).stdout
        ours = json.loads(out.strip().splitlines()[-1])
        theirs, their_mse = torch_run(hidden, length, batch, steps)
        ratio = theirs / ours["seconds_per_step"]
        print(f"| {hidden} | {length} | {batch} | {steps} | {ours['seconds_per_step']:.5f} | {theirs:.5f} | {ratio:.2f}x | {ours['test_mse']:.4f} | {their_mse:.4f} |")


if __name__ == "__main__":
    main()
