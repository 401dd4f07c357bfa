"""Hyperparameter tuning: minimise a criterion over one positive hyperparameter on a log scale.

``minimize_on_grid`` evaluates the criterion on given points (a published protocol's grid, say),
optionally refines around the best one with bounded Brent in log x (scipy's
``minimize_scalar(method="bounded")``); ``minimize_log`` does so on a geometric grid. Both report the optimum together
with how flat the criterion is around it: the range of x
over which it stays within (1 + ``flat_tol``) of the optimum. A criterion returns ``inf``
where it has no value (a diverged run, a target never reached); those points lose.

Criteria that count something (steps to a target) can stop early: they are called as
``criterion(x, cap)`` and may return ``inf`` for anything above ``cap``. During the grid
phase ``cap`` is (1 + ``flat_tol``)·(best value so far), which cannot change the grid's
argmin; the refinement runs uncapped (Brent's path depends on the values it sees), and the
(at most two) pruned grid points that bound the flat range are evaluated again without a cap.
So pruning changes neither the optimum nor the flat range, only the cost. The grid is visited
coarse to fine (:func:`coarse_to_fine`: its middle, then the middles of the halves, ...), so that
a good value, and with it a tight cap, comes early: visited from one end, a steps-to-target
search ran its hopeless smallest learning rates to the step limit before anything had capped them.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from batchlab.sim import errors
from batchlab.sim._json import JSONResult
from batchlab.sim.progress import bar


@dataclass(frozen=True)
class Tuned(JSONResult):
    """The optimum of a criterion over x in [low, high] and the evaluations behind it.

    ``argmin``/``value``: the best evaluated point (None/inf if no point had a finite value).
    ``points``/``values``: every evaluation, sorted by x; a value is inf where the criterion has
    none or where a pruned evaluation showed only that it exceeds (1 + ``flat_tol``)·``value``. ``flat_range``: (lo, hi)
    where the
    criterion is ≤ (1 + ``flat_tol``)·value, interpolated log-linearly between evaluated points
    (an end is the search bound when the criterion is still flat there). ``at_edge``: the
    optimum sits at a search bound, so the true optimum may lie outside [low, high].
    """

    argmin: float | None
    value: float
    points: np.ndarray
    values: np.ndarray
    flat_range: tuple[float, float] | None
    flat_tol: float
    at_edge: bool

    @property
    def evaluations(self) -> int:
        """The number of points the criterion was evaluated at."""
        return int(self.points.size)

    @property
    def found(self) -> bool:
        """Whether some point had a finite value."""
        return self.argmin is not None


def _flat_edge(points, values, best, threshold, step, exact_value):
    """Walk from index ``best`` in direction ``step`` while values ≤ threshold; interpolate the exit.

    ``exact_value(k)`` gives the uncapped value of the first point outside (it may have been pruned).
    """
    k = best
    while 0 <= k + step < points.size and values[k + step] <= threshold:
        k += step
    if not 0 <= k + step < points.size:
        return float(points[k])
    inside, outside = values[k], exact_value(k + step)
    if not math.isfinite(outside):
        return float(points[k])
    share = (threshold - inside) / (outside - inside)
    return float(math.exp(math.log(points[k]) + share * (math.log(points[k + step]) - math.log(points[k]))))


def coarse_to_fine(count: int) -> list[int]:
    """The indices 0..count−1, each once: the middle, then the middles of the two halves, and so on."""
    order, spans = [], [(0, count - 1)]
    while spans:
        finer = []
        for lo, hi in spans:
            if lo <= hi:
                mid = (lo + hi) // 2
                order.append(mid)
                finer += [(lo, mid - 1), (mid + 1, hi)]
        spans = finer
    return order


def minimize_log(criterion, low: float, high: float, *, grid: int = 12, xtol: float = 0.01,
                 flat_tol: float = 0.01) -> Tuned:
    """Minimise ``criterion(x, cap)`` over ``low ≤ x ≤ high``: log grid of ``grid`` points, then Brent.

    ``xtol`` is the refinement's absolute tolerance in ln x (0.01: x to about 1%).
    Deterministic: the same criterion gives the same evaluations in the same order.
    """
    low = errors.real("low", low, gt=0)
    high = errors.real("high", high, gt=low)
    grid = errors.integer("grid", grid, ge=3)
    errors.fits_in_memory("grid", grid, 4 * 8 * grid)  # the grid, its values and their sorted copies
    return minimize_on_grid(criterion, np.exp(np.linspace(math.log(low), math.log(high), grid)), xtol=xtol,
                            flat_tol=flat_tol)


def minimize_on_grid(criterion, points, *, refine: bool = True, xtol: float = 0.01, flat_tol: float = 0.01) -> Tuned:
    """Minimise ``criterion(x, cap)`` over the increasing positive ``points`` (then Brent, if ``refine``).

    Without refinement the optimum is the first best grid point, as a plain grid search reports it.
    """
    points_in = errors.vector("points", points, positive=True)
    if points_in.size < 2 or np.any(np.diff(points_in) <= 0):
        raise errors.InvalidParameter("points", "at least two increasing values", list(points_in[:5]))
    flat_tol = errors.real("flat_tol", flat_tol, gt=0)
    low, high = float(points_in[0]), float(points_in[-1])
    seen, pruned = {}, set()
    progress = bar(total=points_in.size, desc="tune")  # the grid's evaluations; Brent's extend it

    def evaluate(x, capped=False):
        if x not in seen:
            cap = (1.0 + flat_tol) * min(seen.values(), default=math.inf) if capped else math.inf
            value = float(criterion(x, cap))
            seen[x] = value if value == value else math.inf  # NaN never wins
            if math.isinf(seen[x]) and math.isfinite(cap):
                pruned.add(x)
            if progress.n >= progress.total:
                progress.total += 1
            progress.update()
        return seen[x]

    with progress:
        for k in coarse_to_fine(points_in.size):
            evaluate(float(points_in[k]), capped=True)
        grid_values = np.array([seen[float(x)] for x in points_in])
        k = int(np.argmin(grid_values))
        logs = np.log(points_in)
        if refine and math.isfinite(grid_values[k]):
            bounds = (float(logs[max(k - 1, 0)]), float(logs[min(k + 1, logs.size - 1)]))
            # Brent's parabolic step is nan next to an inf value; it then falls back to a golden-section
            # step, which is the right move, so the arithmetic warnings are expected and silenced.
            with np.errstate(invalid="ignore", over="ignore"):
                minimize_scalar(lambda log_x: evaluate(math.exp(log_x)), bounds=bounds, method="bounded",
                                options={"xatol": xtol})
    points = np.array(sorted(seen))
    values = np.array([seen[x] for x in points])
    best = int(np.argmin(values))
    value = float(values[best])
    if not math.isfinite(value):
        return Tuned(None, math.inf, points, values, None, flat_tol, False)
    threshold = (1.0 + flat_tol) * value

    def uncapped(k):  # the exact value of evaluated point k, computing it again if it was pruned
        x = float(points[k])
        if x in pruned:
            value = float(criterion(x, math.inf))
            values[k] = seen[x] = value if value == value else math.inf
            pruned.discard(x)
        return values[k]

    flat = tuple(_flat_edge(points, values, best, threshold, step, uncapped) for step in (-1, +1))
    edge = abs(math.log(points[best]) - math.log(low)) <= xtol or abs(math.log(points[best]) - math.log(high)) <= xtol
    return Tuned(float(points[best]), value, points, values, flat, flat_tol, edge)
