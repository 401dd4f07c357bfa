"""What every ``batchlab`` verb shares: the parser class, the argparse parents and the printing.

Parents (``parents=[...]`` in ``add_parser``), so that a flag means the same on every verb:

* :data:`JSON`: ``--json``, one JSON object on stdout and nothing else there;
* :data:`SWEEP`: ``--workers``, ``--executor``, ``--scheduler``, ``--cache`` and ``--no-cache`` for verbs that run
  a cached sweep; :func:`sweep_session` opens what they ask for before the verb runs.
"""

import argparse
import contextlib
import json
import re

from batchlab.sim import errors


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False, allow_abbrev=False)


JSON = _parent()
JSON.add_argument("--json", action="store_true", help="print one JSON object")

SWEEP = _parent()
SWEEP.add_argument("--workers", type=int, help="threads, processes or local Dask workers (default: NUMBA_NUM_THREADS)")
SWEEP.add_argument("--executor", choices=["threads", "processes", "dask"], default="threads",
                   help="where the sweep runs (default threads; dask needs pip install \"batchlab[dask]\")")
SWEEP.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask distributed scheduler to run on (with --executor dask; default: a local cluster)")
SWEEP.add_argument("--cache", help="cache folder (default $BATCHLAB_CACHE or ~/.cache/batchlab)")
SWEEP.add_argument("--no-cache", action="store_true", help="compute everything, store nothing")


def add_verb(verbs, name: str, *, run, render=None, sweep: bool = False, **kwargs) -> argparse.ArgumentParser:
    """A verb's parser with the shared parents (``--json`` always, the sweep flags when ``sweep``)."""
    parents = [JSON, SWEEP] if sweep else [JSON]
    parser = verbs.add_parser(name, parents=parents, allow_abbrev=False, **kwargs)
    parser.set_defaults(run=run, render=render)
    return parser


@contextlib.contextmanager
def sweep_session(args):
    """For a verb with the :data:`SWEEP` flags: the cache folder checked and the executor open while the verb runs.

    Sets ``args.sweep_options`` (what :func:`sweep_options` returns); the executor is closed on leaving.
    """
    from batchlab.sim.parallel import executor
    from batchlab.sim.sweep import DEFAULT, resolve_cache

    workers = None if args.workers is None else errors.integer("workers", args.workers)
    cache = None if args.no_cache else (args.cache or DEFAULT)
    resolve_cache(cache)
    with executor(args.executor, workers, args.scheduler) as pool:
        args.sweep_options = {"cache": cache, "workers": pool}
        yield


def sweep_options(args) -> dict:
    """``cache`` and ``workers`` (the open executor) for a sweep, from the :data:`SWEEP` flags."""
    return args.sweep_options


def add_definition(parser: argparse.ArgumentParser) -> None:
    """``--definition``: which CBS goes in ``cbs``, a key of :data:`batchlab.sim.critical_batch.DEFINITIONS`."""
    from batchlab.sim.critical_batch import DEFINITIONS

    parser.add_argument("--definition", choices=list(DEFINITIONS), default="paper",
                        help="which CBS goes in 'cbs' (default paper; all are reported): "
                             + "; ".join(f"{name}: {meaning}" for name, meaning in DEFINITIONS.items()))


def cell(value, fmt: str = ".4g") -> str:
    """``value`` formatted by ``fmt`` for a table, or "-" (right-aligned to the same width) where it is None."""
    if value is None:
        width = re.match(r"[<>^]?(\d*)", fmt).group(1)
        return "-".rjust(int(width or 0))
    return format(value, fmt)


def warning_lines(payload: dict) -> list[str]:
    """``warning: ...`` lines for the table output, one per entry of the payload's ``warnings`` list."""
    return [f"warning: {w}" for w in payload.get("warnings") or ()]


def emit(payload: dict, as_json: bool, render=None) -> None:
    """Print ``payload``: as one JSON object, through ``render``, or as a two-column table."""
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
