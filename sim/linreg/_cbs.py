"""Critical batch size of one-pass mini-batch SGD on linear regression, measured with the exact engine.

At one data size D, on a grid of batch sizes B (each dividing D):

1. R(D, B) = min_γ E excess(w̄) after D/B steps: the learning rate tuned per B over the
   mean-square-stable range (fractions of γ_max(B), :func:`batchlab.theory.linreg.ms_stability_limit`).
2. R_opt = min_B R(D, B) and B_opt, then f(B) = min_γ steps for batch B to reach the target
   (R_opt by default, as in Definition 3), learning rate tuned again, training allowed to go
   on past D samples (the paper's runs do) up to ``max_overhead``·D/B steps.
3. From the two curves: Definition 3's B*, located on the integers between the grid points that bracket it by
   measuring f(B) there (:func:`batchlab.sim.critical_batch.refine_on_integers`; B need not divide D for f), the
   fitted-form B* (α = 1 and fitted α), the SFO B* = argmin B·f(B), and McCandlish's B_noise and B_simple at the
   end of the run that attains R_opt.

Each batch size's tunings, at every D whose grid holds it, are one task of a :func:`batchlab.sim.sweep.sweep`
(parallel, cached on disk, resumable): its learning-rate grid (fractions of γ_max(B)) is the same for every D, so one
run per grid point serves them all (:func:`batchlab.sim.tuning.minimize_jointly`; each D's answer is the one its own
tuning gives).
Steps count the paper's way: after m steps the output is w̄_m = (1/m)Σ_{t<m} w_t (w_n for
``iterate="last"``); f(B) is the fractional crossing of :func:`batchlab.sim.targets.steps_to_target`.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import (
    DEFINITIONS,
    CBSCurve,
    check_definition,
    check_overhead,
    curve_definitions,
    definition3,
    grid_warnings,
    loglog_slope,
    refine_on_integers,
)
from batchlab.sim.linreg._engines import (
    check_method,
    final_moments,
    final_risk,
    final_risks,
    plain_iterate,
    steps_to,
    steps_to_each,
)
from batchlab.sim.linreg._problem import LinRegProblem, one_pass_steps
from batchlab.sim.linreg._strategies import Strategy, strategy_path
from batchlab.sim.linreg._strategy_tuning import EmaSearch, tuned_strategy_risk, tuned_strategy_steps
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult, number
from batchlab.sim.sweep import DEFAULT, column, sweep
from batchlab.sim.tuning import Tuned, minimize_log_jointly
from batchlab.theory.linreg import cbs_exponent, ewa_cbs_exponent, gradient_noise_scales

ITERATES = ("averaged", "last")

# The theories that predict B*(D) (CBSMeasurement.prediction): the seed paper's, and its EWA form without the cap.
COROLLARY_8 = "Corollary 8"
COROLLARY_8_EWA = "Corollary 8 without its cap at b = 2a + 1 (EWA)"


@dataclass(frozen=True)
class LrSearch(JSONResult):
    """Where and how finely to tune γ: fractions ``low``..``high`` of γ_max(B), searched by ``minimize_log``."""

    low: float = 1e-4
    high: float = 0.999
    grid: int = 12
    xtol: float = 0.01
    flat_tol: float = 0.01

    def __post_init__(self):
        errors.real("low", self.low, gt=0)
        errors.real("high", self.high, gt=self.low, le=1)
        errors.integer("grid", self.grid, ge=3)
        errors.real("xtol", self.xtol, gt=0)
        errors.real("flat_tol", self.flat_tol, gt=0)

    def tune(self, joint, criteria, problem: LinRegProblem, batch: int) -> list[Tuned]:
        """Each criterion(γ, cap) minimised over the range, the grid evaluated by ``joint`` (γ, caps)."""
        limit = problem.stability_limit(batch)
        return minimize_log_jointly(joint, criteria, self.low * limit, self.high * limit, grid=self.grid,
                                    xtol=self.xtol, flat_tol=self.flat_tol)


def tuned_risk(problem: LinRegProblem, *, batch: int, samples: int, search: LrSearch = LrSearch(),
               iterate: str = "averaged", method: str = "auto") -> Tuned:
    """Min over γ of the exact E excess risk after one pass over ``samples`` at batch ``batch``.

    ``method``: the exact engine, "auto", "spectral" or "recursion" (:mod:`._engines`).
    """
    return tuned_risks(problem, batch=batch, samples=[samples], search=search, iterate=iterate, method=method)[0]


def tuned_risks(problem: LinRegProblem, *, batch: int, samples, search: LrSearch = LrSearch(),
                iterate: str = "averaged", method: str = "auto") -> list[Tuned]:
    """:func:`tuned_risk` at each data size in ``samples``, the γ grid's risks at every D from one run per γ."""
    steps = [one_pass_steps(batch, d) for d in samples]

    def joint(lr, caps):
        return final_risks(problem, lr=lr, batch=batch, steps=steps, iterate=iterate, method=method)

    def criterion(n):
        return lambda lr, cap: final_risk(problem, lr=lr, batch=batch, steps=n, iterate=iterate, method=method)

    return search.tune(joint, [criterion(n) for n in steps], problem, batch)


def tuned_steps(problem: LinRegProblem, *, batch: int, target: float, max_steps: int,
                search: LrSearch = LrSearch(), iterate: str = "averaged", method: str = "auto") -> Tuned:
    """Min over γ of the (fractional) steps to reach ``target``; inf where it takes over ``max_steps``."""
    return tuned_steps_each(problem, batch=batch, targets=[target], max_steps=[max_steps], search=search,
                            iterate=iterate, method=method)[0]


def tuned_steps_each(problem: LinRegProblem, *, batch: int, targets, max_steps, search: LrSearch = LrSearch(),
                     iterate: str = "averaged", method: str = "auto") -> list[Tuned]:
    """:func:`tuned_steps` for each (``targets[j]``, ``max_steps[j]``), the γ grid's passages from one run per γ."""
    targets = [errors.real("targets", t, gt=0) for t in targets]
    max_steps = [errors.integer("max_steps", n) for n in max_steps]

    def limit(j, cap):  # a passage beyond the cap is only known to exceed it
        return max_steps[j] if math.isinf(cap) else min(max_steps[j], math.ceil(cap) + 1)

    def joint(lr, caps):
        return steps_to_each(problem, lr=lr, batch=batch, targets=targets,
                             limits=[limit(j, cap) for j, cap in enumerate(caps)], iterate=iterate, method=method)

    def criterion(j):
        return lambda lr, cap: steps_to(problem, lr=lr, batch=batch, target=targets[j], max_steps=limit(j, cap),
                                        iterate=iterate, method=method)

    return search.tune(joint, [criterion(j) for j in range(len(targets))], problem, batch)


def _tuned_record(tuned: Tuned) -> dict:
    found = tuned.found
    return {"lr": tuned.argmin, "value": tuned.value if found else None,
            "lr_flat_range": list(tuned.flat_range) if found else None, "at_edge": tuned.at_edge,
            "evaluations": tuned.evaluations}


def risk_task(problem: dict, batch: int, samples: list, search: dict, iterate: str, method: str) -> list:
    """Sweep task: :func:`tuned_risks` for one B at each D, with McCandlish's scales at the end of each best run."""
    problem = LinRegProblem.from_spec(problem)
    records = []
    for d, tuned in zip(samples, tuned_risks(problem, batch=batch, samples=samples, search=LrSearch(**search),
                                             iterate=iterate, method=method)):
        record = _tuned_record(tuned)
        record["b_simple"] = record["b_noise"] = None
        if tuned.found:
            moments = final_moments(problem, lr=tuned.argmin, batch=batch, steps=d // batch, method=method)
            record["b_simple"], record["b_noise"] = gradient_noise_scales(problem.eigenvalues, moments,
                                                                          problem.sigma, problem.weights)
        records.append(record)
    return records


def steps_task(problem: dict, batch: int, targets: list, max_steps: list, search: dict, iterate: str,
               method: str) -> list:
    """Sweep task: :func:`tuned_steps_each` for one B and its (target, max_steps) pairs, as JSON."""
    return [_tuned_record(t) for t in tuned_steps_each(LinRegProblem.from_spec(problem), batch=batch, targets=targets,
                                                        max_steps=max_steps, search=LrSearch(**search),
                                                        iterate=iterate, method=method)]


def _moments_at_end(problem, tuned, batch, steps, method) -> np.ndarray:
    """E η_n² per coordinate at the end of a strategy's tuned run (the last iterate's: no average changes it)."""
    concrete = tuned.strategy
    if concrete.anytime and concrete.momentum == 0.0:
        return final_moments(problem, lr=tuned.lr, batch=batch, steps=steps, method=method)
    return strategy_path(problem, lr=tuned.lr, batch=batch, steps=steps, strategy=concrete).second_moments


def strategy_risk_task(problem: dict, batch: int, samples: list, search: dict, method: str, strategy: dict,
                       ema: dict) -> list:
    """Sweep task: :func:`tuned_strategy_risk` for one B at each D, with McCandlish's scales at the end of each."""
    problem, strategy = LinRegProblem.from_spec(problem), Strategy(**strategy)
    records = []
    for d in samples:
        tuned = tuned_strategy_risk(problem, batch=batch, samples=d, strategy=strategy, search=LrSearch(**search),
                                    ema=EmaSearch(**ema), method=method)
        record = tuned.record() | {"b_simple": None, "b_noise": None}
        if tuned.found:
            record["b_simple"], record["b_noise"] = gradient_noise_scales(
                problem.eigenvalues, _moments_at_end(problem, tuned, batch, d // batch, method), problem.sigma,
                problem.weights)
        records.append(record)
    return records


def strategy_steps_task(problem: dict, batch: int, targets: list, max_steps: list, search: dict, method: str,
                        strategy: dict, ema: dict) -> list:
    """Sweep task: :func:`tuned_strategy_steps` for one B and each of its (target, max_steps) pairs, as JSON."""
    problem, strategy = LinRegProblem.from_spec(problem), Strategy(**strategy)
    return [tuned_strategy_steps(problem, batch=batch, target=t, max_steps=n, strategy=strategy,
                                 search=LrSearch(**search), ema=EmaSearch(**ema), method=method).record()
            for t, n in zip(targets, max_steps, strict=True)]


def _per_batch(task, requests, fields, cache, workers, desc, on_result, **common) -> list:
    """``task`` once per distinct batch size among ``requests``, (i, B) pairs: one record per request, in order.

    i is a data size's index; each task gets, per name in ``fields``, the list of ``fields[name](i, B)`` over
    its batch size's requests.
    """
    groups = {}
    for k, (i, b) in enumerate(requests):
        groups.setdefault(b, []).append(k)
    configs = [dict(common, batch=b, **{name: [value(*requests[k]) for k in ks] for name, value in fields.items()})
               for b, ks in groups.items()]
    records = [None] * len(requests)
    for ks, results in zip(groups.values(), sweep(task, configs, cache=cache, workers=workers, desc=desc,
                                                  on_result=on_result), strict=True):
        for k, record in zip(ks, results, strict=True):
            records[k] = record
    return records


def default_batches(samples: int) -> list[int]:
    """B = 2^j and 3·2^j that divide D, up to D/2 (at least two steps): a roughly half-octave grid."""
    samples = errors.integer("samples", samples, ge=2)
    return sorted(b for j in range(samples.bit_length()) for b in (2**j, 3 * 2**j)
                  if b <= samples // 2 and samples % b == 0)


@dataclass(frozen=True, kw_only=True)
class CBSMeasurement(CBSCurve):
    """Every CBS definition at one data size D (see the module docstring for the protocol).

    A :class:`batchlab.sim.critical_batch.CBSCurve` (``steps`` = f(B), fractional steps to ``target``; nan where
    not within ``max_overhead`` times D/B) with, per batch size: ``lr``, the γ that gets there fastest; ``risk`` =
    R(D, B) (nan where no γ is stable) and ``risk_lr``, the γ tuned for it, with its ``lr_flat_range`` (γ within
    which R stays within 1 + flat_tol of its optimum). ``b_noise``/``b_simple``: McCandlish's scales at the final
    iterate of the R_opt run. ``lr_at_search_edge``: some tuned γ is at an end of its search range.
    A training strategy's measurement has its ``strategy`` (as JSON; None for plain SGD) and the
    ``hyperparameters`` the protocol chose per batch size: {"risk": {"ema_decay", "momentum", "decay"}, "steps":
    {the same and "horizon"}}, nan where a strategy does not use one (a schedule's f(B) is the first crossing in the
    run of the chosen horizon, and its ``lr_flat_range`` that run's final risk's).
    """

    problem: dict
    samples: int
    iterate: str
    lr: np.ndarray
    risk: np.ndarray
    risk_lr: np.ndarray
    lr_flat_range: np.ndarray
    target: float
    max_overhead: float
    lr_at_search_edge: bool
    strategy: dict | None = None
    hyperparameters: dict | None = None

    @property
    def prediction(self) -> str | None:
        """Which theory predicts B*(D) for this measurement, or None where none does.

        "Corollary 8" for the uniform average of constant-step SGD (the seed paper's theorem); "Corollary 8 without
        its cap (EWA)" for an exponential average at a constant learning rate without momentum
        (:func:`batchlab.theory.linreg.ewa_cbs_exponent`); None for the last iterate, a schedule, momentum, or an
        explicit spectrum.
        """
        if self.problem["spectrum"] != "power_law":
            return None
        strategy = self.strategy or {"average": "uniform" if self.iterate == "averaged" else "last",
                                     "schedule": "constant", "momentum": 0.0}
        if strategy["schedule"] != "constant" or strategy["momentum"] != 0.0:
            return None
        return {"uniform": COROLLARY_8, "ewa": COROLLARY_8_EWA}.get(strategy["average"])

    @property
    def predicted_exponent(self) -> float | None:
        """B* ∝ D^{this} by the theory :attr:`prediction` names (None where none does)."""
        exponent = {COROLLARY_8: cbs_exponent, COROLLARY_8_EWA: ewa_cbs_exponent}.get(self.prediction)
        return None if exponent is None else exponent(self.problem["a"], self.problem["b"])

    def risk_ratio_at(self, batch: float | None) -> float | None:
        """R(D, B)/R_opt at any B on the grid's range, interpolated linearly in log R against log B."""
        if batch is None:
            return None
        finite = np.isfinite(self.risk)
        log_risk = np.interp(math.log(batch), np.log(self.batch_sizes[finite]), np.log(self.risk[finite]))
        return float(math.exp(log_risk) / self.paper.r_opt)

    def to_dict(self, definition: str = "paper") -> dict:
        """Every field, JSON-safe, the problem's parameters at the top, and ``cbs`` by ``definition``."""
        return {**self.problem, **super().to_dict(), "definition": check_definition(definition),
                "cbs": self.cbs(definition), "prediction": self.prediction,
                "predicted_exponent": self.predicted_exponent,
                "risk_convention": "excess risk (w - w*)^T H (w - w*), no factor 1/2"}


@dataclass(frozen=True)
class CBSScaling(JSONResult):
    """:class:`CBSMeasurement` s at several data sizes D (a sequence of them), and B*(D)'s log-log slope."""

    measurements: tuple

    def __len__(self):
        return len(self.measurements)

    def __getitem__(self, k):
        return self.measurements[k]

    @property
    def samples(self) -> list[int]:
        return [m.samples for m in self.measurements]

    def cbs(self, definition: str = "paper") -> list[float | None]:
        """B* at each D by ``definition``."""
        return [m.cbs(definition) for m in self.measurements]

    def exponent(self, definition: str = "paper") -> float | None:
        """Least-squares slope of log B* against log D over every D (None with fewer than two finite B*)."""
        values = [math.nan if v is None else v for v in self.cbs(definition)]
        return number(loglog_slope(self.samples, values))

    def to_dict(self, definition: str = "paper") -> dict:
        """B*(D) and its slope by every definition, and what Corollary 8 predicts.

        Per D also the B_opt, R_opt and censoring of Definition 3, the risk ratio R(D, B*)/R_opt at its B*, and the
        warnings of every D.
        """
        first = self.measurements[0].to_dict(definition)
        return {key: first[key] for key in ("spectrum", "a", "b", "dim", "sigma", "iterate", "strategy", "definition",
                                            "prediction", "predicted_exponent") if key in first} | {
            "overhead": self.measurements[0].paper.overhead, "samples": self.samples, "cbs": self.cbs(definition),
            "fitted_exponent": self.exponent(definition), "fit_window": [min(self.samples), max(self.samples)],
            "cbs_by_definition": {name: self.cbs(name) for name in DEFINITIONS},
            "fitted_exponent_by_definition": {name: self.exponent(name) for name in DEFINITIONS},
            "r_opt": [m.paper.r_opt for m in self.measurements], "b_opt": [m.paper.b_opt for m in self.measurements],
            "censored": [m.paper.censored for m in self.measurements],
            "risk_ratio_at_cbs": [m.risk_ratio_at(m.paper.b_star) for m in self.measurements],
            "warnings": [f"D = {m.samples}: {w}" for m in self.measurements for w in m.warnings]}


def measure_cbs(problem: LinRegProblem, samples: int, **options) -> CBSMeasurement:
    """Every CBS definition at data size ``samples`` = D; options as :func:`measure_cbs_scaling`."""
    return measure_cbs_scaling(problem, [samples], **options)[0]


def measure_cbs_scaling(problem: LinRegProblem, samples, *, batches=None, overhead: float = 1.2,
                        target: float | None = None, max_overhead: float = 4.0, search: LrSearch = LrSearch(),
                        iterate: str | None = None, strategy: Strategy | None = None, ema: EmaSearch = EmaSearch(),
                        method: str = "auto", cache=DEFAULT, workers: Workers = None, on_result=None) -> CBSScaling:
    """:func:`measure_cbs` at each D in ``samples``, all (D, B) tunings in two parallel cached sweeps.

    ``batches``: the batch grid (each must divide every D), or a function of D giving each D its
    own grid (default :func:`default_batches`). ``target``: the loss f(B) counts steps to (default
    R_opt(D), Definition 3).
    ``max_overhead``: f(B) is searched up to this many times D/B steps. ``cache``: a folder,
    :data:`batchlab.sim.sweep.DEFAULT` or None; ``workers``: threads, or an Executor (:mod:`batchlab.sim.parallel`).
    ``on_result`` as in :func:`batchlab.sim.sweep.sweep`. ``method``: the exact engine ("auto",
    "spectral" or "recursion", :mod:`batchlab.sim.linreg._engines`).

    ``iterate``: the point evaluated by plain SGD, "averaged" (the paper's w̄, the default) or "last"; or instead
    a training ``strategy`` (:class:`batchlab.sim.linreg.Strategy`), whose hyperparameters left as None are tuned
    per batch size beside γ (:mod:`batchlab.sim.linreg._strategy_tuning`; EWA's τ where ``ema`` says). A plain
    strategy (constant-step SGD evaluated at w̄ or w_n) is plain SGD's protocol.
    """
    if strategy is not None and iterate is not None:
        raise errors.InvalidParameter("iterate", "left out when a strategy is given (its average is the point "
                                                 "evaluated)", iterate)
    if strategy is not None and strategy.plain:
        strategy, iterate = None, plain_iterate(strategy)
    iterate = "averaged" if iterate is None else iterate
    if iterate not in ITERATES:
        raise errors.InvalidParameter("iterate", "'averaged' or 'last'", iterate)
    check_method(method)
    overhead = check_overhead(overhead)
    max_overhead = errors.real("max_overhead", max_overhead, ge=overhead)
    data_sizes = [errors.integer("samples", d, ge=2) for d in np.atleast_1d(samples).tolist()]
    grids = []
    for d in data_sizes:
        chosen = default_batches(d) if batches is None else batches(d) if callable(batches) else batches
        grid = [errors.integer("batches", b) for b in chosen]
        for b in grid:
            one_pass_steps(b, d)
        if len(grid) < 2:
            raise errors.InvalidParameter("batches", "at least two batch sizes", grid)
        grids.append(sorted(set(grid)))
    if target is not None:
        target = errors.real("target", target, gt=0)
    common = dict(problem=problem.spec, search=asdict(search), method=method)
    if strategy is None:
        risk_of, steps_of, common["iterate"] = risk_task, steps_task, iterate
    else:
        risk_of, steps_of = strategy_risk_task, strategy_steps_task
        common |= {"strategy": strategy.to_dict(), "ema": asdict(ema)}
    on_grid = [(i, b) for i, grid in enumerate(grids) for b in grid]
    risks = iter(_per_batch(risk_of, on_grid, {"samples": lambda i, b: data_sizes[i]}, cache, workers,
                            "tune lr: risk at D", on_result, **common))
    risk_records = [[next(risks) for _ in grid] for grid in grids]
    targets = []
    for records in risk_records:
        values = column(records)
        if not np.any(np.isfinite(values)):
            raise errors.InvalidParameter("batches", "a grid where some batch size has a stable learning rate", "none")
        targets.append(float(np.nanmin(values)) if target is None else target)
    passages = {"targets": lambda i, b: targets[i],
                "max_steps": lambda i, b: max(1, math.floor(max_overhead * data_sizes[i] / b))}
    steps = iter(_per_batch(steps_of, on_grid, passages, cache, workers, "tune lr: steps to target", on_result,
                            **common))
    steps_records = [[next(steps) for _ in grid] for grid in grids]

    def steps_at(requests):  # f(B) at integer B between grid points, tuned as on the grid: one sweep per round
        return list(column(_per_batch(steps_of, requests, passages, cache, workers, "refine B* on integers",
                                      None, **common)))

    papers = refine_on_integers([definition3(grid, column(r), column(s), overhead=overhead)
                                 for grid, r, s in zip(grids, risk_records, steps_records)], steps_at)
    evaluated = iterate if strategy is None else "ewa" if strategy.average == "ewa" else plain_iterate(strategy)
    return CBSScaling(tuple(_assemble(problem, d, grid, r, s, t, paper, max_overhead, evaluated, batches is None,
                                      strategy)
                            for d, grid, r, s, t, paper in zip(data_sizes, grids, risk_records, steps_records, targets,
                                                               papers)))


def _assemble(problem, samples, grid, risk_records, steps_records, target, paper, max_overhead, iterate,
              default_grid, strategy):
    batches = np.array(grid, dtype=np.float64)
    risk, steps = column(risk_records), column(steps_records)
    best = risk_records[int(np.nanargmin(risk))]
    flat = np.array([r["lr_flat_range"] or [math.nan, math.nan] for r in risk_records])
    warnings = grid_warnings(batches, paper)
    if paper.censored and default_grid and batches[-1] < samples // 2:  # D has few factors of two
        power = 2 ** math.ceil(math.log2(samples))
        warnings += (f"the default grid holds the 2^j and 3*2^j that divide D = {samples}, up to {batches[-1]:g}: a "
                     f"data size with more factors of two, such as {power}, reaches larger batch sizes "
                     "(samples, --samples)",)
    elif paper.censored and default_grid:  # the default grid stops at D/2: only a larger D lets B* be found
        warnings += (f"the default grid ends at D/2 = {samples // 2}: B* needs a larger data size "
                     "(samples, --samples)",)
    at_edge = any(r["at_edge"] for r in risk_records + steps_records)
    return CBSMeasurement(batch_sizes=batches, steps=steps, **curve_definitions(batches, steps, b_opt=paper.b_opt,
                                                                                overhead=paper.overhead, paper=paper),
                          b_noise=best["b_noise"], b_simple=best["b_simple"], warnings=warnings, problem=problem.spec,
                          samples=samples, iterate=iterate, lr=column(steps_records, "lr"), risk=risk,
                          risk_lr=column(risk_records, "lr"), lr_flat_range=flat, target=target,
                          max_overhead=max_overhead, lr_at_search_edge=at_edge,
                          strategy=None if strategy is None else strategy.to_dict(),
                          hyperparameters=None if strategy is None else _hyperparameters(risk_records, steps_records))


def _hyperparameters(risk_records, steps_records) -> dict:
    """Per batch size, the τ, β and WSD decay the protocol chose for R(D, B) and for f(B), and f(B)'s horizon."""
    names = ("ema_decay", "momentum", "decay")
    return {"risk": {name: column(risk_records, name) for name in names},
            "steps": {name: column(steps_records, name) for name in (*names, "horizon")}}
