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

Several criteria on one grid (the risk after D/B steps for every data size D at one batch size B) are tuned
together by :func:`minimize_jointly`: one joint evaluation per grid point gives every criterion's value (one run
serves every step count), then each is refined alone. The answers are those of tuning each criterion alone.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from batchlab.sim import errors
from batchlab.sim.progress import bar
from batchlab.sim.results import JSONResult


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
    return minimize_log_jointly(_alone(criterion), [criterion], low, high, grid=grid, xtol=xtol,
                                flat_tol=flat_tol)[0]


def minimize_on_grid(criterion, points, *, refine: bool = True, xtol: float = 0.01, flat_tol: float = 0.01) -> Tuned:
    """Minimise ``criterion(x, cap)`` over the increasing positive ``points`` (then Brent, if ``refine``).

    Without refinement the optimum is the first best grid point, as a plain grid search reports it.
    """
    return minimize_jointly(_alone(criterion), [criterion], points, refine=refine, xtol=xtol, flat_tol=flat_tol)[0]


def _alone(criterion):
    """One criterion as a joint criterion of one: ``joint(x, caps)`` → [criterion(x, caps[0])]."""
    return lambda x, caps: [criterion(x, caps[0])]


def minimize_log_jointly(joint, criteria, low: float, high: float, *, grid: int = 12, xtol: float = 0.01,
                         flat_tol: float = 0.01) -> list[Tuned]:
    """:func:`minimize_log` for each of ``criteria`` on one grid, evaluated by ``joint`` (:func:`minimize_jointly`)."""
    low = errors.real("low", low, gt=0)
    high = errors.real("high", high, gt=low)
    grid = errors.integer("grid", grid, ge=3)
    errors.fits_in_memory("grid", grid, 4 * 8 * grid)  # the grid, its values and their sorted copies
    return minimize_jointly(joint, criteria, np.exp(np.linspace(math.log(low), math.log(high), grid)), xtol=xtol,
                            flat_tol=flat_tol)


class _Search:
    """One criterion's evaluations: ``seen`` maps x to its value, ``pruned`` holds the x whose value was capped."""

    def __init__(self, criterion, flat_tol, progress):
        self.criterion, self.flat_tol, self.progress = criterion, flat_tol, progress
        self.seen, self.pruned = {}, set()

    def cap(self) -> float:
        """(1 + flat_tol)·(best value so far): a grid value above it cannot be the argmin or bound the flat range."""
        return (1.0 + self.flat_tol) * min(self.seen.values(), default=math.inf)

    def record(self, x, value, cap):
        self.seen[x] = value if value == value else math.inf  # NaN never wins
        if math.isinf(self.seen[x]) and math.isfinite(cap):
            self.pruned.add(x)

    def evaluate(self, x):
        """The criterion at x, uncapped (Brent's path depends on the values it sees)."""
        if x not in self.seen:
            self.record(x, float(self.criterion(x, math.inf)), math.inf)
            self.progress.total += 1
            self.progress.update()
        return self.seen[x]

    def refine(self, points, xtol):
        """Bounded Brent in ln x between the neighbours of the best grid point."""
        grid_values = np.array([self.seen[float(x)] for x in points])
        k = int(np.argmin(grid_values))
        if not math.isfinite(grid_values[k]):
            return
        logs = np.log(points)
        bounds = (float(logs[max(k - 1, 0)]), float(logs[min(k + 1, logs.size - 1)]))
        # Brent's parabolic step is nan next to an inf value; it then falls back to a golden-section
        # step, which is the right move, so the arithmetic warnings are expected and silenced.
        with np.errstate(invalid="ignore", over="ignore"):
            minimize_scalar(lambda log_x: self.evaluate(math.exp(log_x)), bounds=bounds, method="bounded",
                            options={"xatol": xtol})

    def tuned(self, low, high, xtol) -> Tuned:
        """The optimum and its flat range, the (at most two) pruned points bounding it evaluated again uncapped."""
        points = np.array(sorted(self.seen))
        values = np.array([self.seen[x] for x in points])
        best = int(np.argmin(values))
        value = float(values[best])
        if not math.isfinite(value):
            return Tuned(None, math.inf, points, values, None, self.flat_tol, False)
        threshold = (1.0 + self.flat_tol) * value

        def uncapped(k):  # the exact value of evaluated point k, computing it again if it was pruned
            x = float(points[k])
            if x in self.pruned:
                exact = float(self.criterion(x, math.inf))
                values[k] = self.seen[x] = exact if exact == exact else math.inf
                self.pruned.discard(x)
            return values[k]

        flat = tuple(_flat_edge(points, values, best, threshold, step, uncapped) for step in (-1, +1))
        edge = (abs(math.log(points[best]) - math.log(low)) <= xtol
                or abs(math.log(points[best]) - math.log(high)) <= xtol)
        return Tuned(float(points[best]), value, points, values, flat, self.flat_tol, edge)


def minimize_jointly(joint, criteria, points, *, refine: bool = True, xtol: float = 0.01,
                     flat_tol: float = 0.01) -> list[Tuned]:
    """:func:`minimize_on_grid` for each of ``criteria`` over the same ``points``, the grid evaluated jointly.

    ``joint(x, caps)`` returns every criterion's value at x (the j-th may be inf above ``caps[j]``), as the
    criteria would one by one but cheaper where they share work: the risks after several step counts
    from one run, say. The refinement and the flat ranges' re-evaluations call each criterion alone.
    Each answer is the one :func:`minimize_on_grid` gives for its criterion, whatever the others are.
    """
    points_in = errors.vector("points", points, positive=True)
    if points_in.size < 2 or np.any(np.diff(points_in) <= 0):
        raise errors.InvalidParameter("points", "at least two increasing values", list(points_in[:5]))
    flat_tol = errors.real("flat_tol", flat_tol, gt=0)
    low, high = float(points_in[0]), float(points_in[-1])
    with bar(total=points_in.size, desc="tune") as progress:  # the grid's evaluations; Brent's extend it
        searches = [_Search(criterion, flat_tol, progress) for criterion in criteria]
        for k in coarse_to_fine(points_in.size):
            x = float(points_in[k])
            caps = [search.cap() for search in searches]
            for search, value, cap in zip(searches, joint(x, caps), caps, strict=True):
                search.record(x, float(value), cap)
            progress.update()
        for search in searches:
            if refine:
                search.refine(points_in, xtol)
        return [search.tuned(low, high, xtol) for search in searches]
