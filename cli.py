"""The ``batchlab`` command line: thin argument parsing over the Python API, no library logic.

``batchlab <system> <verb> [options] [--json]``, one module per system (:mod:`batchlab._cli_linreg`,
:mod:`batchlab._cli_nqm`, :mod:`batchlab._cli_scg`, :mod:`batchlab._cli_sfo`) and the shared parents and printing in
:mod:`batchlab._cli_common`. Every verb that computes prints one JSON object on stdout with
``--json`` (nothing else goes to stdout), a readable table otherwise. A user mistake
(:class:`batchlab.sim.errors.InvalidParameter`) is one line on stderr and exit status 2.
"""

import contextlib
import os
import sys
import threading
import warnings

from batchlab import __version__
from batchlab._cli_common import Parser, add_verb, emit, sweep_session
from batchlab.sim.errors import InvalidParameter

CLOSED_PIPE = 141  # 128 + SIGPIPE: what a filter killed by a closed pipe reports


def _figures(args) -> dict:
    from batchlab.figures import REGISTRY, describe, parse_assignments, regenerate, single

    names = args.only or list(REGISTRY)
    overrides = parse_assignments(single(names), args.set) if args.set else None
    if args.list:
        return {name: describe(name) for name in names}
    written = regenerate(args.out, names, overrides=overrides, data=args.data)
    return {"out": str(args.out), "written": [str(path) for path in written]}


def _render_figure_list(payload: dict) -> str:
    from batchlab.figures import show_value

    lines = []
    for name, entry in payload.items():
        if not isinstance(entry, dict):  # a regeneration's payload: out and written, one file a line
            return "\n".join([f"wrote {len(payload['written'])} files into {payload['out']}:"]
                             + [f"  {path}" for path in payload["written"]])
        lines += [f"{name}: {entry['title']}",
                  "  --set " + " ".join(f"{key}={show_value(value)}" for key, value in entry["parameters"].items())]
    return "\n".join(lines)


def _check_papers(args) -> dict:
    from batchlab.paper_checks import run

    results = [result.to_dict() for result in run(args.paper)]
    if args.json:
        return {"checks": results}
    return {f"{r['paper']}.{r['check']}": f"{r['status']}: claimed {r['claimed']!r}; recomputed {r['recomputed']!r}"
            for r in results}


def build_parser() -> Parser:
    """The ``batchlab`` argument parser: the systems' verbs, ``figures`` and ``check-papers``."""
    from batchlab import _cli_linreg, _cli_nqm, _cli_scg, _cli_sfo

    parser = Parser(prog="batchlab", allow_abbrev=False,
                    description="Theory simulator and verifier for batch-size scaling.")
    parser.add_argument("--version", action="version", version=f"batchlab {__version__}")
    systems = parser.add_subparsers(dest="system", required=True, metavar="<command>")
    for module in (_cli_linreg, _cli_nqm, _cli_scg, _cli_sfo):
        module.add_parsers(systems)

    figs = add_verb(systems, "figures", run=_figures, render=_render_figure_list,
                    help="regenerate the figure gallery (PNG and PDF), or one figure for your own parameters",
                    description="Recompute and draw the figures (the gallery: about 12 minutes on 2 cores with cold "
                                "caches). --list shows each figure's parameters and their defaults; --only NAME "
                                "--set KEY=VALUE ... redraws one figure for other values (tuples as comma-separated "
                                "numbers); --data writes each figure's data beside it (NAME.json, and NAME.csv "
                                "for tables).")
    figs.add_argument("--out", default="figures/gallery", help="output folder (default figures/gallery)")
    figs.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these figures")
    figs.add_argument("--list", action="store_true", help="list the figures and their parameters, and exit")
    figs.add_argument("--set", nargs="+", metavar="KEY=VALUE", help="parameters of the one --only figure")
    figs.add_argument("--data", action="store_true", help="also write each figure's data (JSON; CSV for tables)")

    checks = add_verb(systems, "check-papers", run=_check_papers, help="recompute published numbers and claims")
    checks.add_argument("--paper", help="only this paper's checks (default: all)")
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"batchlab: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Exit status 0 on success, 2 for a user mistake (one line on stderr naming the parameter), 130 on Ctrl-C (one
    line; every finished sweep result is already in the cache, unless ``--no-cache``, so running the command again
    resumes), 141 (128 + SIGPIPE, as a Unix filter) without a word when the reader of stdout has gone. Warnings
    are one line each.
    """
    args = build_parser().parse_args(argv)
    prog = args.prog = f"batchlab {args.system}" + (f" {args.verb}" if getattr(args, "verb", None) else "")
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            with sweep_session(args) if hasattr(args, "executor") else contextlib.nullcontext():
                payload = args.run(args)
    except InvalidParameter as err:
        print(f"{prog}: error: --{err.name.replace('_', '-')}: {str(err).split(': ', 1)[1]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted{_what_was_kept(args)}", file=sys.stderr)
        return 130
    try:
        emit(payload, args.json, args.render)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (``| head -1``): say nothing more, as a Unix filter does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the flush at exit cannot fail again
        return CLOSED_PIPE
    return 0


def _what_was_kept(args) -> str:
    """What an interrupted verb leaves behind, for its one line: the sweeps' cache, unless --no-cache."""
    if not hasattr(args, "executor"):
        return ""
    if args.no_cache:
        return " (nothing was cached: --no-cache)"
    return " (finished results are cached: run the command again to resume)"


def run() -> None:
    """The console script: :func:`main`; after Ctrl-C, exit without waiting for worker threads still in Numba."""
    status = main()
    if status == 130 and any(thread.is_alive() and not thread.daemon and thread is not threading.main_thread()
                             for thread in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # a nogil call cannot be stopped; its result would not be stored anyway
    sys.exit(status)


if __name__ == "__main__":
    run()
