"""Benchmark of the SCG Monte Carlo engine, in one run.

    python benchmarks/scg.py

1. Time per step of Algorithm 1 (momentum average, LMO, Frank–Wolfe update, on a d-dimensional quadratic with
   Gaussian noise) against its floor, a kernel that only draws the stochastic gradient and calls the LMO (the
   issue's "gradient and LMO alone"), for d = 100 and 1000 and the ℓ2 and ℓ∞ LMOs: medians of five.
2. The standard U-curve experiment (sim.scg.STANDARD: 4 budgets × 12 values of B·S × 6 step sizes × 32 runs,
   d = 100) with a cold cache. Target (issue 5): under 3 minutes on this 2-core machine.
"""

import tempfile
import time

import numpy as np

from _timing import median_time
from sim._numba import jit
from sim.scg import STANDARD, QuadraticProblem, scg_monte_carlo, u_curves
from sim.scg._montecarlo import LMO_CODES, _lmo


@jit
def floor_kernel(rng, a, x_star, noise_sd, code, sigma, steps):
    """The stochastic gradient and the LMO at a fixed x, ``steps`` times: what any SCG step must at least cost."""
    d = a.size
    g = np.empty(d)
    total = 0.0
    for _ in range(steps):
        for i in range(d):
            g[i] = a[i] * (0.1 - x_star[i]) + sigma * noise_sd[i] * rng.standard_normal()
        total += _lmo(code, g)[0]
    return total


def main():
    steps = 20_000
    print(f"SCG step cost, {steps} steps of one run (medians of 5):")
    for dim in (100, 1000):
        problem = QuadraticProblem.power_law(dim)
        noise_sd = np.sqrt(problem.noise)
        for lmo in ("l2", "linf"):
            kwargs = dict(lmo=lmo, batch=1, seq=1, tokens=steps, beta=1e-3, alpha=0.1, radius=2.0, reps=2, workers=1)
            full = median_time(lambda: scg_monte_carlo(problem, **kwargs)) / (2 * steps)
            rng = np.random.default_rng(0)
            floor = median_time(lambda: floor_kernel(rng, problem.a, problem.x_star, noise_sd, LMO_CODES[lmo], 0.1,
                                                     steps)) / steps
            print(f"  d = {dim:5d}, {lmo:4s}: {full * 1e6:7.3f} µs per step, floor (gradient + LMO) "
                  f"{floor * 1e6:7.3f} µs: ratio {full / floor:4.2f}")
    problem = QuadraticProblem.power_law(100)
    u_curves(problem, tokens=[2**12], bs=[16, 32], reps=2, cache=None)  # compile the sweep's path
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        u_curves(problem, lmo="l2", cache=folder, **STANDARD)
        elapsed = time.perf_counter() - start
    print(f"\nU-curve data, 4 budgets x 12 B·S x 6 step sizes x 32 runs, d = 100, cold cache: {elapsed:6.1f} s "
          "(target < 180 s)")


if __name__ == "__main__":
    main()
