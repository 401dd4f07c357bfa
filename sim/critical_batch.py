"""Critical batch size (CBS) from measured curves: every definition batchlab reports.

Inputs are what a sweep measures at one data size D, on a grid of batch sizes B (sorted,
increasing): ``risks[k]``, the best loss reachable with D samples at batch B_k (all other
hyperparameters tuned), and ``steps[k]``, the fewest steps (hyperparameters tuned) at which
batch B_k reaches a target (``nan`` or ``inf`` where it never does within the budget).
These functions are system-agnostic; McCandlish's gradient-noise scales need gradient
statistics and live with each system (e.g. :func:`batchlab.theory.linreg.gradient_noise_scales`).

1. :func:`definition3`: Definition 3 of the seed paper (Zhang et al. 2024, §3.1), and its rule
   :func:`linear_scaling_cbs` for curves with a target but no data size.
2. :func:`fit_steps` + :func:`batchlab.theory.critical_batch.transition_cbs`: the fitted form of §3.2/App. H.
3. :func:`sfo_cbs`: the SFO-complexity CBS of the Iiduka group, argmin_B B·K(B).
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from batchlab.sim import errors
from batchlab.sim.results import JSONResult, number
from batchlab.theory.critical_batch import table6_cbs, transition_cbs


def _grid(batch_sizes, *curves):
    batches = errors.vector("batch_sizes", batch_sizes, positive=True)
    if np.any(np.diff(batches) <= 0):
        raise errors.InvalidParameter("batch_sizes", "strictly increasing", list(batches))
    out = [batches]
    for name, curve in curves:
        values = np.asarray(curve, dtype=np.float64)
        if values.shape != batches.shape:
            raise errors.InvalidParameter(name, f"of length {batches.size} (one per batch size)",
                                          f"length {values.size}")
        out.append(np.where(np.isnan(values), np.inf, values))
    return out


@dataclass(frozen=True)
class Definition3(JSONResult):
    """Definition 3 (seed paper §3.1) evaluated on a batch-size grid.

    ``r_opt`` = min_B R(B), ``b_opt`` its argmin; ``anchor`` = B_opt·f(B_opt), the samples
    used at B_opt (= D when the target is R_opt, so f*(B) = anchor/B is the paper's D/B);
    ``overhead_ratio[k]`` = f(B_k)/f*(B_k). ``b_star_grid``: the largest grid B' > B_opt with
    f(B') ≤ c·f*(B') (None if there is none). ``bracket``: that grid point (or B_opt) and the next, between which
    the ratio crosses c (None when ``censored``: no grid point beyond it fails, so B* ≥ ``b_star``). ``b_star``: on
    the grid alone, where the ratio crosses c linearly in B within the bracket (exact for S(B) = S_min(1 +
    B_noise/B), the α = 1 fitted form); once ``refined`` (:func:`refine_on_integers`), the largest integer B of the
    bracket whose steps, measured there, stay within the overhead, with those measurements in ``refinement`` as
    (B, ratio) pairs.
    """

    r_opt: float
    b_opt: float
    anchor: float
    overhead: float
    overhead_ratio: np.ndarray
    b_star_grid: float | None
    b_star: float | None
    censored: bool
    bracket: tuple[float, float] | None = None
    refined: bool = False
    refinement: tuple = ()


def definition3(batch_sizes, risks, steps, *, overhead: float = 1.2) -> Definition3:
    """B* = max{B' > B_opt : f(B') ≤ c·f*(B')}, f*(B) = D/B through (B_opt, f(B_opt)), c = ``overhead``.

    ``risks``: R(B) at the fixed data size D; ``steps``: f(B), steps to reach R_opt (or any
    target; the linear-scaling line then goes through the measured f(B_opt)).
    """
    batches, risks, _ = _grid(batch_sizes, ("risks", risks), ("steps", steps))
    if not np.any(np.isfinite(risks)):
        raise errors.InvalidParameter("risks", "finite for at least one batch size", "none finite")
    k_opt = int(np.argmin(risks))
    return linear_scaling_cbs(batches, steps, reference=float(batches[k_opt]), overhead=overhead,
                              r_opt=float(risks[k_opt]))


def linear_scaling_cbs(batch_sizes, steps, *, reference: float | None = None, overhead: float = 1.2,
                       r_opt: float = math.nan) -> Definition3:
    """Definition 3's rule with the linear-scaling line through a chosen reference batch size.

    For a steps-to-target curve with no data size (the NQM's), the reference is the smallest batch
    size by default: B* = the largest B' > B_ref with f(B') ≤ c·f(B_ref)·B_ref/B'.
    """
    overhead = check_overhead(overhead)
    batches, steps = _grid(batch_sizes, ("steps", steps))
    k_opt = 0 if reference is None else int(np.flatnonzero(batches == reference)[0])
    if not math.isfinite(steps[k_opt]):
        raise errors.InvalidParameter("steps", "finite at B_opt (B_opt must reach the target)", steps[k_opt])
    if not steps[k_opt] > 0:
        raise errors.InvalidParameter("target", "below the starting loss (reached only after some steps)",
                                      "reached at step 0")
    anchor = float(batches[k_opt] * steps[k_opt])
    ratio = steps * batches / anchor
    within = [k for k in range(k_opt + 1, batches.size) if ratio[k] <= overhead]
    b_star_grid = float(batches[within[-1]]) if within else None
    k = within[-1] if within else k_opt
    if k == batches.size - 1:
        b_star, censored = float(batches[k]), True
    elif math.isfinite(ratio[k + 1]):
        share = (overhead - ratio[k]) / (ratio[k + 1] - ratio[k])
        b_star, censored = float(batches[k] + share * (batches[k + 1] - batches[k])), False
    else:  # the next batch size never reaches the target: B* is bracketed but not interpolable
        b_star, censored = float(batches[k]), False
    bracket = None if censored else (float(batches[k]), float(batches[k + 1]))
    return Definition3(r_opt, float(batches[k_opt]), anchor, overhead, ratio, b_star_grid, b_star, censored, bracket)


def refine_on_integers(papers: list, steps_at) -> list:
    """Definition 3's B* on integer batch sizes, for several curves at once.

    Each uncensored ``papers[i]`` (:class:`Definition3` of curve i, on an integer grid) brackets B* between grid
    batch sizes lo (steps within the overhead) and hi (beyond it). Bisection on the integers between them narrows
    the bracket until hi = lo + 1, measuring f(B) at the midpoints with ``steps_at``: a function of a list of
    (i, B) returning f(B) of curve i for each (nan or inf where the target is not reached), called once per
    round, so that a sweep can run a round's measurements in parallel. B* = lo: the largest integer B of the
    bracket whose steps stay within the overhead, where the ratio f(B)/f*(B) crosses c once in the bracket (as
    for a curve that bends away from linear scaling once; otherwise one of its crossings). Curves that are
    censored, already refined or on a non-integer grid are returned as they are.
    """
    brackets = {i: [int(p.bracket[0]), int(p.bracket[1])] for i, p in enumerate(papers)
                if p.bracket is not None and not p.refined and all(float(b).is_integer() for b in p.bracket)}
    measured = {i: [] for i in brackets}
    while todo := [(i, (lo + hi) // 2) for i, (lo, hi) in brackets.items() if hi - lo > 1]:
        for (i, batch), steps in zip(todo, steps_at(todo), strict=True):
            ratio = steps * batch / papers[i].anchor if math.isfinite(steps) else math.inf
            measured[i].append((batch, float(ratio)))
            brackets[i][0 if ratio <= papers[i].overhead else 1] = batch
    return [dataclasses.replace(p, b_star=float(brackets[i][0]), refined=True, refinement=tuple(measured[i]))
            if i in brackets else p for i, p in enumerate(papers)]


@dataclass(frozen=True)
class FittedForm(JSONResult):
    """log Y = log(a + b/B^α) fitted by least squares in log Y (seed paper §3.2, Table 6).

    ``cbs``: the root of the transition equation (a + b/B^α)B = c(a + b/B_opt^α)B_opt;
    ``cbs_table6``: the Table 6 caption's ((b + 5a·1.2·B_opt)/(5a))^{1/α}. Both are
    b/(5a) + 1.2·B_opt when α = 1 and differ otherwise. ``rms_log_residual`` is the fit's
    root-mean-square residual in ln Y; ``points`` the number of (B, Y) pairs fitted.
    """

    a: float
    b: float
    alpha: float
    alpha_fitted: bool
    b_opt: float
    overhead: float
    cbs: float
    cbs_table6: float
    rms_log_residual: float
    points: int


def fit_steps(batch_sizes, steps, *, b_opt: float, alpha: float | None = 1.0, overhead: float = 1.2) -> FittedForm:
    """Fit Y(B) = a + b/B^α to the finite (B, Y) pairs (α fixed, or fitted when ``alpha`` is None).

    a ≥ 0 and b ≥ 0 (a = 0 is pure linear scaling: B* = inf); a fitted α is kept in
    [0.05, 5]. The start is the linear least-squares fit of Y on B^−α weighted by 1/Y
    (relative residuals), so the nonlinear refinement starts next to the answer.
    """
    b_opt = errors.real("b_opt", b_opt, gt=0)
    overhead = check_overhead(overhead)
    batches, steps = _grid(batch_sizes, ("steps", steps))
    keep = np.isfinite(steps) & (steps > 0)
    batches, steps = batches[keep], steps[keep]
    needed = 2 if alpha is not None else 3
    if batches.size < needed:
        raise errors.InvalidParameter("steps", f"finite and > 0 at {needed} or more batch sizes", int(batches.size))
    start_alpha = 1.0 if alpha is None else errors.real("alpha", alpha, gt=0)
    design = np.stack([np.ones_like(batches), batches**-start_alpha], axis=1) / steps[:, None]
    a0, b0 = np.clip(np.linalg.lstsq(design, np.ones_like(steps), rcond=None)[0], 1e-12 * steps.min(), None)
    log_y = np.log(steps)

    def residual(params):
        a, b = params[0], params[1]
        power = params[2] if alpha is None else start_alpha
        return np.log(a + b * batches**-power) - log_y

    x0 = [a0, b0] + ([start_alpha] if alpha is None else [])
    lower = [0.0, 0.0] + ([0.05] if alpha is None else [])
    upper = [np.inf, np.inf] + ([5.0] if alpha is None else [])
    fit = least_squares(residual, x0, bounds=(lower, upper), x_scale=np.abs(x0), xtol=1e-14, ftol=1e-14, gtol=1e-14)
    a, b = float(fit.x[0]), float(fit.x[1])
    power = float(fit.x[2]) if alpha is None else start_alpha
    rms = float(np.sqrt(np.mean(fit.fun**2)))
    return FittedForm(a, b, power, alpha is None, b_opt, overhead, transition_cbs(a, b, power, b_opt, overhead),
                      table6_cbs(a, b, power, b_opt, overhead), rms, int(batches.size))


@dataclass(frozen=True)
class SFO(JSONResult):
    """B* = argmin_B B·K(B), the SFO-complexity CBS (Iiduka group), on a batch-size grid.

    ``b_star_grid``: the grid argmin; ``b_star``: the vertex of a parabola through ln(B·K)
    against ln B at the argmin and its two neighbours (the grid argmin at an end of the grid,
    flagged ``at_edge``). ``complexity[k]`` = B_k·K(B_k).
    """

    complexity: np.ndarray
    b_star_grid: float
    b_star: float
    at_edge: bool


def sfo_cbs(batch_sizes, steps) -> SFO:
    """The batch size minimising the number of stochastic gradients B·K(B) needed to reach the target."""
    batches, steps = _grid(batch_sizes, ("steps", steps))
    complexity = batches * steps
    if not np.any(np.isfinite(complexity)):
        raise errors.InvalidParameter("steps", "finite for at least one batch size", "none finite")
    grid_argmin, vertex, at_edge = log_parabola_argmin(batches, complexity)
    return SFO(complexity, grid_argmin, vertex, at_edge)


# The CBS definitions every CBS result answers to, by the name the library (``cbs(definition)``) and the
# command line (``--definition``) use.
DEFINITIONS = {
    "paper": "Definition 3 (seed paper §3.1): the largest B whose steps stay within the overhead of linear scaling",
    "fit": "the transition of the fitted form a + b/B (alpha = 1; seed paper §3.2, App. H)",
    "fit-alpha": "the transition of the fitted form a + b/B^alpha, alpha fitted",
    "sfo": "argmin over B of the stochastic gradients B·f(B) needed (the Iiduka group's SFO complexity)",
    "noise": "McCandlish et al.'s gradient noise scale B_noise = tr(Σ)/|g|^2",
}

# Neighbouring grid batch sizes further apart than this around B* make its value hinge on the grid.
SPARSE_GRID_RATIO = 2.0


# Definition 3's overhead factor c: above 1, and at most this (a million times linear scaling is no constraint
# at all; beyond it the fitted forms' transition equation overflows, as a fuzzed `--overhead 1e300` found).
MAX_OVERHEAD = 1e6


def check_overhead(overhead: float) -> float:
    """``overhead`` as a float in (1, MAX_OVERHEAD], else :class:`batchlab.InvalidParameter`."""
    return errors.real("overhead", overhead, gt=1, le=MAX_OVERHEAD)


def check_definition(definition: str) -> str:
    """``definition`` if it is a key of :data:`DEFINITIONS`, else :class:`batchlab.InvalidParameter`."""
    if definition not in DEFINITIONS:
        raise errors.InvalidParameter("definition", "one of " + ", ".join(DEFINITIONS), definition)
    return definition


def grid_warnings(batch_sizes, paper: Definition3, flag: str = "batches, --batches") -> tuple[str, ...]:
    """What makes Definition 3's B* on this grid less than an answer, each with the ``flag`` that mends it.

    Censored: no grid batch size beyond B* fails the overhead rule, so B* is only a lower bound. Sparse: the grid
    batch sizes that bracket B* are more than :data:`SPARSE_GRID_RATIO` apart, so the interpolated B* hinges on the
    grid; a refined B* (:func:`refine_on_integers`) does not, but the fitted forms and the SFO B* still do.
    """
    batches = np.asarray(batch_sizes, dtype=np.float64)
    if paper.censored:
        return (f"B* is censored: every batch size up to the largest, {batches[-1]:.6g}, is within the overhead, so "
                f"B* >= {batches[-1]:.6g}; extend the grid to larger batch sizes ({flag})",)
    if paper.bracket is None or paper.bracket[1] / paper.bracket[0] <= SPARSE_GRID_RATIO:
        return ()
    low, high = paper.bracket
    gap = f"grid batch sizes {low:.6g} and {high:.6g}, {high / low:.3g}x apart (more than {SPARSE_GRID_RATIO:g}x)"
    if paper.refined:
        return (f"B* = {paper.b_star:.6g} was located on the integers between {gap}; the fitted forms and the SFO B* "
                f"rest on the grid alone there: add batch sizes between them ({flag})",)
    return (f"B* = {paper.b_star:.4g} lies between {gap}: the value hinges on the grid; add batch sizes between them "
            f"({flag})",)


def curve_definitions(batch_sizes, steps, *, b_opt: float, overhead: float, paper: Definition3) -> dict:
    """The fitted forms (α = 1, and α fitted) and the SFO B* of a steps curve, beside its Definition 3 result.

    A fit needs finite steps at 2 (α = 1) or 3 (α fitted) batch sizes; with fewer it is None.
    """
    batches, steps = _grid(batch_sizes, ("steps", steps))
    finite = int(np.isfinite(steps).sum())
    fit, fit_alpha = (fit_steps(batches, steps, b_opt=b_opt, alpha=alpha, overhead=overhead) if finite >= needed
                      else None for alpha, needed in ((1.0, 2), (None, 3)))
    return dict(paper=paper, fit=fit, fit_alpha=fit_alpha, sfo=sfo_cbs(batches, steps))


@dataclass(frozen=True, kw_only=True)
class CBSCurve(JSONResult):
    """Steps against batch size, and the critical batch size by every definition of :data:`DEFINITIONS`.

    The shape linear regression's and the NQM's CBS results share: ``batch_sizes`` (increasing), ``steps``
    (fractional steps to the target; nan where it is never reached), ``paper`` (:class:`Definition3`), ``fit``
    and ``fit_alpha`` (:class:`FittedForm`, None with too few finite points), ``sfo`` (:class:`SFO`),
    ``b_noise``/``b_simple`` (McCandlish's scales; None where undefined) and ``warnings``: what makes B* less than
    an answer on this grid (:func:`grid_warnings`), each naming the flag that mends it.
    """

    batch_sizes: np.ndarray
    steps: np.ndarray
    paper: Definition3
    fit: FittedForm | None
    fit_alpha: FittedForm | None
    sfo: SFO
    b_noise: float | None
    b_simple: float | None
    warnings: tuple[str, ...] = ()

    def cbs(self, definition: str = "paper") -> float | None:
        """B* by ``definition`` (a key of :data:`DEFINITIONS`); None where it does not exist (no finite value)."""
        forms = {"fit": self.fit, "fit-alpha": self.fit_alpha}
        if check_definition(definition) in forms:
            return None if forms[definition] is None else number(forms[definition].cbs)
        return number({"paper": self.paper.b_star, "sfo": self.sfo.b_star, "noise": self.b_noise}[definition])

    def cbs_by_definition(self) -> dict:
        """{definition: B*} for every definition of :data:`DEFINITIONS`."""
        return {name: self.cbs(name) for name in DEFINITIONS}

    def to_dict(self) -> dict:
        """Every field, JSON-safe."""
        return super().to_dict() | {"batch_sizes": [int(b) for b in self.batch_sizes],
                                    "cbs_by_definition": self.cbs_by_definition()}


def log_parabola_argmin(x, y) -> tuple[float, float, bool]:
    """(grid argmin, refined argmin, at_edge) of y over increasing x > 0.

    The refined one is the vertex of the parabola through ln y against ln x at the grid argmin and its two
    neighbours (clipped to them), or the grid argmin itself at an end of the grid, next to a non-finite value, or
    where the parabola is not convex.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    k = int(np.argmin(np.where(np.isfinite(y), y, np.inf)))
    if k in (0, x.size - 1) or not np.all(np.isfinite(y[k - 1:k + 2])):
        return float(x[k]), float(x[k]), k in (0, x.size - 1)
    lx, ly = np.log(x[k - 1:k + 2]), np.log(y[k - 1:k + 2])
    curvature, slope, _ = np.polyfit(lx, ly, 2)
    vertex = -slope / (2.0 * curvature) if curvature > 0 else lx[1]
    return float(x[k]), float(np.exp(np.clip(vertex, lx[0], lx[2]))), False


def loglog_slope(x, y) -> float:
    """Least-squares slope of ln y against ln x over the finite positive pairs (nan with fewer than two)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0])
