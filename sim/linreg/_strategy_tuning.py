"""The CBS protocol for a training strategy: γ and every hyperparameter the strategy leaves open, tuned per batch size.

A :class:`batchlab.sim.linreg.Strategy` fixes how SGD runs; the protocol tunes, per batch size B, the peak
learning rate γ and whatever the strategy leaves as None: EWA's τ (over a continuum), heavy-ball β (from
:data:`MOMENTA`), WSD's decay fraction (from :data:`WSD_DECAYS`), as the seed paper tunes τ per batch size and
sweeps β and the decay (its Appendices C–E). Two criteria, as for plain SGD (:mod:`._cbs`):

* R(D, B): the evaluated point's risk after one pass, n = D/B steps (a schedule's horizon is n);
* f(B): the steps to a target, training allowed past D samples up to a limit. With a constant learning rate
  one run's path serves every horizon: the first crossing of the evaluated risk
  (:func:`batchlab.sim.linreg.strategy_steps_to`). A schedule (cosine, WSD) depends on its horizon, which is
  swept as the paper does ("sweeps over various maximum optimization steps to identify the optimal value, and
  then rerun the training using this step count"): f(B) is the first crossing within the run of the smallest
  horizon whose tuned final risk reaches the target, found by bisection on the horizon. That presumes the
  tuned final risk does not rise with the horizon; tests/test_linreg_strategy_tuning.py checks it step by step.

Nesting: the hyperparameters on a grid (β, WSD's decay) outermost, each value a tuning of its own, the best
kept (β sets the stable range of γ, :func:`batchlab.theory.linreg.ms_stability_limit` with momentum); γ over
fractions of that range (:class:`batchlab.sim.linreg.LrSearch`, log grid and bounded Brent, with its caps and flat
range); τ innermost, its least value the criterion of γ (:class:`EmaSearch`). Ties go to the first candidate,
so the answer is deterministic.
"""

import itertools
import math
from dataclasses import dataclass

from batchlab.sim import errors
from batchlab.sim.linreg._engines import check_method, strategy_final_risk, strategy_steps_to
from batchlab.sim.linreg._problem import LinRegProblem, one_pass_steps
from batchlab.sim.linreg._strategies import MOMENTA, WSD_DECAYS, Strategy, strategy_path
from batchlab.sim.results import JSONResult
from batchlab.sim.targets import steps_to_target
from batchlab.sim.tuning import Tuned, minimize_log


@dataclass(frozen=True)
class EmaSearch(JSONResult):
    """Where EWA's τ is tuned: 1 − τ over [1/(``span``·n), 1], n the run's step count or step limit.

    1 − τ = 1/W, W the window in steps: from one step (τ = 0, ξ_{t+1} = w_t) to ``span`` times the run (longer
    windows keep ξ near w_0 = 0). A log grid with ``per_octave`` points per octave of W (at least three), refined
    by bounded Brent to ``xtol`` in ln(1 − τ). A density, not a count: near a target the best runs barely reach,
    the windows that reach it at all span about an octave (tests/test_linreg_strategy_tuning.py), and a coarser
    grid can miss them all and leave Brent on the wrong side.
    """

    span: float = 2.0
    per_octave: float = 1.0
    xtol: float = 0.01

    def __post_init__(self):
        errors.real("span", self.span, ge=1)
        errors.real("per_octave", self.per_octave, gt=0)
        errors.real("xtol", self.xtol, gt=0)

    def grid(self, steps: int) -> int:
        """The grid's size for runs of ``steps`` steps."""
        return max(3, math.ceil(self.per_octave * math.log2(self.span * steps)) + 1)


@dataclass(frozen=True)
class StrategyTuned(JSONResult):
    """The optimum over every open hyperparameter of a strategy.

    ``tuned``: γ's tuning at the chosen others; ``strategy``: the concrete strategy it ran (τ, β, decay given);
    ``horizon``: the schedule's horizon of a steps-to-target search (None otherwise).
    """

    tuned: Tuned
    strategy: Strategy
    horizon: int | None = None

    @property
    def found(self) -> bool:
        return self.tuned.found

    @property
    def value(self) -> float:
        return self.tuned.value

    @property
    def lr(self) -> float | None:
        return self.tuned.argmin

    def record(self) -> dict:
        """JSON: γ's tuning (as the plain protocol's records) and the chosen τ, β, WSD decay and horizon.

        Each None where the strategy does not use it, and all of them where no run reached the target.
        """
        t, s = self.tuned, self.strategy
        chosen = {"ema_decay": s.ema_decay if s.average == "ewa" else None, "momentum": s.momentum,
                  "decay": s.decay if s.schedule == "wsd" else None, "horizon": self.horizon}
        return {"lr": t.argmin, "value": t.value if t.found else None,
                "lr_flat_range": list(t.flat_range) if t.found else None, "at_edge": t.at_edge,
                "evaluations": t.evaluations} | (chosen if t.found else dict.fromkeys(chosen))


def tune_strategy(problem: LinRegProblem, *, batch: int, strategy: Strategy, criterion, steps: int, search,
                  ema: EmaSearch = EmaSearch()) -> StrategyTuned:
    """The least ``criterion(concrete strategy, lr, cap)`` over γ and every hyperparameter ``strategy`` leaves open.

    ``steps``: the run's step count or step limit, which sets τ's range; ``search``: γ's
    (:class:`batchlab.sim.linreg.LrSearch`, fractions of the stability limit at each β). ``cap`` as in
    :func:`batchlab.sim.tuning.minimize_log`: a criterion may return inf for anything above it.
    """
    momenta = MOMENTA if strategy.momentum is None else (strategy.momentum,)
    decays = WSD_DECAYS if "decay" in strategy.tuned else (strategy.decay,)
    tune_tau = "ema_decay" in strategy.tuned
    best = None
    for beta, decay in itertools.product(momenta, decays):
        fixed = strategy.replace(momentum=beta, decay=decay)
        chosen = {}  # γ → the τ that attained the criterion's value there

        def at_lr(lr, cap, fixed=fixed, chosen=chosen):
            if not tune_tau:
                return criterion(fixed, lr, cap)
            inner = minimize_log(lambda x, c: criterion(fixed.replace(ema_decay=1.0 - x), lr, min(cap, c)),
                                 1.0 / (ema.span * steps), 1.0, grid=ema.grid(steps), xtol=ema.xtol)
            chosen[lr] = fixed.replace(ema_decay=1.0 - inner.argmin) if inner.found else fixed
            return inner.value

        limit = problem.stability_limit(batch, beta)
        tuned = minimize_log(at_lr, search.low * limit, search.high * limit, grid=search.grid, xtol=search.xtol,
                             flat_tol=search.flat_tol)
        if best is None or tuned.value < best.value:
            best = StrategyTuned(tuned, chosen.get(tuned.argmin, fixed))
    return best


def tuned_strategy_risk(problem: LinRegProblem, *, batch: int, samples: int, strategy: Strategy, search,
                        ema: EmaSearch = EmaSearch(), method: str = "auto") -> StrategyTuned:
    """R(D, B): the least risk of ``strategy``'s evaluated point after one pass over ``samples`` at batch ``batch``."""
    steps = one_pass_steps(batch, samples)

    def criterion(concrete, lr, cap):
        return strategy_final_risk(problem, lr=lr, batch=batch, steps=steps, strategy=concrete, method=method)

    return tune_strategy(problem, batch=batch, strategy=strategy, criterion=criterion, steps=steps, search=search,
                         ema=ema)


def tuned_strategy_steps(problem: LinRegProblem, *, batch: int, target: float, max_steps: int, strategy: Strategy,
                         search, ema: EmaSearch = EmaSearch(), method: str = "auto") -> StrategyTuned:
    """f(B): the fewest (fractional) steps for ``strategy`` to reach ``target``; value inf if over ``max_steps``.

    A schedule's horizon is swept by bisection (module docstring); ``horizon`` is the one chosen.
    """
    target = errors.real("target", target, gt=0)
    max_steps = errors.integer("max_steps", max_steps)
    check_method(method)
    if strategy.anytime:
        def criterion(concrete, lr, cap):  # a passage beyond the cap is only known to exceed it
            limit = max_steps if math.isinf(cap) else min(max_steps, math.ceil(cap) + 1)
            return strategy_steps_to(problem, lr=lr, batch=batch, target=target, max_steps=limit, strategy=concrete,
                                     method=method)

        return tune_strategy(problem, batch=batch, strategy=strategy, criterion=criterion, steps=max_steps,
                             search=search, ema=ema)

    def ending_at(horizon):  # the least final risk of a run of this horizon
        return tuned_strategy_risk(problem, batch=batch, samples=horizon * batch, strategy=strategy, search=search,
                                   ema=ema, method=method)

    reached = ending_at(max_steps)
    if not reached.value <= target:
        return StrategyTuned(_unreached(reached.tuned), reached.strategy)
    below, horizon = 0, max_steps  # no run of `below` steps reaches the target (w_0 is above it); one of `horizon` does
    while horizon - below > 1:
        middle = (below + horizon) // 2
        candidate = ending_at(middle)
        if candidate.value <= target:
            horizon, reached = middle, candidate
        else:
            below = middle
    path = strategy_path(problem, lr=reached.lr, batch=batch, steps=horizon, strategy=reached.strategy)
    crossing = steps_to_target(path.evaluated, target, first_step=1).fractional
    return StrategyTuned(_with_value(reached.tuned, crossing), reached.strategy, horizon)


def _unreached(tuned: Tuned) -> Tuned:
    """``tuned`` reported as not reaching a target: no argmin, value inf (its evaluations kept)."""
    return Tuned(None, math.inf, tuned.points, tuned.values, None, tuned.flat_tol, False)


def _with_value(tuned: Tuned, value: float) -> Tuned:
    """``tuned`` (of a final risk) carrying the steps-to-target ``value`` of its best run instead."""
    return Tuned(tuned.argmin, value, tuned.points, tuned.values, tuned.flat_range, tuned.flat_tol, tuned.at_edge)
