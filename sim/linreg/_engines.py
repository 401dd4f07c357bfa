"""The exact risk of constant-step SGD by either exact engine, chosen by cost: the measurements of the CBS study.

Two engines compute the same expectations (tests/test_linreg_spectral.py: 1e-10 relative):

* "recursion" (:mod:`._exact`): the second-moment recursion, O(n·d), and the reference;
* "spectral" (:mod:`._spectral`): the eigendecomposition of the moment map, O(d²) whatever n.

``method="auto"`` takes the spectral engine once n exceeds a multiple of d at which it is the
faster (:data:`SPECTRAL_FROM`, from benchmarks/linreg.py), and the recursion below that, for an
unstable step size (the spectral sums assume every μ_k < 1) or where two directions decay at
exactly one rate (the secular equation would need deflation).
"""

import functools
import math

import numpy as np

from batchlab.sim import errors
from batchlab.sim.linreg._exact import RISKS, ExactRisk, recursion_risk, risk_path
from batchlab.sim.linreg._problem import LinRegProblem, one_pass_steps, tail_start
from batchlab.sim.linreg._spectral import SpectralMap, spectral_map
from batchlab.sim.linreg._spectral_ewa import ewa_first_below, ewa_risk
from batchlab.sim.linreg._strategies import Strategy, strategy_path
from batchlab.sim.targets import steps_to_target

METHODS = ("auto", "spectral", "recursion")
# n/d above which "auto" takes the spectral engine, per measurement (benchmarks/linreg.py part 4's break-even,
# d = 300 and 1000):
# one risk at step n costs the recursion ~1.2 ns·n·d and the spectral engine ~27 ns·d² (eigensystem and one
# O(d²) sum), even at n ≈ 24d; a first passage costs the spectral engine 15–30 O(d²) sums where the
# recursion stops at the crossing: even at n ≈ 160d. Constant + EWA (:mod:`._spectral_ewa`, part 6): one risk
# with its map is even at ~16d, one more τ at the same γ (the map kept, :func:`_kept_map`) at ~4d, so a τ tuning
# (a map and ~15 risks per γ) breaks even near 6d; a first passage (a few evaluations, recursion strides where
# the certificate stalls) between 64d and 256d.
SPECTRAL_FROM = {"risk": 24, "first_passage": 160, "ewa_risk": 8, "ewa_first_passage": 128}
# Beyond this many coordinate-steps the recursion is not an option (minutes per call).
RECURSION_LIMIT = 1e11


def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`, else :class:`batchlab.InvalidParameter`."""
    if method not in METHODS:
        raise errors.InvalidParameter("method", "'auto', 'spectral' or 'recursion'", method)
    return method


def _wants_map(problem: LinRegProblem, steps: int, method: str, measurement: str) -> bool:
    """Whether ``method`` asks for the spectral engine at ``steps`` (or "auto" finds it the faster there)."""
    return check_method(method) == "spectral" or (
        method == "auto" and steps >= SPECTRAL_FROM[measurement] * problem.dim)


@functools.lru_cache(maxsize=4)
def _kept_map(problem: LinRegProblem, lr: float, batch: int) -> SpectralMap:
    """:func:`spectral_map`, kept for the next calls: tuning EWA's τ at one γ asks for the same map each time.

    A few maps (O(d²) each) per process; problems are keyed by identity (each sweep task builds its own).
    """
    return spectral_map(problem, lr=lr, batch=batch)


def _map_or_none(problem: LinRegProblem, lr: float, batch: int, steps: int, method: str,
                 measurement: str, *, keep: bool = False) -> SpectralMap | None:
    """The spectral map where ``method`` asks for it (or "auto" finds it faster), else None for the recursion.

    ``keep``: take it from (and leave it in) :func:`_kept_map`.
    """
    if not _wants_map(problem, steps, method, measurement):
        return None
    try:
        spectral = _kept_map(problem, float(lr), int(batch)) if keep else spectral_map(problem, lr=lr, batch=batch)
    except errors.InvalidParameter:
        if method == "spectral":
            raise
        return None
    if spectral.stable:
        return spectral
    if method == "spectral" and steps * problem.dim > RECURSION_LIMIT:
        raise errors.InvalidParameter("lr", f"below the mean-square stability limit "
                                            f"{problem.stability_limit(batch):.6g} "
                                            "for the spectral engine", lr)
    return None  # an unstable run blows up: the recursion stops there


def _maps_for(problem: LinRegProblem, lr: float, batch: int, steps: list[int], method: str,
              measurement: str) -> list[SpectralMap | None]:
    """Per step count, the map :func:`_map_or_none` would use there (one map built for all of them), or None."""
    wanted = [_wants_map(problem, n, method, measurement) for n in steps]
    if not any(wanted):
        return [None] * len(steps)
    spectral = _map_or_none(problem, lr, batch, max(n for n, w in zip(steps, wanted) if w), method, measurement)
    return [spectral if w else None for w in wanted]


def exact_risk(problem: LinRegProblem, *, lr: float, batch: int, samples: int, method: str = "auto") -> ExactRisk:
    """Exact expected excess risk of one-pass mini-batch SGD (n = samples/batch steps, w_0 = 0).

    ``method``: "recursion" (O(n·d), with the risk paths), "spectral" (O(d²) for any n, no paths)
    or "auto" (the faster). Never overflows: a run whose expected risk exceeds
    ``BLOWUP_FACTOR·(R_0 + σ²)`` stops and is reported as diverged.
    """
    lr = errors.real("lr", lr, gt=0)
    steps = one_pass_steps(batch, samples)
    spectral = _map_or_none(problem, lr, batch, steps, method, "risk")
    if spectral is None:
        return recursion_risk(problem, lr=lr, batch=batch, steps=steps)
    lr_max = problem.stability_limit(batch)
    blown = spectral.diverged_at(steps)
    if blown is not None:
        risks = dict.fromkeys(RISKS)
    else:
        start = tail_start(steps)
        bias_last, variance_last = spectral.last(steps)
        bias, variance = spectral.averaged(steps)
        risks = dict(last=bias_last + variance_last, averaged=bias + variance,
                     tail_averaged=sum(spectral.averaged(steps, start)), bias=bias, variance=variance,
                     bias_last=bias_last, variance_last=variance_last)
    return ExactRisk(**{k: None if v is None else float(v) for k, v in risks.items()}, steps=steps, lr=lr,
                     batch=batch, lr_max=lr_max, diverged=blown is not None, diverged_at=blown, last_path=None,
                     averaged_path=None, engine="spectral")


def final_risk(problem: LinRegProblem, *, lr: float, batch: int, steps: int, iterate: str = "averaged",
               method: str = "auto") -> float:
    """E excess of the ``iterate`` ("averaged" w̄_n or "last" w_n) after ``steps`` steps; inf if the run diverged."""
    return final_risks(problem, lr=lr, batch=batch, steps=[steps], iterate=iterate, method=method)[0]


def final_risks(problem: LinRegProblem, *, lr: float, batch: int, steps, iterate: str = "averaged",
                method: str = "auto") -> list[float]:
    """:func:`final_risk` after each of several step counts, from one spectral map and one recursion run.

    Each engine is chosen per step count as :func:`final_risk` chooses it, so every value is the one it
    gives alone; the recursion runs once, to the largest count it serves.
    """
    steps = [int(n) for n in steps]
    maps = _maps_for(problem, lr, batch, steps, method, "risk")
    values = [math.inf] * len(steps)
    by_recursion = [n for n, spectral in zip(steps, maps) if spectral is None]
    if by_recursion:
        path = risk_path(problem, lr=lr, batch=batch, steps=max(by_recursion))
        losses = path.averaged if iterate == "averaged" else path.last[1:]
    by_map = [(n, spectral) for n, spectral in zip(steps, maps) if spectral is not None]
    blown = by_map[0][1].diverged_at(max(n for n, _ in by_map)) if by_map else None  # one map serves them all
    for j, (n, spectral) in enumerate(zip(steps, maps)):
        if spectral is None:
            if not (path.diverged and n >= path.steps_run):  # a run blown up within n steps has no risk at n
                values[j] = float(losses[n - 1])
        elif blown is None or blown > n:
            values[j] = float(sum(spectral.averaged(n) if iterate == "averaged" else spectral.last(n)))
    return values


def final_moments(problem: LinRegProblem, *, lr: float, batch: int, steps: int, method: str = "auto") -> np.ndarray:
    """E[(w_n − w*)_i²] per coordinate after ``steps`` steps (for McCandlish's noise scales)."""
    spectral = _map_or_none(problem, lr, batch, steps, method, "risk")
    if spectral is None:
        return risk_path(problem, lr=lr, batch=batch, steps=steps).second_moments
    return spectral.second_moments(steps)


def steps_to(problem: LinRegProblem, *, lr: float, batch: int, target: float, max_steps: int,
             iterate: str = "averaged", method: str = "auto") -> float:
    """Fractional steps to the first ``iterate`` risk ≤ ``target`` within ``max_steps``; inf if not reached.

    As :func:`batchlab.sim.targets.steps_to_target` on the whole path: the crossing interpolated
    log-linearly between the last step above the target and the first at or below it.
    """
    return steps_to_each(problem, lr=lr, batch=batch, targets=[target], limits=[max_steps], iterate=iterate,
                         method=method)[0]


def steps_to_each(problem: LinRegProblem, *, lr: float, batch: int, targets, limits, iterate: str = "averaged",
                  method: str = "auto") -> list[float]:
    """:func:`steps_to` for each (``targets[j]``, ``limits[j]``), from one spectral map and one recursion run.

    Each engine is chosen per pair as :func:`steps_to` chooses it, so every value is the one it gives
    alone; the recursion runs once, until each of its targets is reached or past its limit.
    """
    targets, limits = [float(t) for t in targets], [int(n) for n in limits]
    first = 1 if iterate == "averaged" else 0
    maps = _maps_for(problem, lr, batch, limits, method, "first_passage")
    values = [math.inf] * len(targets)
    open_ = []
    for j, target in enumerate(targets):
        if iterate == "last" and problem.initial_risk <= target:  # w_0 is there already (the recursion starts at 1)
            values[j] = 0.0
        elif maps[j] is not None:
            values[j] = _spectral_passage(maps[j], target, limits[j], iterate)
        else:
            open_.append(j)
    if open_:
        path = risk_path(problem, lr=lr, batch=batch, steps=max(limits[j] for j in open_),
                         stop_below=[targets[j] for j in open_], stop_after=[limits[j] for j in open_],
                         iterate=iterate)
        losses = path.averaged if iterate == "averaged" else path.last
        settled = path.steps_run - 1 if path.diverged else path.steps_run  # the blown-up step crosses nothing
        for j in open_:
            run = min(limits[j], settled)
            found = steps_to_target(losses[:run + 1 - first], targets[j], first_step=first)
            if found.reached:
                values[j] = found.fractional
    return values


def _spectral_passage(spectral: SpectralMap, target: float, max_steps: int, iterate: str) -> float:
    """:func:`steps_to` by the spectral engine: the certified first step, and the crossing interpolated before it."""
    first = 1 if iterate == "averaged" else 0
    found, _ = spectral.first_below(target, max_steps, iterate)
    if found is None:
        return math.inf
    blown = spectral.diverged_at(found)
    if blown is not None:  # the recursion stops at the blow-up: it never sees the crossing
        return math.inf
    if found == first:
        return float(found)

    def risk(step):
        return sum(spectral.averaged(step) if iterate == "averaged" else spectral.last(step))

    return steps_to_target([risk(found - 1), risk(found)], target, first_step=found - 1).fractional


def plain_iterate(strategy: Strategy) -> str:
    """The ``iterate`` of a plain strategy (:attr:`Strategy.plain`) for the functions above."""
    return "averaged" if strategy.average == "uniform" else "last"


def _ewa_map(problem, lr, batch, steps, strategy, method, measurement) -> SpectralMap | None:
    """The spectral map for constant + EWA where ``method`` asks for it (or "auto" finds it faster), else None.

    Only constant-step SGD without momentum has the symmetric map; other strategies run the recursion, and
    asking for the spectral engine there is an error.
    """
    check_method(method)
    if not (strategy.average == "ewa" and strategy.anytime and strategy.momentum == 0.0):
        if method == "spectral":
            raise errors.InvalidParameter("method", "'auto' or 'recursion' for this strategy (the spectral engine "
                                                    "takes constant-step SGD without momentum)", method)
        return None
    return _map_or_none(problem, lr, batch, steps, method, "ewa_" + measurement, keep=True)


def strategy_final_risk(problem: LinRegProblem, *, lr: float, batch: int, steps: int, strategy: Strategy,
                        method: str = "auto") -> float:
    """E excess of ``strategy``'s evaluated point after ``steps`` steps (a schedule's horizon); inf if diverged.

    A plain strategy (constant-step SGD evaluated at w̄ or w_n) by :func:`final_risk`; constant + EWA (β = 0) by
    the spectral engine (:mod:`._spectral_ewa`) or the recursion, ``method`` choosing as there; any other by the
    strategy recursion (:func:`batchlab.sim.linreg.strategy_path`).
    """
    if strategy.plain:
        return final_risk(problem, lr=lr, batch=batch, steps=steps, iterate=plain_iterate(strategy), method=method)
    spectral = _ewa_map(problem, lr, batch, steps, strategy, method, "risk")
    if spectral is None:
        return strategy_path(problem, lr=lr, batch=batch, steps=steps, strategy=strategy).final
    if spectral.diverged_at(steps) is not None:
        return math.inf
    return float(sum(ewa_risk(spectral, steps, strategy.ema_decay)))


def strategy_steps_to(problem: LinRegProblem, *, lr: float, batch: int, target: float, max_steps: int,
                      strategy: Strategy, method: str = "auto") -> float:
    """Fractional steps until ``strategy``'s evaluated point first has risk ≤ ``target``; inf if not within max_steps.

    For a constant learning rate only (:attr:`Strategy.anytime`: one run's path serves every horizon; a
    schedule's steps to a target need its horizon swept, :mod:`._strategy_tuning`). The crossing is interpolated
    as by :func:`steps_to`, which computes it for a plain strategy; constant + EWA may take the spectral engine's
    certified first passage (:func:`batchlab.sim.linreg._spectral_ewa.ewa_first_below`).
    """
    if strategy.plain:
        return steps_to(problem, lr=lr, batch=batch, target=target, max_steps=max_steps,
                        iterate=plain_iterate(strategy), method=method)
    if not strategy.anytime:
        raise errors.InvalidParameter("schedule", "constant for a first passage in one run (a schedule's horizon "
                                                  "is swept by the CBS protocol)", strategy.schedule)
    if strategy.average == "last" and problem.initial_risk <= target:
        return 0.0
    spectral = _ewa_map(problem, lr, batch, max_steps, strategy, method, "first_passage")
    if spectral is not None:
        return _ewa_passage(spectral, strategy.ema_decay, target, max_steps)
    path = strategy_path(problem, lr=lr, batch=batch, steps=max_steps, strategy=strategy, stop_below=target)
    settled = path.steps_run - 1 if path.diverged else path.steps_run  # the blown-up step crosses nothing
    found = steps_to_target(path.evaluated[:settled], target, first_step=1)
    return found.fractional if found.reached else math.inf


def _ewa_passage(spectral: SpectralMap, tau: float, target: float, max_steps: int) -> float:
    """:func:`strategy_steps_to` for constant + EWA by the spectral engine, as :func:`_spectral_passage`."""
    found, _ = ewa_first_below(spectral, tau, target, max_steps)
    if found is None or spectral.diverged_at(found) is not None:  # the recursion stops at a blow-up
        return math.inf
    if found == 1:
        return 1.0
    before, after = (sum(ewa_risk(spectral, step, tau)) for step in (found - 1, found))
    crossing = steps_to_target([before, after], target, first_step=found - 1)
    # A step found by the search's recursion strides can sit within rounding (1e-13) of the target by the sums.
    return crossing.fractional if crossing.reached else float(found)
