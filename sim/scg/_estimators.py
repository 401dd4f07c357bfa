"""The paper's estimators of L, μ and ρ (§6.4, App. B.2), run where the true constants are known.

From one training run (iterates x_k, the stochastic gradients g_k the steps used, losses f(x_k)):

* L̂ = mean over the last ``last`` iterations of ‖g_k − g_{k−1}‖_*/‖x_k − x_{k−1}‖ (successive differences);
* μ̂ = the Huber-regression slope of the dual gradient norm ‖g_k‖_* against the loss f(x_k) (scipy's
  ``least_squares`` with ``loss="huber"``; the paper fits only where the relation looks linear, loss < 5);
* ρ̂ = mean of ‖g − G‖_*/‖g − G‖₂ over ``draws`` pairs at the final iterate, g a batch-B·S gradient and G one of
  ``large`` times the batch (the paper: B = 512 against a large batch); nan without noise (g − G = 0).

:func:`estimator_bias` returns each estimate over the problem's proved constant (:mod:`batchlab.sim.scg._problems`).
"""

import math

import numpy as np
from scipy.optimize import least_squares

from batchlab.sim import errors
from batchlab.sim.scg._lmo import NORMS
from batchlab.sim.scg._montecarlo import SCGSettings, scg_trajectory
from batchlab.sim.scg._problems import SCGProblem


def huber_slope(x, y, rounds: int = 5) -> float:
    """Slope of a Huber-loss linear fit of y on x.

    The residual scale is re-estimated robustly each round (1.4826 × the median absolute deviation around the
    current fit), starting from least squares.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    params = np.polyfit(x, y, 1)
    for _ in range(rounds):
        residual = y - np.polyval(params, x)
        scale = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
        if scale == 0.0:
            break
        params = least_squares(lambda p: (p[0] * x + p[1] - y) / scale, params, loss="huber").x
    return float(params[0])


def estimate_constants(problem: SCGProblem, settings: SCGSettings, *, batch: int, seq: int = 1, tokens: int,
                       beta: float, last: int = 100, large: int = 64, draws: int = 200, seed: int = 0) -> dict:
    """L̂, μ̂, ρ̂ from one run of Algorithm 1 (see the module docstring)."""
    last, large, draws = errors.integer("last", last, ge=2), errors.integer("large", large, ge=2), \
        errors.integer("draws", draws, ge=2)
    xs, gs, values = scg_trajectory(problem, settings, batch=batch, seq=seq, tokens=tokens, beta=beta, seed=seed)
    norm = NORMS[settings.lmo]
    k = np.arange(max(1, gs.shape[0] - last), gs.shape[0])
    smooth = problem.norm_of(norm.dual, gs[k] - gs[k - 1]) / problem.norm_of(norm.norm, xs[k] - xs[k - 1])
    mu = huber_slope(values[:-1], problem.norm_of(norm.dual, gs))
    rng = np.random.default_rng([seed, 1])
    sigma = settings.sigma_star / math.sqrt(batch * seq)
    noise_sd = np.sqrt(problem.noise)
    if sigma == 0.0:  # g − G = 0: the ratio is undefined
        return {"L": float(np.mean(smooth)), "mu": mu, "rho": math.nan}
    ratios = []
    for _ in range(draws):
        small = sigma * noise_sd * rng.standard_normal(problem.dim)
        big = sigma / math.sqrt(large) * noise_sd * rng.standard_normal(problem.dim)
        # the gradient itself cancels in g − G
        ratios.append(problem.norm_of(norm.dual, small - big)[0] / np.linalg.norm(small - big))
    return {"L": float(np.mean(smooth)), "mu": mu, "rho": float(np.mean(ratios))}


def estimator_bias(problem: SCGProblem, settings: SCGSettings, **run) -> dict:
    """Each estimate over the true constant of ``problem`` in the run's geometry (1 = unbiased).

    ``run`` as :func:`estimate_constants` takes it.
    """
    estimates = estimate_constants(problem, settings, **run)
    truth = problem.constants(settings.lmo, settings.radius)
    return {name: estimates[name] / truth[name] for name in ("L", "mu", "rho")} | {"estimates": estimates,
                                                                                     "truth": truth}
