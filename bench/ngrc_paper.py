"""NG-RC on Lorenz-63 written out in NumPy after the algorithm of Gauthier et al. (2021) and
its published script (features [1, x(t), x(t-dt), unique quadratic monomials], ridge 2.5e-6
on the increments, warm-up 200, training 400, test 44 points at dt = 0.025, closed loop), on
two trajectories from the same point: SciPy's RK23 at its default tolerances (rtol 1e-3,
atol 1e-6, as that script integrates) and DOP853 at rtol = atol = 1e-10. Ten trials, windows
shifted 400 points. NRMSE: errors divided by each variable's standard deviation.

Run from the repository's root: bench/.venv/bin/python bench/ngrc_paper.py
(the environment of bench/venv.sh; SciPy comes with ReservoirPy).
"""
import numpy as np
from scipy.integrate import solve_ivp


def lorenz(t, y):
    return [10 * (y[1] - y[0]), y[0] * (28 - y[2]) - y[1], y[0] * y[1] - 8 / 3 * y[2]]


dt, warmup, train, test, shift, trials = 0.025, 200, 400, 44, 400, 10
n = (trials - 1) * shift + warmup + train + test + 2
t_eval = np.arange(n) * dt
x0 = [17.67715816276679, 12.931379185960404, 43.91404334248268]
data = {
    "RK23, default tolerances": solve_ivp(lorenz, (0, t_eval[-1]), x0, t_eval=t_eval, method="RK23").y,
    "DOP853, tolerances 1e-10": solve_ivp(
        lorenz, (0, t_eval[-1]), x0, t_eval=t_eval, method="DOP853", rtol=1e-10, atol=1e-10
    ).y,
}


def features(lin):
    quad = [lin[r] * lin[c] for r in range(6) for c in range(r, 6)]
    return np.concatenate([[1.0], lin, quad])


np.seterr(all="ignore")  # a diverging forecast overflows; it is counted below
for name, x in data.items():
    sigma = x.std(axis=1)
    for ridge in [2.5e-6, 1e-4, 1e-3, 1e-2, 1e-1]:
        errors = []
        for k in range(trials):
            s = k * shift
            ts = range(s + warmup - 1, s + warmup + train - 1)
            F = np.array([features(np.concatenate([x[:, t], x[:, t - 1]])) for t in ts]).T
            Y = x[:, s + warmup : s + warmup + train] - x[:, s + warmup - 1 : s + warmup + train - 1]
            W = Y @ F.T @ np.linalg.inv(F @ F.T + ridge * np.eye(28))
            end = s + warmup + train
            u, prev = x[:, end - 1], x[:, end - 2]
            forecast = []
            for _ in range(test):
                u, prev = u + W @ features(np.concatenate([u, prev])), u
                forecast.append(u)
            e = np.sqrt(np.mean(((x[:, end : end + test] - np.array(forecast).T) / sigma[:, None]) ** 2))
            errors.append(e if np.isfinite(e) and e < 1 else np.inf)
        errors = np.array(errors)
        print(
            f"{name:25s} ridge {ridge:7.1e}: median test NRMSE {np.median(errors):.2e}, "
            f"diverged in {np.sum(~np.isfinite(errors))} of {trials}"
        )
