"""Benchmark of the SCG Monte Carlo engine, in one run.

    python benchmarks/scg.py

1. Time per step of Algorithm 1 (momentum average, LMO, Frank–Wolfe update, Gaussian noise) against its floor,
   a kernel that only draws the stochastic gradient and calls the LMO (the issue's "gradient and LMO alone"), the
   same compiled functions: quadratics with d = 100 and 1000 (ℓ2, ℓ∞), matrix least squares 16 × 16 (spectral by
   SVD and by Newton–Schulz), logistic loss on 64 examples in d = 16: medians of five.
2. The standard U-curve experiment (sim.scg.STANDARD: 4 budgets × 12 values of B·S × 6 step sizes × 32 runs,
   d = 100) with a cold cache. Target (issue 5): under 3 minutes on this 2-core machine.
"""

import tempfile
import time

import numpy as np

from batchlab.sim._numba import jit
from batchlab.sim.scg import STANDARD, QuadraticProblem, SCGSettings, SeparableProblem, scg_monte_carlo, u_curves
from batchlab.sim.scg._montecarlo import LMO_CODES, _lmo, _stochastic_gradient

from _timing import median_time


@jit
def floor_kernel(rng, kind, a, x_star, examples, noise_sd, code, rows, sigma, steps):
    """The stochastic gradient and the LMO at a fixed x, ``steps`` times: what any SCG step must at least cost."""
    x = np.full(noise_sd.size, 0.1)
    g = np.empty(noise_sd.size)
    total = 0.0
    for _ in range(steps):
        _stochastic_gradient(rng, kind, a, x_star, examples, noise_sd, sigma, 0, x, g)
        total += _lmo(code, g, rows)[0]
    return total


CASES = [("quadratic d = 100", QuadraticProblem.power_law(100), ("l2", "linf")),
         ("quadratic d = 1000", QuadraticProblem.power_law(1000), ("l2", "linf")),
         ("matrix 16 x 16", QuadraticProblem.matrix(16, 16), ("spectral", "spectral-ns")),
         ("logistic n = 64, d = 16", SeparableProblem.gaussian(16, 64), ("l2",))]


def main():
    steps = 20_000
    print(f"SCG step cost, {steps} steps of one run (medians of 5):")
    for label, problem, lmos in CASES:
        examples = getattr(problem, "examples", np.empty((0, problem.dim)))
        for lmo in lmos:
            settings = SCGSettings(lmo=lmo, alpha=0.1, radius=2.0)
            kwargs = dict(batch=1, tokens=steps, beta=1e-3, reps=2, workers=1)
            full = median_time(lambda: scg_monte_carlo(problem, settings, **kwargs)) / (2 * steps)
            rng = np.random.default_rng(0)
            floor = median_time(lambda: floor_kernel(rng, problem.kind, problem.a, problem.x_star, examples,
                                                     np.sqrt(problem.noise), LMO_CODES[lmo],
                                                     (problem.shape or (1,))[0], 0.1, steps)) / steps
            print(f"  {label:24s} {lmo:11s}: {full * 1e6:8.3f} µs per step, floor (gradient + LMO) "
                  f"{floor * 1e6:8.3f} µs: ratio {full / floor:4.2f}")
    problem = QuadraticProblem.power_law(100)
    u_curves(problem, STANDARD["settings"], tokens=[2**12], bs=[16, 32], reps=2, cache=None)  # compile the sweep
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        u_curves(problem, cache=folder, **STANDARD)
        elapsed = time.perf_counter() - start
    print(f"\nU-curve data, 4 budgets x 12 B·S x 6 step sizes x 32 runs, d = 100, cold cache: {elapsed:6.1f} s "
          "(target < 180 s)")


if __name__ == "__main__":
    main()
