"""The ``batchlab`` command line: thin argument parsing over the Python API.

``batchlab <system> <verb> [options] [--json]``. Every verb that computes prints
one JSON object on stdout with ``--json`` (nothing else goes to stdout), a
readable table otherwise. A user mistake is one line on stderr and exit status 2.

The CLI lives in ``sim`` because the design card fixes the top-level packages; it
is the only module in ``sim`` that reaches ``figures``, and only lazily, inside
the ``figures`` verb, so library code keeps the one-way theory ← sim ← figures flow.
"""

import argparse
import json
import math
import sys

from sim.errors import InvalidParameter


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _emit(payload: dict, as_json: bool, render=None) -> None:
    if as_json:
        print(json.dumps(payload, allow_nan=False))
        return
    if render is not None:
        print(render(payload))
        return
    width = max(map(len, payload))
    for key, value in payload.items():
        shown = f"{value:.6g}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}")


def _linreg_risk(args) -> dict:
    from sim.linreg import LinRegProblem, exact_risk, monte_carlo_risk

    problem = LinRegProblem.power_law(args.a, args.b, args.dim, args.sigma)
    common = dict(lr=args.lr, batch=args.batch, samples=args.samples)
    if args.method == "exact":
        result = exact_risk(problem, **common).summary()
    else:
        engine = "suffstat" if args.method == "mc" else "naive"
        result = monte_carlo_risk(problem, **common, reps=args.reps, seed=args.seed, engine=engine,
                                  decompose=True).summary()
    return {**problem.description, "sigma": problem.sigma, "samples": args.samples, **result,
            "risk": "excess risk (w - w*)^T H (w - w*), no factor 1/2"}


def _cache_choice(args):
    from sim.sweep import DEFAULT

    return None if args.no_cache else (args.cache or DEFAULT)


def _measure(args, samples):
    from sim import errors
    from sim.linreg import LinRegProblem, LrSearch, measure_cbs_scaling

    problem = LinRegProblem.power_law(args.a, args.b, args.dim, args.sigma)
    search = LrSearch(grid=errors.integer("lr_grid", args.lr_grid, ge=3))
    workers = None if args.workers is None else errors.integer("workers", args.workers)
    return measure_cbs_scaling(problem, samples, batches=args.batches, overhead=args.overhead, target=args.target,
                               max_overhead=args.max_overhead, search=search, iterate=args.iterate,
                               cache=_cache_choice(args), workers=workers)


def _linreg_cbs(args) -> dict:
    (measured,) = _measure(args, [args.samples])
    return measured.summary(args.definition)


def _linreg_cbs_scaling(args) -> dict:
    from sim.critical_batch import loglog_slope
    from sim.linreg import DEFINITIONS

    from sim import errors

    if len(set(args.samples)) < 2:
        raise errors.InvalidParameter("samples", "at least two different data sizes", args.samples)
    runs = _measure(args, args.samples)
    first = runs[0].summary(args.definition)
    by = {name: [m.cbs(name) for m in runs] for name in DEFINITIONS}
    slopes = {name: loglog_slope(args.samples, [math.nan if v is None else v for v in values])
              for name, values in by.items()}
    return {key: first[key] for key in ("spectrum", "a", "b", "dim", "sigma", "iterate", "definition",
                                        "predicted_exponent", "overhead")} | {
        "samples": args.samples, "cbs": by[args.definition], "cbs_by_definition": by,
        "fitted_exponent": slopes[args.definition] if math.isfinite(slopes[args.definition]) else None,
        "fitted_exponent_by_definition": {k: (v if math.isfinite(v) else None) for k, v in slopes.items()},
        "fit_window": [min(args.samples), max(args.samples)], "r_opt": [m.paper.r_opt for m in runs],
        "b_opt": [m.paper.b_opt for m in runs], "censored": [m.paper.censored for m in runs],
        "risk_ratio_at_cbs": [m.risk_ratio_at(m.paper.b_star) for m in runs]}


def _render_cbs_scaling(p: dict) -> str:
    def num(value):
        return "-" if value is None else f"{value:.4g}"

    names = list(p["cbs_by_definition"])
    lines = [f"a={p['a']:g} b={p['b']:g} dim={p['dim']} sigma={p['sigma']:g}: B*(D), every definition "
             f"(iterate {p['iterate']}, overhead {p['overhead']:g})",
             f"{'D':>9} " + " ".join(f"{name:>10}" for name in names) + f" {'R(B*)/R_opt':>12}"]
    for k, d in enumerate(p["samples"]):
        lines.append(f"{d:>9} " + " ".join(f"{num(p['cbs_by_definition'][n][k]):>10}" for n in names)
                     + f" {p['risk_ratio_at_cbs'][k]:>12.4f}")
    lines.append(f"{'slope':>9} " + " ".join(f"{num(p['fitted_exponent_by_definition'][n]):>10}" for n in names)
                 + f"   (log-log fit over D = {p['fit_window'][0]}..{p['fit_window'][1]})")
    lines.append(f"Corollary 8: B* grows as D^{p['predicted_exponent']:.4g}")
    return "\n".join(lines)


def _render_cbs(p: dict) -> str:
    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    target = "R_opt" if p["target"] == p["r_opt"] else f"{p['target']:.6g}"
    lines = [f"a={p['a']:g} b={p['b']:g} dim={p['dim']} sigma={p['sigma']:g} D={p['samples']}  "
             f"(excess risk of the {p['iterate']} iterate, no factor 1/2)",
             f"R_opt = {p['r_opt']:.6g} at B_opt = {p['b_opt']:g}; f(B) = steps to reach {target}; "
             f"f*(B) = {p['linear_scaling_anchor']:.6g}/B",
             f"{'B':>8} {'R(D,B)':>12} {'lr*':>10} {'f(B)':>12} {'f/f*':>8}"]
    for row in zip(p["batch_sizes"], p["risk"], p["optimal_lr"], p["steps"], p["overhead_ratio"]):
        lines.append(f"{row[0]:>8} {num(row[1], '12.6g')} {num(row[2], '10.4g')} {num(row[3], '12.6g')} "
                     f"{num(row[4], '8.4f')}")
    by = p["cbs_by_definition"]
    lines += [f"B* ({p['definition']}) = {num(p['cbs'], '.4g')}" + (" (censored: >= this)" if
                                                                     p["definition"] == "paper" and p["paper"]["censored"] else ""),
              "all definitions: " + ", ".join(f"{name} {num(value, '.4g')}" for name, value in by.items())
              + f"; B_simple {p['b_simple']:.4g}",
              f"Corollary 8: B* grows as D^{p['predicted_exponent']:.4g}"]
    return "\n".join(lines)


def _figures(args) -> dict:
    from figures import REGISTRY, regenerate

    if args.list:
        return {name: module.__doc__.strip().splitlines()[0] for name, module in REGISTRY.items()}
    written = regenerate(args.out, args.only or None)
    return {"out": str(args.out), "written": [str(path) for path in written]}


def _check_papers(args) -> dict:
    from paper_checks import run

    results = [result.to_dict() for result in run(args.paper)]
    if args.json:
        return {"checks": results}
    return {f"{r['paper']}.{r['check']}": f"{r['status']}: claimed {r['claimed']!r}; recomputed {r['recomputed']!r}"
            for r in results}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="batchlab", allow_abbrev=False,
                     description="Theory simulator and verifier for batch-size scaling.")
    systems = parser.add_subparsers(dest="system", required=True, metavar="<command>")

    linreg = systems.add_parser("linreg", help="mini-batch SGD on power-law linear regression", allow_abbrev=False)
    verbs = linreg.add_subparsers(dest="verb", required=True, metavar="<verb>")

    def problem_args(parser):
        parser.add_argument("--a", type=float, required=True, help="spectrum exponent, lambda_i = i^-a (a > 1)")
        parser.add_argument("--b", type=float, required=True, help="source exponent, lambda_i w*_i^2 = i^-b")
        parser.add_argument("--dim", type=int, required=True, help="dimension d (truncation of the spectrum)")
        parser.add_argument("--sigma", type=float, default=1.0, help="label-noise standard deviation (default 1)")

    def measurement_args(parser):
        add = parser.add_argument
        add("--definition", choices=["paper", "fit", "fit-alpha", "sfo", "noise"], default="paper",
            help="which B* goes in 'cbs' (default paper); all are reported")
        add("--target", type=float, help="loss that f(B) counts steps to (default R_opt)")
        add("--overhead", type=float, default=1.2, help="overhead factor over linear scaling (default 1.2)")
        add("--batches", type=int, nargs="+", metavar="B",
            help="batch sizes, each dividing every data size (default 2^j and 3*2^j up to D/2)")
        add("--max-overhead", type=float, default=4.0,
            help="f(B) is searched up to this many times D/B steps (default 4)")
        add("--iterate", choices=["averaged", "last"], default="averaged",
            help="whose risk: the paper's average of the iterates (default) or the last iterate")
        add("--lr-grid", type=int, default=12, help="learning rates on the tuning grid (default 12)")
        add("--workers", type=int, help="threads (default: NUMBA_NUM_THREADS)")
        add("--cache", help="cache folder (default $BATCHLAB_CACHE or ~/.cache/batchlab)")
        add("--no-cache", action="store_true", help="compute everything, store nothing")
        add("--json", action="store_true", help="print one JSON object")

    risk = verbs.add_parser(
        "risk", allow_abbrev=False,
        help="expected excess risk of one-pass mini-batch SGD",
        description="Expected excess risk (w - w*)^T H (w - w*) (no factor 1/2) of one-pass mini-batch SGD with "
                    "constant learning rate from w_0 = 0 on x ~ N(0, H), H = diag(i^-a), source condition "
                    "lambda_i w*_i^2 = i^-b, i = 1..dim: last iterate w_n, the paper's average (1/n) sum_{t<n} w_t, "
                    "and the average of the last half; bias and variance are of the average. n = samples/batch.")
    problem_args(risk)
    risk.add_argument("--samples", type=int, required=True, help="data size D, a multiple of --batch")
    risk.add_argument("--batch", type=int, required=True, help="batch size B")
    risk.add_argument("--lr", type=float, required=True, help="constant learning rate gamma > 0")
    risk.add_argument("--method", choices=["exact", "mc", "mc-naive"], default="exact",
                      help="exact second-moment recursion (default), sufficient-statistic Monte Carlo, "
                           "or Monte Carlo drawing every sample")
    risk.add_argument("--reps", type=int, default=200, help="Monte Carlo replicates (default 200, >= 2)")
    risk.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    risk.add_argument("--json", action="store_true", help="print one JSON object")
    risk.set_defaults(run=_linreg_risk)

    cbs = verbs.add_parser(
        "cbs", allow_abbrev=False, help="critical batch size at one data size, every definition",
        description="Critical batch size of one-pass mini-batch SGD at data size D, from the exact engine. Per batch "
                    "size B (each dividing D): R(D,B), the excess risk after one pass with the learning rate tuned, "
                    "and f(B), the fewest steps (learning rate tuned again) to reach the target, R_opt = min_B R(D,B) "
                    "by default. Definitions: paper (Definition 3 of Zhang et al. 2024: the largest B > B_opt with "
                    "f(B) <= overhead * D/B, interpolated between grid points), fit (log f = log(a + b/B), B* from "
                    "the transition equation), fit-alpha (the same with alpha fitted), sfo (argmin B*f(B)), noise "
                    "(McCandlish's B_noise at the end of the R_opt run). Results are cached on disk.")
    problem_args(cbs)
    cbs.add_argument("--samples", type=int, required=True, help="data size D")
    measurement_args(cbs)
    cbs.set_defaults(run=_linreg_cbs, render=_render_cbs)

    scaling = verbs.add_parser(
        "cbs-scaling", allow_abbrev=False, help="critical batch size across data sizes, with fitted exponents",
        description="B*(D) by every definition (as 'linreg cbs') at each data size, the log-log slope of B* "
                    "against D over the given D, and Corollary 8's predicted exponent 1 - a/min(b, 2a+1). "
                    "All (D, B) tunings run as one parallel, cached sweep.")
    problem_args(scaling)
    scaling.add_argument("--samples", type=int, nargs="+", required=True, metavar="D",
                         help="data sizes (at least two), e.g. 1536 3072 6144 12288")
    measurement_args(scaling)
    scaling.set_defaults(run=_linreg_cbs_scaling, render=_render_cbs_scaling)

    from sim._cli_nqm import add_parsers as add_nqm
    from sim._cli_scg import add_parsers as add_scg

    add_nqm(systems)
    add_scg(systems)

    figs = systems.add_parser("figures", help="regenerate the figure gallery (PNG and PDF)", allow_abbrev=False)
    figs.add_argument("--out", default="figures/gallery", help="output folder (default figures/gallery)")
    figs.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these figures")
    figs.add_argument("--list", action="store_true", help="list the figures and exit")
    figs.add_argument("--json", action="store_true", help="print one JSON object")
    figs.set_defaults(run=_figures)

    checks = systems.add_parser("check-papers", help="recompute published numbers and claims", allow_abbrev=False)
    checks.add_argument("--paper", help="only this paper's checks (default: all)")
    checks.add_argument("--json", action="store_true", help="print one JSON object")
    checks.set_defaults(run=_check_papers)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        payload = args.run(args)
    except InvalidParameter as err:
        prog = f"batchlab {args.system}" + (f" {args.verb}" if getattr(args, "verb", None) else "")
        print(f"{prog}: error: --{err.name.replace('_', '-')}: {str(err).split(': ', 1)[1]}", file=sys.stderr)
        return 2
    _emit(payload, args.json, getattr(args, "render", None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
