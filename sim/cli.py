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
import sys

from sim.errors import InvalidParameter


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _emit(payload: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, allow_nan=False))
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
    risk = verbs.add_parser(
        "risk", allow_abbrev=False,
        help="expected excess risk of one-pass mini-batch SGD",
        description="Expected excess risk (w - w*)^T H (w - w*) (no factor 1/2) of one-pass mini-batch SGD with "
                    "constant learning rate from w_0 = 0 on x ~ N(0, H), H = diag(i^-a), source condition "
                    "lambda_i w*_i^2 = i^-b, i = 1..dim: last iterate w_n, the paper's average (1/n) sum_{t<n} w_t, "
                    "and the average of the last half; bias and variance are of the average. n = samples/batch.")
    risk.add_argument("--a", type=float, required=True, help="spectrum exponent, lambda_i = i^-a (a > 1)")
    risk.add_argument("--b", type=float, required=True, help="source exponent, lambda_i w*_i^2 = i^-b")
    risk.add_argument("--dim", type=int, required=True, help="dimension d (truncation of the spectrum)")
    risk.add_argument("--samples", type=int, required=True, help="data size D, a multiple of --batch")
    risk.add_argument("--batch", type=int, required=True, help="batch size B")
    risk.add_argument("--lr", type=float, required=True, help="constant learning rate gamma > 0")
    risk.add_argument("--sigma", type=float, default=1.0, help="label-noise standard deviation (default 1)")
    risk.add_argument("--method", choices=["exact", "mc", "mc-naive"], default="exact",
                      help="exact second-moment recursion (default), sufficient-statistic Monte Carlo, "
                           "or Monte Carlo drawing every sample")
    risk.add_argument("--reps", type=int, default=200, help="Monte Carlo replicates (default 200, >= 2)")
    risk.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    risk.add_argument("--json", action="store_true", help="print one JSON object")
    risk.set_defaults(run=_linreg_risk)

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
    _emit(payload, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
