"""Sweeps: run a task over a grid of configurations in parallel, with a persistent on-disk cache.

A *task* is a module-level function ``task(**config) -> dict`` that is deterministic (any
randomness is seeded from the config) and returns JSON data. :func:`sweep` runs the
configurations that the cache does not hold on ``workers`` (a thread pool by default, or any
:class:`concurrent.futures.Executor`: processes, a Dask cluster; see :mod:`batchlab.sim.parallel`),
stores each result in the driver the moment it arrives (workers need no shared folder), and
returns the results in configuration order. Hence:

* the results never depend on the executor, the number of workers or the completion order
  (every result, fresh or cached, is returned as its JSON round trip);
* a sweep killed midway (SIGKILL included) keeps every finished configuration, and running it
  again computes only the rest, giving results identical to an uninterrupted or uncached run;
* a cache entry is keyed by the task's name, the full configuration and a fingerprint of
  batchlab's own simulation and theory code plus the numeric libraries' versions, so any
  change to the engines invalidates it. Entries are written atomically (a temporary file in
  the same folder, then ``os.replace``), so processes sharing a cache folder never see half an
  entry; each entry carries the sha256 of its result, and one that is truncated or altered is
  reported (one :class:`CacheWarning` per sweep) and recomputed.

The cache lives in ``$BATCHLAB_CACHE``, else ``$XDG_CACHE_HOME/batchlab``, else
``~/.cache/batchlab``; pass ``cache=None`` to run without it. The folder is checked (created,
written to) before any work starts.
"""

import functools
import hashlib
import json
import math
import os
import tempfile
import warnings
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import numba
import numpy as np
import scipy

from batchlab.sim import errors
from batchlab.sim.parallel import capped, pool
from batchlab.sim.progress import bar

DEFAULT = "default"


def default_cache_dir() -> Path:
    """``$BATCHLAB_CACHE``, else ``$XDG_CACHE_HOME/batchlab``, else ``~/.cache/batchlab``."""
    if os.environ.get("BATCHLAB_CACHE"):
        return Path(os.environ["BATCHLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "batchlab"


@functools.cache
def code_fingerprint() -> str:
    """sha256 of every source file of the ``sim`` and ``theory`` packages and the numeric libraries' versions."""
    digest = hashlib.sha256(f"numpy {np.__version__} numba {numba.__version__} scipy {scipy.__version__}".encode())
    root = Path(__file__).resolve().parent.parent
    for package in ("sim", "theory"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _checksum(result) -> str:
    return hashlib.sha256(_canonical(result).encode()).hexdigest()


class CacheWarning(UserWarning):
    """Cache entries were unreadable (truncated, altered) and have been recomputed."""


class Corrupted(Exception):
    """A cache entry exists but is not a complete, intact entry for its key."""


class Cache:
    """A folder of JSON results, one file per (task, configuration, code fingerprint)."""

    def __init__(self, root):
        self.root = Path(root)

    def check(self) -> "Cache":
        """The cache itself, once its folder is known to be creatable and writable (else :class:`InvalidParameter`)."""
        errors.writable_folder("cache", self.root, "set by --cache or $BATCHLAB_CACHE")
        return self

    def key(self, task, config: dict) -> str:
        """The cache key of ``task`` at ``config``: a hash of both and of the code's fingerprint."""
        name = f"{task.__module__}.{task.__qualname__}"
        return hashlib.sha256(_canonical([name, config, code_fingerprint()]).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str, config: dict):
        """The stored result, or None when there is none; :class:`Corrupted` when the entry is not intact."""
        path = self._path(key)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise Corrupted(f"{path}: {err.strerror}") from None
        try:
            entry = json.loads(text)
            intact = _canonical(entry["config"]) == _canonical(config) and entry["sha256"] == _checksum(entry["result"])
        except (ValueError, KeyError, TypeError):
            intact = False
        if not intact:
            raise Corrupted(str(path))
        return entry["result"]

    def store(self, key: str, result, config: dict) -> None:
        """Write ``result`` under ``key`` (atomically: a temporary file renamed into place)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The temporary name does not end in .json, so nothing that lists entries sees a half-written one; an
        # interrupt (Ctrl-C) between creating and renaming it removes it.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-", suffix=".part", delete=False) as tmp:
            try:
                tmp.write(_canonical({"config": config, "result": result, "sha256": _checksum(result)}))
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        try:
            os.replace(tmp.name, path)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise

    def load_all(self, keys: list, configs: list) -> list:
        """:meth:`load` of each key, None where missing or corrupted; one :class:`CacheWarning` for the corrupted."""
        results, corrupted = [], []
        for key, config in zip(keys, configs):
            try:
                results.append(self.load(key, config))
            except Corrupted as err:
                results.append(None)
                corrupted.append(str(err))
        if corrupted:
            warnings.warn(f"{len(corrupted)} corrupted cache entr{'y' if len(corrupted) == 1 else 'ies'} "
                          f"recomputed (first: {corrupted[0]})", CacheWarning, stacklevel=3)
        return results


def resolve_cache(cache) -> Cache | None:
    """``DEFAULT`` → the default folder, None/False → no cache, a path → that folder, a Cache → itself; checked."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, Cache):
        return cache.check()
    return Cache(default_cache_dir() if cache == DEFAULT else cache).check()


def run_task(task, config: dict):
    """``task(**config)``: what a worker runs for one configuration (under :func:`batchlab.sim.parallel.capped`)."""
    return task(**config)


def column(records, key: str = "value") -> np.ndarray:
    """``record[key]`` of each sweep record as a float array, nan where a record has None (not reached, diverged)."""
    return np.array([math.nan if record[key] is None else record[key] for record in records], dtype=np.float64)


def sweep(task, configs, *, cache=DEFAULT, workers=None, desc: str | None = None, on_result=None) -> list:
    """``[task(**c) for c in configs]`` (as JSON round trips), in parallel, cached, resumable.

    ``workers``: an int (threads; default Numba's thread count) or a :class:`concurrent.futures.Executor`
    (see :mod:`batchlab.sim.parallel`), which is used and left open. ``on_result(index, result)`` is called in
    the driver as each fresh result is stored. A progress bar goes to stderr when it is a terminal.
    """
    configs = [dict(c) for c in configs]
    store = resolve_cache(cache)
    keys = [store.key(task, c) for c in configs] if store else [None] * len(configs)
    results = store.load_all(keys, configs) if store else [None] * len(configs)
    todo = [i for i, result in enumerate(results) if result is None]
    with bar(total=len(configs), initial=len(configs) - len(todo), desc=desc) as progress, \
            pool(workers, len(todo)) as executor:
        pending = {executor.submit(capped, run_task, task, configs[i]): i for i in todo}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.get):
                    i = pending.pop(future)
                    results[i] = json.loads(_canonical(future.result()))
                    if store:
                        store.store(keys[i], results[i], configs[i])
                    progress.update()
                    if on_result is not None:
                        on_result(i, results[i])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return results
