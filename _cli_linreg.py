"""``batchlab linreg risk|cbs|cbs-scaling``: one-pass mini-batch SGD on power-law linear regression.

Thin parsing over :mod:`batchlab.sim.linreg`; :mod:`batchlab.cli` registers the verbs.
"""

import argparse

from batchlab._cli_common import add_definition, add_verb, cell, count, long_request, sweep_options, warning_lines
from batchlab.sim import errors

# ``linreg risk --method``: the exact engines (auto = the faster of the two) beside the Monte Carlo ones.
EXACT = {"exact": "auto", "spectral": "spectral", "recursion": "recursion"}


def dimension(text: str):
    """--dim: a whole number, or inf for the untruncated spectrum."""
    if text.strip().lower() in ("inf", "infinity"):
        return "inf"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 or inf (got {text!r})") from None


def _problem(args):
    """The problem of --a --b --dim --sigma, fitted on its first --model-dim features when given."""
    from batchlab.sim.linreg import LinRegProblem

    problem = LinRegProblem.power_law(args.a, args.b, args.dim, args.sigma)
    return problem if args.model_dim is None else problem.with_model_dim(args.model_dim)


# The training-strategy flags of every linreg verb; with any of them the run is a batchlab.sim.linreg.Strategy.
STRATEGY_FLAGS = ("strategy", "ema_decay", "momentum", "schedule", "warmup", "decay")
TUNED = "tuned"


def tunable(text: str):
    """--ema-decay, --momentum, --decay: a number, or "tuned" (None: the CBS protocol tunes it per batch size)."""
    if text.strip().lower() == TUNED:
        return TUNED
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or {TUNED} (got {text!r})") from None


def _strategy(args, protocol: bool):
    """The Strategy of the strategy flags, or None when none is given.

    ``protocol`` (cbs, cbs-scaling): what the flags leave out and the protocol can tune is tuned (EWA's τ, WSD's
    decay, as the seed paper tunes them per batch size); momentum stays 0 unless given (a number or tuned).
    """
    from batchlab.sim.linreg import Strategy

    given = {key: getattr(args, key) for key in STRATEGY_FLAGS if getattr(args, key) is not None}
    if not given:
        return None
    fields = {("average" if key == "strategy" else key): value for key, value in given.items()}
    if protocol:
        fields = {"ema_decay": TUNED, "decay": TUNED} | fields
    elif TUNED in fields.values():
        name = next(key for key, value in fields.items() if value == TUNED)
        raise errors.InvalidParameter(name, "a number for a single run (tuned: only with linreg cbs and "
                                            "cbs-scaling)", TUNED)
    return Strategy(**{key: None if value == TUNED else value for key, value in fields.items()})


def _strategy_risk(args, problem) -> dict:
    """``linreg risk`` for a training strategy: the evaluated point's and the last iterate's risk."""
    from batchlab.sim.linreg import one_pass_steps, strategy_monte_carlo, strategy_path

    strategy = _strategy(args, protocol=False)
    if args.method not in ("exact", "recursion", "mc-naive"):
        raise errors.InvalidParameter("method", "exact, recursion or mc-naive with a training strategy (the "
                                                "spectral engine and the sufficient-statistic sampler are for "
                                                "constant-step SGD)", args.method)
    steps = one_pass_steps(args.batch, args.samples)
    run = dict(lr=args.lr, batch=args.batch, steps=steps, strategy=strategy)
    result = {"strategy": strategy.to_dict()}  # --strategy is its "average": the point evaluated
    if args.method == "mc-naive":
        result |= strategy_monte_carlo(problem, **run, reps=args.reps, seed=args.seed).summary()
        result["method"] = "mc-naive"
    else:
        result |= strategy_path(problem, **run).summary() | {"method": args.method, "engine": "recursion"}
    return result | {"steps": steps, "lr": args.lr, "batch": args.batch}


def _risk_cost(args, strategy: bool, dim: int):
    """``linreg risk``'s estimated seconds (:func:`batchlab.sim.linreg.estimated_seconds`), for :func:`long_request`.

    ``dim``: the coordinates the engines will hold. Returns (seconds, the flag the size comes from most, the step
    count's or the dimension's, that flag's value, what the work is in words); refuses first what would not fit in
    memory.
    """
    from batchlab.sim.linreg import check_memory, estimated_seconds, one_pass_steps
    from batchlab.sim.parallel import default_workers

    steps = one_pass_steps(args.batch, args.samples)
    method = EXACT.get(args.method, args.method)
    if strategy and method != "mc-naive":
        method = "recursion"  # the strategies' exact engine
    check_memory(dim, steps=steps, method=method, samples=args.samples)
    monte_carlo = method in ("mc", "mc-naive")
    reps = errors.integer("reps", args.reps, ge=2) if monte_carlo else 1
    seconds = estimated_seconds(dim, steps=steps, batch=args.batch, method=method, reps=reps,
                                runs=1 if strategy else 3, workers=default_workers())
    what = (f"{'Monte Carlo' if monte_carlo else 'the exact risk'} over {steps:.3g} steps of {dim:.3g} coordinates"
            + (f", {reps} replicates" if monte_carlo else ""))
    name, value = ("samples", args.samples) if steps >= dim else ("dim", args.dim)
    return seconds, name, value, what


def linreg_risk(args) -> dict:
    from batchlab.sim.linreg import exact_risk, monte_carlo_risk

    strategy = any(getattr(args, key) is not None for key in STRATEGY_FLAGS)
    untruncated = _problem(args) if args.dim == "inf" else None  # its grouped form is small: built before weighing
    dim = args.model_dim or (args.dim if untruncated is None else untruncated.dim)
    seconds, name, value, what = _risk_cost(args, strategy, dim)
    with long_request(args, seconds, name=name, value=value, what=what):
        problem = untruncated or _problem(args)
        common = dict(lr=args.lr, batch=args.batch, samples=args.samples)
        if strategy:
            result = _strategy_risk(args, problem)
        elif args.method in EXACT:
            result = exact_risk(problem, **common, method=EXACT[args.method]).summary()
        else:
            engine = "suffstat" if args.method == "mc" else "naive"
            result = monte_carlo_risk(problem, **common, reps=args.reps, seed=args.seed, engine=engine,
                                      decompose=True).summary()
    described = {key: value for key, value in problem.description.items() if key != "label_sigma"}
    noise = {"sigma": args.sigma, "effective_sigma": problem.sigma} if args.model_dim is not None else {
        "sigma": problem.sigma}
    return {**described, **noise, "samples": args.samples, **result,
            "risk": "excess risk (w - w*)^T H (w - w*), no factor 1/2"
                    + (" of the model's first model_dim features (add unlearned_risk for the whole w*)"
                       if args.model_dim is not None else "")}


def _measure(args, samples):
    from batchlab.sim.linreg import LrSearch, measure_cbs_scaling

    problem = _problem(args)
    search = LrSearch(grid=errors.integer("lr_grid", args.lr_grid, ge=3))
    return measure_cbs_scaling(problem, samples, batches=args.batches, overhead=args.overhead, target=args.target,
                               max_overhead=args.max_overhead, search=search, iterate=args.iterate,
                               strategy=_strategy(args, protocol=True), method=args.method, **sweep_options(args))


def linreg_cbs(args) -> dict:
    (measured,) = _measure(args, [args.samples])
    return measured.to_dict(args.definition)


def linreg_cbs_scaling(args) -> dict:
    if len(set(args.samples)) < 2:
        raise errors.InvalidParameter("samples", "at least two different data sizes", args.samples)
    return _measure(args, args.samples).to_dict(args.definition)


def _strategy_words(strategy: dict | None) -> str:
    """The strategy of a CBS measurement in a few words (empty for plain SGD)."""
    if strategy is None:
        return ""
    def value(name):
        return TUNED if strategy[name] is None else f"{strategy[name]:g}"

    words = [f"{strategy['schedule']} lr", f"{strategy['average']} average"]
    words += [f"ema_decay {value('ema_decay')}"] if strategy["average"] == "ewa" else []
    words += [f"momentum {value('momentum')}"]
    words += [f"decay {value('decay')}"] if strategy["schedule"] == "wsd" else []
    words += [f"warmup {strategy['warmup']:g}"] if strategy["schedule"] != "constant" else []
    return "; strategy: " + ", ".join(words)


def _prediction(p: dict) -> str:
    """The line saying what theory predicts for B*(D), or that none does for this strategy."""
    if p["prediction"] is None:
        return "no theorem predicts how B* grows with D for this iterate or strategy"
    return f"{p['prediction']}: B* grows as D^{p['predicted_exponent']:.4g}"


def render_cbs_scaling(p: dict) -> str:
    names = list(p["cbs_by_definition"])
    lines = [f"a={p['a']:g} b={p['b']:g} dim={p['dim']} sigma={p['sigma']:g}: B*(D), every definition "
             f"(iterate {p['iterate']}, overhead {p['overhead']:g}{_strategy_words(p.get('strategy'))})",
             f"{'D':>9} " + " ".join(f"{name:>10}" for name in names) + f" {'R(B*)/R_opt':>12}"]
    for k, d in enumerate(p["samples"]):
        lines.append(f"{d:>9} " + " ".join(f"{cell(p['cbs_by_definition'][n][k]):>10}" for n in names)
                     + f" {p['risk_ratio_at_cbs'][k]:>12.4f}")
    lines.append(f"{'slope':>9} " + " ".join(f"{cell(p['fitted_exponent_by_definition'][n]):>10}" for n in names)
                 + f"   (log-log fit over D = {p['fit_window'][0]}..{p['fit_window'][1]})")
    lines.append(_prediction(p))
    return "\n".join(lines + warning_lines(p))


def render_cbs(p: dict) -> str:
    target = "R_opt" if p["target"] == p["paper"]["r_opt"] else f"{p['target']:.6g}"
    lines = [f"a={p['a']:g} b={p['b']:g} dim={p['dim']} sigma={p['sigma']:g} D={p['samples']}  "
             f"(excess risk of the {p['iterate']} iterate, no factor 1/2{_strategy_words(p.get('strategy'))})",
             f"R_opt = {p['paper']['r_opt']:.6g} at B_opt = {p['paper']['b_opt']:g}; f(B) = steps to reach {target}; "
             f"f*(B) = {p['paper']['anchor']:.6g}/B",
             f"{'B':>8} {'R(D,B)':>12} {'lr*':>10} {'f(B)':>12} {'f/f*':>8}"]
    chosen, strategy = p.get("hyperparameters") or {}, p.get("strategy") or {}
    shown = [name for name, values in chosen.get("steps", {}).items()  # what the protocol chose for f(B), per B
             if (strategy.get(name, 0) is None or name == "horizon") and any(v is not None for v in values)]
    lines[-1] += "".join(f" {name:>10}" for name in shown)
    for k, row in enumerate(zip(p["batch_sizes"], p["risk"], p["risk_lr"], p["steps"], p["paper"]["overhead_ratio"])):
        lines.append(f"{row[0]:>8} {cell(row[1], '12.6g')} {cell(row[2], '10.4g')} {cell(row[3], '12.6g')} "
                     f"{cell(row[4], '8.4f')}" + "".join(f" {cell(chosen['steps'][name][k], '10.6g')}"
                                                          for name in shown))
    by = p["cbs_by_definition"]
    censored = p["definition"] == "paper" and p["paper"]["censored"]
    lines += [f"B* ({p['definition']}) = {cell(p['cbs'], '.4g')}" + (" (censored: >= this)" if censored else ""),
              "all definitions: " + ", ".join(f"{name} {cell(value, '.4g')}" for name, value in by.items())
              + f"; B_simple {cell(p['b_simple'])}",
              _prediction(p)]
    return "\n".join(lines + warning_lines(p))


def _problem_args(parser) -> None:
    parser.add_argument("--a", type=float, required=True, help="spectrum exponent, lambda_i = i^-a (a > 1)")
    parser.add_argument("--b", type=float, required=True, help="source exponent, lambda_i w*_i^2 = i^-b")
    parser.add_argument("--dim", type=dimension, required=True,
                        help="dimension d (truncation of the spectrum), or inf: every i >= 1 (exact engines only)")
    parser.add_argument("--sigma", type=float, default=1.0, help="label-noise standard deviation (default 1)")
    parser.add_argument("--model-dim", type=count, metavar="N",
                        help="fit only the first N features (the largest eigenvalues): the rest of the signal acts as "
                             "label noise; risks are the model's excess over its best fit (default: all dim)")


def _measurement_args(parser) -> None:
    from batchlab.sim.linreg import ITERATES, METHODS

    add = parser.add_argument
    add_definition(parser)
    add("--target", type=float, help="loss that f(B) counts steps to (default R_opt)")
    add("--overhead", type=float, default=1.2, help="overhead factor over linear scaling (default 1.2)")
    add("--batches", type=count, nargs="+", metavar="B",
        help="batch sizes, each dividing every data size (default 2^j and 3*2^j up to D/2)")
    add("--max-overhead", type=float, default=4.0, help="f(B) is searched up to this many times D/B steps (default 4)")
    add("--iterate", choices=ITERATES,
        help="whose risk, for plain SGD: the paper's average of the iterates (default) or the last iterate (with a "
             "strategy flag, --strategy says it)")
    add("--lr-grid", type=count, default=12, help="learning rates on the tuning grid (default 12)")
    add("--method", choices=METHODS, default="auto",
        help="exact engine: the second-moment recursion (O(n d)), the spectral one (O(d^2) at any step count) or "
             "the faster for each run (default)")


def _strategy_args(parser, protocol: bool) -> None:
    """The training-strategy flags: for one run (``linreg risk``) or for the CBS protocol (``tuned`` allowed)."""
    from batchlab.sim.linreg import AVERAGES, SCHEDULES

    if protocol:
        group = parser.add_argument_group(
            "training strategy", "any of these measures the CBS of the seed paper's strategies instead of plain SGD: "
                                 "the learning rate and every hyperparameter given as tuned are tuned per batch size "
                                 "(a schedule's horizon is swept); the JSON adds strategy and the hyperparameters "
                                 "chosen per batch size")
    else:
        group = parser.add_argument_group(
            "training strategy", "any of these runs the seed paper's strategies instead (method exact, recursion or "
                                 "mc-naive); the JSON then has the risk of the evaluated point (evaluated) and of the "
                                 "last iterate (last)")
    tuned = f" or {TUNED} (per batch size)" if protocol else ""
    group.add_argument("--strategy", choices=AVERAGES,
                       help="the point evaluated: the uniform average of the iterates (default), their exponential "
                            "weight average (EWA) or the last iterate")
    group.add_argument("--ema-decay", type=tunable,
                       help=f"EWA decay tau in [0, 1){tuned} (default {TUNED if protocol else 0.99})")
    group.add_argument("--momentum", type=tunable,
                       help=f"heavy-ball momentum beta in [0, 1){tuned}"
                            + (", from 0, 0.8, 0.9, 0.95, 0.975" if protocol else "") + " (default 0)")
    group.add_argument("--schedule", choices=SCHEDULES,
                       help="learning-rate schedule, the learning rate its peak (default constant)")
    group.add_argument("--warmup", type=float, help="share of the steps of linear warmup (cosine, wsd; default 0)")
    group.add_argument("--decay", type=tunable,
                       help=f"wsd: share of the steps of the final linear decay to 0{tuned}"
                            + (", from 0.1, 0.2, 0.3" if protocol else "") + f" (default {TUNED if protocol else 0.2})")


def add_parsers(systems) -> None:
    """Register ``batchlab linreg risk``, ``cbs`` and ``cbs-scaling``."""
    linreg = systems.add_parser("linreg", help="mini-batch SGD on power-law linear regression", allow_abbrev=False)
    verbs = linreg.add_subparsers(dest="verb", required=True, metavar="<verb>")

    risk = add_verb(
        verbs, "risk", run=linreg_risk,
        help="expected excess risk of one-pass mini-batch SGD",
        description="Expected excess risk (w - w*)^T H (w - w*) (no factor 1/2) of one-pass mini-batch SGD with "
                    "constant learning rate from w_0 = 0 on x ~ N(0, H), H = diag(i^-a), source condition "
                    "lambda_i w*_i^2 = i^-b, i = 1..dim: last iterate w_n, the paper's average (1/n) sum_{t<n} w_t, "
                    "and the average of the last half; bias and variance are of the average. n = samples/batch.")
    _problem_args(risk)
    risk.add_argument("--samples", type=count, required=True, help="data size D, a multiple of --batch")
    risk.add_argument("--batch", type=count, required=True, help="batch size B")
    risk.add_argument("--lr", type=float, required=True, help="constant learning rate gamma > 0")
    risk.add_argument("--method", choices=[*EXACT, "mc", "mc-naive"], default="exact",
                      help="exact: the faster exact engine (default); spectral or recursion: that one; mc: "
                           "sufficient-statistic Monte Carlo; mc-naive: Monte Carlo drawing every sample")
    risk.add_argument("--reps", type=count, default=200, help="Monte Carlo replicates (default 200, >= 2)")
    risk.add_argument("--seed", type=count, default=0, help="Monte Carlo seed (default 0)")
    _strategy_args(risk, protocol=False)

    cbs = add_verb(
        verbs, "cbs", run=linreg_cbs, render=render_cbs, sweep=True,
        help="critical batch size at one data size, every definition",
        description="Critical batch size of one-pass mini-batch SGD at data size D, from the exact engine. Per batch "
                    "size B (each dividing D): R(D,B), the excess risk after one pass with the learning rate tuned, "
                    "and f(B), the fewest steps (learning rate tuned again) to reach the target, R_opt = min_B R(D,B) "
                    "by default. Definitions: paper (Definition 3 of Zhang et al. 2024: the largest B > B_opt with "
                    "f(B) <= overhead * D/B, located on the integers between grid points), fit (log f = "
                    "log(a + b/B), B* from the transition equation), fit-alpha (the same with alpha fitted), sfo "
                    "(argmin B*f(B)), noise (McCandlish's B_noise at the end of the R_opt run). Results are cached "
                    "on disk.")
    _problem_args(cbs)
    cbs.add_argument("--samples", type=count, required=True, help="data size D")
    _measurement_args(cbs)
    _strategy_args(cbs, protocol=True)

    scaling = add_verb(
        verbs, "cbs-scaling", run=linreg_cbs_scaling, render=render_cbs_scaling, sweep=True,
        help="critical batch size across data sizes, with fitted exponents",
        description="B*(D) by every definition (as 'linreg cbs') at each data size, the log-log slope of B* "
                    "against D over the given D, and Corollary 8's predicted exponent 1 - a/min(b, 2a+1). "
                    "All (D, B) tunings run as one parallel, cached sweep.")
    _problem_args(scaling)
    scaling.add_argument("--samples", type=count, nargs="+", required=True, metavar="D",
                         help="data sizes (at least two), e.g. 1536 3072 6144 12288")
    _measurement_args(scaling)
    _strategy_args(scaling, protocol=True)
