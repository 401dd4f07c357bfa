"""``batchlab nqm steps|curve``: the noisy quadratic model's steps to a target, hyperparameters tuned per batch size.

Thin parsing over :func:`batchlab.sim.nqm.tuned_steps` and :func:`batchlab.sim.nqm.steps_curves`; :mod:`batchlab.cli`
registers
the verbs. ``--optimizer`` with ``--ema`` names one of the engine's optimisers: sgd, momentum, nesterov, or
ema (SGD with an EMA of its iterates).
"""


from batchlab._cli_common import add_definition, add_verb, cell, count, long_request, sweep_options, warning_lines
from batchlab.sim import errors
from batchlab.sim.results import listed


def _problem(args):
    from batchlab.sim.nqm import NQMProblem

    return NQMProblem.paper(errors.integer("dim", args.dim, ge=2), binned=args.binned)


def _optimizer(args) -> str:
    if not args.ema:
        return args.optimizer
    if args.optimizer != "sgd":
        raise errors.InvalidParameter("ema", "used with --optimizer sgd only (an EMA of momentum iterates is a "
                                             "three-variable system batchlab does not simulate)", args.optimizer)
    return "ema"


def _common(args, problem, optimizer) -> dict:
    return {"optimizer": optimizer, "ema": optimizer == "ema", "precond": args.precond, "target": args.target,
            "dim": int(problem.dim), "binned": args.binned, "lr_grid": args.lr_grid,
            "loss": "expected loss 1/2 sum_i h_i E theta_i^2 (factor 1/2, as in the paper)"}


def nqm_steps(args) -> dict:
    from batchlab.sim.nqm import (
        estimated_seconds,
        linear_system,
        stability_cap,
        system_loss,
        system_monte_carlo,
        tuned_steps,
    )
    from batchlab.sim.parallel import default_workers
    from batchlab.theory.nqm import information_lower_bound_steps

    problem, optimizer = _problem(args), _optimizer(args)
    tuned = tuned_steps(problem, batch=args.batch, target=args.target, precond=args.precond, optimizer=optimizer,
                        lr_grid=args.lr_grid)
    payload = _common(args, problem, optimizer) | tuned.to_dict() | {
        "batch": args.batch, "method": args.method, "reached": tuned.steps is not None,
        "effective_lr": tuned.effective_lr,
        "information_bound": information_lower_bound_steps(problem.dim, args.target, args.batch),
        "stability_cap": (stability_cap(problem, args.precond, optimizer, tuned.momentum or 0.0)
                          if tuned.lr is not None else None)}
    if tuned.steps is None:
        return payload | {"loss_at_steps": None, "loss_before": None}
    system = linear_system(problem, optimizer, lr=tuned.lr, batch=args.batch, **tuned.second, precond=args.precond)
    at = [max(tuned.steps - 1, 0), tuned.steps]
    if args.method == "exact":
        before, after = system_loss(problem, system, at)
        return payload | {"loss_at_steps": float(after), "loss_before": float(before)}
    reps, seed = errors.integer("reps", args.reps, ge=2), errors.integer("seed", args.seed, ge=0)
    seconds = estimated_seconds(problem.h.size, steps=tuned.steps, reps=reps, workers=default_workers())
    what = f"Monte Carlo over {tuned.steps} steps of {problem.h.size} coordinates, {reps} replicates"
    with long_request(args, seconds, name="reps", value=reps, what=what):
        mc = system_monte_carlo(problem, system, at, reps=reps, seed=seed)
    summary = mc.summary()
    mean, stderr = summary["mean"] or [None, None], summary["stderr"] or [None, None]
    return payload | {"loss_at_steps": mean[1], "loss_before": mean[0], "stderr_loss_at_steps": stderr[1],
                      "stderr_loss_before": stderr[0], "n_diverged": mc.n_diverged,
                      "exact_loss_at_steps": float(system_loss(problem, system, at)[1]), "reps": reps,
                      "seed": args.seed}


def nqm_curve(args) -> dict:
    from batchlab.sim.nqm import PAPER_BATCHES, steps_curves
    from batchlab.theory.nqm import information_lower_bound_steps

    problem, optimizer = _problem(args), _optimizer(args)
    (curve,) = steps_curves(problem, optimizer=optimizer, preconds=(args.precond,),
                            batches=args.batches or PAPER_BATCHES, target=args.target, lr_grid=args.lr_grid,
                            overhead=args.overhead, **sweep_options(args))
    return _common(args, problem, optimizer) | curve.to_dict() | {
        "effective_lr": listed(curve.effective_lr), "definition": args.definition, "cbs": curve.cbs(args.definition),
        "overhead": args.overhead,
        "information_bound": [information_lower_bound_steps(problem.dim, args.target, b) for b in curve.batch_sizes]}


def render_curve(p: dict) -> str:
    knob = next((k for k in ("momentum", "ema_decay") if p.get(k) is not None), None)
    lines = [f"NQM {p['optimizer']}, p = {p['precond']:g}, dim {p['dim']}{' binned' if p['binned'] else ''}, "
             f"target {p['target']:g}, {p['lr_grid']} grid  ({p['loss']})",
             f"{'B':>8} {'steps':>10} {'lr':>10}" + (f" {knob:>10}" if knob else "") + f" {'S*B/S0B0':>9}"]
    for k, b in enumerate(p["batch_sizes"]):
        first = p["first_step"][k]
        lines.append(f"{b:>8} {cell(None if first is None else int(first), '>10')} {cell(p['lr'][k], '10.4g')}"
                     + (f" {cell(p[knob][k], '10.6g')}" if knob else "")
                     + f" {cell(p['paper']['overhead_ratio'][k], '9.3f')}")
    by = p["cbs_by_definition"]
    censored = p["paper"]["censored"] and p["definition"] == "paper"
    lines += [f"CBS ({p['definition']}) = {cell(p['cbs'], '.4g')}" + (" (censored: >= this)" if censored else ""),
              "all definitions: " + ", ".join(f"{k} {cell(v, '.4g')}" for k, v in by.items())
              + f"; B_simple {cell(p['b_simple'], '.4g')}"]
    return "\n".join(lines + warning_lines(p))


def add_parsers(systems) -> None:
    """Register ``batchlab nqm steps`` and ``batchlab nqm curve``."""
    nqm = systems.add_parser("nqm", help="the noisy quadratic model (Zhang et al. 2019)", allow_abbrev=False)
    verbs = nqm.add_subparsers(dest="verb", required=True, metavar="<verb>")

    from batchlab.sim.nqm import LR_GRIDS

    def common(parser):
        add = parser.add_argument
        add("--precond", type=float, default=0.0, help="preconditioner power p, P = H^-p, 0 <= p <= 1 (default 0)")
        add("--optimizer", choices=["sgd", "momentum", "nesterov"], default="sgd",
            help="sgd (default), heavy-ball momentum or Nesterov momentum (PyTorch's form)")
        add("--ema", action="store_true", help="evaluate an exponential moving average of the SGD iterates")
        add("--target", type=float, default=0.01, help="target loss (default 0.01)")
        add("--dim", type=count, default=10_000, help="dimension d, h_i = 1/i (default 10^4)")
        add("--binned", action="store_true", help="quantise the spectrum into the notebook's 100 geometric bins")
        add("--lr-grid", choices=LR_GRIDS, default="notebook",
            help="the notebook's grids (default) or a finer grid over the stable range")

    steps = add_verb(
        verbs, "steps", run=nqm_steps, help="fewest steps to a target loss at one batch size, hyperparameters tuned",
        description="Exact first step at which the expected loss 1/2 sum h_i E theta_i^2 reaches the target, with "
                    "the learning rate (and momentum or EMA decay) tuned on the notebook's grids. h_i = 1/i, "
                    "gradient noise covariance H/B, theta(0) ~ N(0, I). --method mc re-measures the loss at the "
                    "tuned steps by Monte Carlo.")
    steps.add_argument("--batch", type=count, required=True, help="batch size B")
    common(steps)
    steps.add_argument("--method", choices=["exact", "mc"], default="exact",
                       help="exact engine (default) or Monte Carlo for loss_at_steps (steps always exact)")
    steps.add_argument("--reps", type=count, default=200, help="Monte Carlo replicates (default 200)")
    steps.add_argument("--seed", type=count, default=0, help="Monte Carlo seed (default 0)")

    curve = add_verb(
        verbs, "curve", run=nqm_curve, render=render_curve, sweep=True,
        help="steps and tuned hyperparameters for every batch size, and the CBS",
        description="Steps to the target for B = 2^2..2^21 (or --batches), hyperparameters tuned per batch size, "
                    "and the critical batch size by each definition: paper (Definition 3's 1.2x overhead over linear "
                    "scaling from the smallest batch size), fit and fit-alpha (log S = log(a + b/B^alpha)), sfo "
                    "(argmin B*S), noise (McCandlish's B_noise in the smallest batch size's optimal run). A parallel "
                    "sweep, cached on disk.")
    curve.add_argument("--batches", type=count, nargs="+", metavar="B", help="batch sizes (default 2^2..2^21)")
    common(curve)
    add_definition(curve)
    curve.add_argument("--overhead", type=float, default=1.2, help="overhead factor over linear scaling (default 1.2)")
