"""The U-curve: final suboptimality against B·S at a fixed token budget T, the step tuned per point.

For each budget T and each B·S (batches of B·S single-token sequences: only the product enters the noise
σ = σ*/√(BS) and K = T/(BS)), the Frank–Wolfe step β = c/K is tuned over a grid of c = βK with α fixed: the
criterion is the Monte Carlo mean of f(x_K) − f* (the same seed for every c, so the comparison between c is
paired), minimised on the grid by :func:`batchlab.sim.tuning.minimize_on_grid`. Every (T, B·S) is a task of a cached
:func:`batchlab.sim.sweep.sweep`. BS*(T) is the argmin of the tuned error over B·S, refined by a parabola in log-log
(:func:`batchlab.sim.critical_batch.log_parabola_argmin`); its log-log slope against T is the measured BST exponent.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import log_parabola_argmin, loglog_slope
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.scg._montecarlo import SCGSettings, scg_monte_carlo
from batchlab.sim.scg._problems import SCGProblem, problem_from_spec
from batchlab.sim.sweep import DEFAULT, column, sweep
from batchlab.sim.tuning import minimize_on_grid

# The standard experiment (figure, tests, benchmark): a quadratic with a_i = 1/i in d = 100, x_0 = 0, ‖x*‖₂ = 0.5,
# η = 2, α = 0.1, σ* = 1, 32 runs per point, c = βK on a 6-point grid, four budgets 2^16..2^22 and B·S = 2^4..2^15.
STANDARD = dict(settings=SCGSettings(lmo="l2", alpha=0.1, radius=2.0, sigma_star=1.0),
                tokens=[2**16, 2**18, 2**20, 2**22], bs=[2**k for k in range(4, 16)], c_grid=(0.25, 0.5, 1, 2, 4, 8),
                reps=32, seed=0)


# The same experiment on the other test problems (figures/scg_problems.py, tests/test_scg_problems.py), 16 runs per
# point: matrix least squares 8 × 8 with the spectral LMO (c = βK tuned over 1/16..1: its tuned c is ¼ at BS*), and
# logistic loss on 32 separable points in d = 8 (margin 0.5, η = 20, σ* = 0.05; c over 1..64).
OTHER_PROBLEMS = {
    "matrix": dict(spec=dict(family="matrix", d_out=8, d_in=8, exponent=1.0, optimum=0.5, seed=0),
                   experiment=dict(settings=SCGSettings(lmo="spectral", alpha=0.1, radius=2.0, sigma_star=1.0),
                                   tokens=[2**12, 2**14, 2**16, 2**18], bs=[2**k for k in range(2, 10)],
                                   c_grid=(1 / 16, 1 / 8, 1 / 4, 1 / 2, 1), reps=16, seed=0)),
    "logistic": dict(spec=dict(family="separable", dim=8, examples=32, margin=0.5, loss="logistic", seed=0),
                     experiment=dict(settings=SCGSettings(lmo="l2", alpha=0.1, radius=20.0, sigma_star=0.05),
                                     tokens=[2**12, 2**14, 2**16, 2**18], bs=[2**k for k in range(2, 16)],
                                     c_grid=(1, 2, 4, 8, 16, 32, 64), reps=16, seed=0)),
}


def ucurve_task(problem: dict, settings: dict, tokens: int, bs: int, c_grid: list, reps: int, seed: int) -> dict:
    """Sweep task: the tuned error at one (T, B·S), with the mean and standard error at every c of the grid."""
    model, settings = problem_from_spec(problem), SCGSettings(**settings)
    iterations = tokens // bs
    means, stderrs = {}, {}

    def criterion(c, cap):
        if c / iterations > 1.0:
            return math.inf
        run = scg_monte_carlo(model, settings, batch=bs, tokens=tokens, beta=c / iterations, reps=reps, seed=seed,
                              workers=1)
        means[c], stderrs[c] = (math.inf, math.inf) if run.diverged else (float(run.mean[0]), float(run.stderr[0]))
        return means[c]

    tuned = minimize_on_grid(criterion, c_grid, refine=False)
    return {"iterations": iterations, "error": tuned.value if tuned.found else None,
            "stderr": stderrs.get(tuned.argmin), "c": tuned.argmin, "c_at_edge": tuned.at_edge,
            "means": [means.get(c) if math.isfinite(means.get(c, math.inf)) else None for c in c_grid],
            "stderrs": [stderrs.get(c) if math.isfinite(stderrs.get(c, math.inf)) else None for c in c_grid]}


@dataclass(frozen=True)
class UCurve(JSONResult):
    """Tuned error against B·S at one budget.

    ``error[k]`` (nan where every c diverged), its standard error, the tuned c = βK; ``bs_star`` the refined argmin
    (``bs_star_grid`` the grid's), ``at_edge`` when it is an end.
    """

    tokens: int
    bs: np.ndarray
    error: np.ndarray
    stderr: np.ndarray
    c: np.ndarray
    bs_star_grid: float
    bs_star: float
    at_edge: bool

    @property
    def nearest(self) -> int:
        """Index of the grid point nearest BS* (in log B·S)."""
        return int(np.argmin(np.abs(np.log(self.bs / self.bs_star))))

    @property
    def beta(self) -> np.ndarray:
        """The tuned Frank–Wolfe step β = c/K at every B·S (K = T/(B·S))."""
        return self.c * self.bs / self.tokens


def _spec(problem: SCGProblem) -> dict:
    if problem.spec is None:
        raise errors.InvalidParameter("problem", "built by a classmethod (with a spec, cacheable)", "explicit arrays")
    return problem.spec


def _settings(problem: SCGProblem, settings: SCGSettings) -> dict:
    """``settings`` as a sweep task's JSON, checked against the problem (which must have its LMO)."""
    if not isinstance(settings, SCGSettings):
        raise errors.InvalidParameter("settings", "an SCGSettings", type(settings).__name__)
    problem.check_norm(settings.lmo)
    return settings.to_dict()


def u_curves(problem: SCGProblem, settings: SCGSettings, *, tokens, bs, c_grid=(0.25, 0.5, 1, 2, 4, 8), reps: int = 32,
             seed: int = 0, cache=DEFAULT, workers: Workers = None) -> list[UCurve]:
    """:class:`UCurve` for every budget in ``tokens`` over the B·S values of ``bs`` up to that budget, one sweep."""
    spec, settings = _spec(problem), _settings(problem, settings)
    tokens = sorted({errors.integer("tokens", t) for t in tokens})
    bs = sorted({errors.integer("bs", b) for b in bs})
    if bs[0] > tokens[0]:
        raise errors.InvalidParameter("bs", f"values up to the smallest budget {tokens[0]}", bs[0])
    c_grid = sorted(errors.real("c_grid", c, gt=0) for c in c_grid)
    grids = {t: [b for b in bs if b <= t] for t in tokens}
    configs = [dict(problem=spec, settings=settings, tokens=t, bs=b, c_grid=c_grid, reps=reps, seed=seed)
               for t in tokens for b in grids[t]]
    records = iter(sweep(ucurve_task, configs, cache=cache, workers=workers, desc="SCG: U-curves"))
    curves = []
    for t in tokens:
        rows = [next(records) for _ in grids[t]]
        error = column(rows, "error")
        grid, refined, edge = log_parabola_argmin(grids[t], error)
        curves.append(UCurve(t, np.array(grids[t], dtype=np.float64), error, column(rows, "stderr"),
                             column(rows, "c"), grid, refined, edge))
    return curves


@dataclass(frozen=True)
class AlphaScan(JSONResult):
    """Tuned error (c = βK tuned) against the momentum weight α at one budget and B·S; ``alpha`` the grid's argmin."""

    tokens: int
    bs: int
    alphas: np.ndarray
    error: np.ndarray
    stderr: np.ndarray
    alpha: float


def tuned_alpha(problem: SCGProblem, settings: SCGSettings, points, *, alphas=(0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0),
                c_grid=(0.25, 0.5, 1, 2, 4, 8), reps: int = 32, seed: int = 0, cache=DEFAULT,
                workers: Workers = None) -> list[AlphaScan]:
    """For each (T, B·S) of ``points``, the error with c tuned per α over ``alphas``.

    The tasks are :func:`u_curves`'s with ``settings.alpha`` replaced, in one sweep.
    """
    spec, _ = _spec(problem), _settings(problem, settings)
    points = [(errors.integer("tokens", t), errors.integer("bs", b)) for t, b in points]
    alphas = sorted(errors.real("alphas", a, gt=0, le=1) for a in alphas)
    configs = [dict(problem=spec, settings=settings.replace(alpha=a).to_dict(), tokens=t, bs=b, c_grid=sorted(c_grid),
                    reps=reps, seed=seed) for t, b in points for a in alphas]
    records = iter(sweep(ucurve_task, configs, cache=cache, workers=workers, desc="SCG: tuned alpha"))
    scans = []
    for t, b in points:
        rows = [next(records) for _ in alphas]
        error = column(rows, "error")
        best = alphas[int(np.nanargmin(error))]
        scans.append(AlphaScan(t, b, np.array(alphas), error, column(rows, "stderr"), best))
    return scans


def bst_exponent(curves: list[UCurve]) -> float:
    """Log-log slope of the measured BS*(T) over the budgets (nan with fewer than two)."""
    return loglog_slope([c.tokens for c in curves], [c.bs_star for c in curves])
