"""What every ``batchlab`` verb shares: the parser class, the argparse parents and the printing.

Parents (``parents=[...]`` in ``add_parser``), so that a flag means the same on every verb:

* :data:`JSON`: ``--json``, one JSON object on stdout and nothing else there;
* :data:`SWEEP`: ``--workers``, ``--executor``, ``--scheduler``, ``--cache`` and ``--no-cache`` for verbs that run
  a cached sweep; :func:`sweep_session` opens what they ask for before the verb runs.
"""

import argparse
import contextlib
import dataclasses
import difflib
import json
import math
import re
import sys
import threading
import time

from batchlab.sim import errors
from batchlab.sim.parallel import EXECUTORS


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2.

    An unknown flag is named even when a required one is missing too (argparse reports only the missing one, so
    ``--sample 3072`` read "the following arguments are required: --samples"), with the closest known flag.
    """

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)  # what error() looks through for unknown flags
        return super().parse_known_args(args, namespace)

    def _unknown_flags(self) -> list[str]:
        flags = [token.split("=", 1)[0] for token in getattr(self, "_given", ()) if token.startswith("--")]
        return [flag for flag in flags if flag != "--" and flag not in self._option_string_actions]

    def error(self, message):
        unknown = self._unknown_flags() if message.startswith("the following arguments are required") else []
        if unknown:
            guess = difflib.get_close_matches(unknown[0], list(self._option_string_actions), n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            message = f"unrecognized arguments: {' '.join(unknown)}{hint}; and {message}"
        self.exit(2, f"{self.prog}: error: {message}\n")


def count(text: str) -> int:
    """An integer flag (a budget, a size, a count): a whole number, also written as 1e15 or 1_000_000."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise argparse.ArgumentTypeError(f"must be a whole number, e.g. 65536 or 1e15 (got {text!r})")
    return int(value)


TYPES = {int: count, float: float, str: str}  # a dataclass field's type -> the flag's (add_fields)


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False, allow_abbrev=False)


JSON = _parent()
JSON.add_argument("--json", action="store_true", help="print one JSON object")

SWEEP = _parent()
SWEEP.add_argument("--workers", type=count,
                   help="threads, processes or local Dask workers, at most the machine's cores (default: "
                        "NUMBA_NUM_THREADS)")
SWEEP.add_argument("--executor", choices=EXECUTORS, default="threads",
                   help="where the sweep runs (default threads; dask needs pip install \"batchlab[dask]\")")
SWEEP.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask distributed scheduler to run on (with --executor dask; default: a local cluster)")
SWEEP.add_argument("--cache", help="cache folder (default $BATCHLAB_CACHE or ~/.cache/batchlab)")
SWEEP.add_argument("--no-cache", action="store_true", help="compute everything, store nothing")


def add_fields(parser, cls) -> None:
    """A flag for every field of the dataclass ``cls`` that has a ``help`` in its metadata.

    ``--field-name`` takes the field's type (``count`` for an int; a bool is a switch), its default (a field without
    one is a required flag) and the ``choices`` of its metadata: the command line cannot drift from the library's
    settings object. Build the object back with :func:`from_fields`.
    """
    for spec in dataclasses.fields(cls):
        if "help" not in spec.metadata:
            continue
        flag, default = "--" + spec.name.replace("_", "-"), spec.default
        text = spec.metadata["help"]
        if spec.type is bool:
            parser.add_argument(flag, action="store_true", help=text)
        elif default is dataclasses.MISSING:
            parser.add_argument(flag, type=TYPES[spec.type], required=True, help=text,
                                choices=spec.metadata.get("choices"))
        else:
            parser.add_argument(flag, type=TYPES[spec.type], default=default, choices=spec.metadata.get("choices"),
                                help=f"{text} (default {default})")


def from_fields(args, cls, **fixed):
    """``cls`` built from the flags :func:`add_fields` made for it (and ``fixed`` values), validated by ``cls``."""
    return cls(**{spec.name: getattr(args, spec.name) for spec in dataclasses.fields(cls)
                  if "help" in spec.metadata} | fixed)


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


HOUR = 3600.0  # a request estimated to take longer is refused before it starts
ANNOUNCE_FROM = 10.0  # a request estimated to take longer is announced (a bar on a terminal, else one line)


def duration(seconds: float) -> str:
    """``seconds`` in the largest unit that keeps it readable: "40 s", "7 min", "3.2 h", "1.2e+06 h"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * HOUR:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / HOUR:.2g} h"


@contextlib.contextmanager
def long_request(args, seconds: float, *, name: str, value, what: str):
    """Run the block after weighing its estimated ``seconds``: the contract for requests that take a while.

    Over an hour: refused before it starts, an :class:`~batchlab.sim.errors.InvalidParameter` on the flag ``name``
    (``value`` as given) with the estimate and ``what`` the work is. Over :data:`ANNOUNCE_FROM`: on a terminal a
    bar of the elapsed time against the estimate, off one a single stderr line with the estimate. Else nothing.
    """
    if seconds > HOUR:
        raise errors.InvalidParameter(name, f"small enough to finish within an hour: {what} would take about "
                                            f"{duration(seconds)}", value)
    if seconds < ANNOUNCE_FROM:
        yield
        return
    if not sys.stderr.isatty():
        print(f"{args.prog}: {what}: about {duration(seconds)}", file=sys.stderr, flush=True)
        yield
        return
    from batchlab.sim.progress import bar

    done = threading.Event()
    with bar(total=round(seconds), desc=f"{what} (estimated {duration(seconds)})") as timer:
        def tick():  # the elapsed seconds, held below the estimate until the work is done
            while not done.wait(0.5):
                timer.n = min(round(time.monotonic() - start), timer.total - 1)
                timer.refresh()

        start = time.monotonic()
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()


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
