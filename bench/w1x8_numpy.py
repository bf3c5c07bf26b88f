#!/usr/bin/env python3
"""w1x8_numpy.py - the W1x8 workload in plain numpy, for comparison with
hetsweep in the same invocation of bench/w1x8.sh.

It takes the stimulus, the task delays and degrees from a cube that hetsweep
made of bench/jobs/w1x8.yaml (so both compute the same science), then times
only what a straightforward numpy implementation does per network: the rate
network (dense W, the 8 columns batched as one N x 8 state, tanh), the
feature matrix kept whole, and ridge regression for all 882 tasks at the one
fixed lambda, scored on test. Time constants are lognormal with the job's mean
and cv but drawn by numpy (not moment-matched): the timing does not depend on
them. Prints the seconds and the mean test R^2 (a sanity check, not compared).

    /usr/bin/python3 bench/w1x8_numpy.py CUBE.h5
"""
import sys
import time

import h5py
import numpy as np


def load(cube):
    with h5py.File(cube, "r") as f:
        u = f["stimulus/u"][...]
        tasks = {name: f["tasks/" + name][...] for name in ("k", "d", "delta_steps")}
        axes = {name: f["axes/" + name][...] for name in ("heterogeneity", "n")}
    return u, tasks, axes


def targets(u, tasks, rows):
    """Y[t, task] = u_k(t + delta)^d on the rows given (all within range)."""
    y = np.empty((len(rows), len(tasks["k"])))
    for j, (k, d, shift) in enumerate(zip(tasks["k"], tasks["d"], tasks["delta_steps"])):
        y[:, j] = u[rows + shift, k - 1] ** d
    return y


def simulate(u, n, cvs, rng, p=0.1, dt=1.0, tau_mean=20.0, noise=0.1):
    mask = (rng.random((n, n)) < p) & ~np.eye(n, dtype=bool)
    w = np.where(mask, rng.normal(0.0, 1.0 / np.sqrt(p * n), (n, n)), 0.0)
    win = rng.normal(0.0, 1.0, (n, 3))
    sigma2 = np.log1p(np.asarray(cvs) ** 2)
    tau = tau_mean * np.exp(rng.normal(-sigma2 / 2, np.sqrt(sigma2), (n, len(cvs))))
    a = np.exp(-dt / tau)
    drive = u @ win.T
    scale = np.sqrt(noise) * drive.std(axis=0)
    x = np.zeros((n, len(cvs)))
    phi = np.tanh(x)
    states = np.empty((len(cvs), len(u), n))
    for t in range(len(u)):
        eta = scale * rng.standard_normal(n)
        x = a * x + (1 - a) * (w @ phi + (drive[t] + eta)[:, None])
        phi = np.tanh(x)
        states[:, t, :] = phi.T
    return states


def ridge_scores(x, y_train, y_test, train, test, lam):
    xt, xs = x[train], x[test]
    mean_x, mean_y = xt.mean(axis=0), y_train.mean(axis=0)
    xc = xt - mean_x
    g = xc.T @ xc
    c = xc.T @ (y_train - mean_y)
    g[np.diag_indices_from(g)] += lam * np.trace(g) / len(g)
    beta = np.linalg.solve(g, c)
    pred = (xs - mean_x) @ beta + mean_y
    sse = ((pred - y_test) ** 2).sum(axis=0)
    sst = ((y_test - y_test.mean(axis=0)) ** 2).sum(axis=0)
    return 1 - sse / sst


def main():
    u, tasks, axes = load(sys.argv[1])
    n, cvs = int(axes["n"][0]), list(axes["heterogeneity"])
    shift = int(np.abs(tasks["delta_steps"]).max())
    washout, train_end = 500, 20500
    train = np.arange(max(washout, shift), train_end)
    test = np.arange(train_end, len(u) - shift)
    start = time.perf_counter()
    states = simulate(u, n, cvs, np.random.default_rng(0))
    simulated = time.perf_counter()
    y_train, y_test = targets(u, tasks, train), targets(u, tasks, test)
    scores = [ridge_scores(s, y_train, y_test, train, test, 1e-6) for s in states]
    done = time.perf_counter()
    print(f"numpy W1x8: {len(cvs)} networks N = {n}, {len(tasks['k'])} tasks: "
          f"{done - start:.2f} s (simulation {simulated - start:.2f} s, readout "
          f"{done - simulated:.2f} s); mean clipped test R^2 "
          f"{np.mean(np.clip(scores, 0, None)):.3f}")


if __name__ == "__main__":
    main()
