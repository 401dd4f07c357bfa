"""Sweeps: run a task over a grid of configurations in parallel, with a persistent on-disk cache.

A *task* is a module-level function ``task(**config) -> dict`` that is deterministic (any
randomness is seeded from the config) and returns JSON data. :func:`sweep` runs the
configurations that the cache does not hold on a thread pool (batchlab's kernels are
``nogil`` Numba, so threads run them in parallel), stores each result the moment it is
done, and returns the results in configuration order. Hence:

* the results never depend on the number of workers;
* a sweep killed midway keeps every finished configuration, and running it again computes
  only the rest, giving results identical to an uninterrupted or uncached run (every
  result, fresh or cached, is returned as its JSON round trip);
* a cache entry is keyed by the task's name, the full configuration and a fingerprint of
  batchlab's own simulation and theory code plus the numeric libraries' versions, so any
  change to the engines invalidates it. Entries are written atomically (a temporary file
  in the same folder, then ``os.replace``); an unreadable entry counts as missing.

The cache lives in ``$BATCHLAB_CACHE``, else ``$XDG_CACHE_HOME/batchlab``, else
``~/.cache/batchlab``; pass ``cache=None`` to run without it.
"""

import functools
import hashlib
import json
import math
import os
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

import numba
import numpy as np
import scipy
from tqdm import tqdm

from batchlab.sim.parallel import default_workers

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


class Cache:
    """A folder of JSON results, one file per (task, configuration, code fingerprint)."""

    def __init__(self, root):
        self.root = Path(root)

    def key(self, task, config: dict) -> str:
        """The cache key of ``task`` at ``config``: a hash of both and of the code's fingerprint."""
        name = f"{task.__module__}.{task.__qualname__}"
        return hashlib.sha256(_canonical([name, config, code_fingerprint()]).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str):
        """The stored result, or None when there is none or it cannot be read."""
        try:
            return json.loads(self._path(key).read_text())["result"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, result, config: dict) -> None:
        """Write ``result`` under ``key`` (atomically: a temporary file renamed into place)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-", suffix=".json", delete=False) as tmp:
            tmp.write(_canonical({"config": config, "result": result}))
        os.replace(tmp.name, path)


def resolve_cache(cache) -> Cache | None:
    """``DEFAULT`` → the default folder, None/False → no cache, a path → that folder, a Cache → itself."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, Cache):
        return cache
    return Cache(default_cache_dir() if cache == DEFAULT else cache)


def column(records, key: str = "value") -> np.ndarray:
    """``record[key]`` of each sweep record as a float array, nan where a record has None (not reached, diverged)."""
    return np.array([math.nan if record[key] is None else record[key] for record in records], dtype=np.float64)


def sweep(task, configs, *, cache=DEFAULT, workers: int | None = None, desc: str | None = None,
          on_result=None) -> list:
    """``[task(**c) for c in configs]`` (as JSON round trips), in parallel, cached, resumable.

    ``on_result(index, result)`` is called in the main thread as each fresh result is stored.
    ``workers`` defaults to Numba's thread count. A progress bar goes to stderr when it is a
    terminal.
    """
    configs = [dict(c) for c in configs]
    store = resolve_cache(cache)
    keys = [store.key(task, c) for c in configs] if store else [None] * len(configs)
    results = [store.load(k) if store else None for k in keys]
    todo = [i for i, result in enumerate(results) if result is None]
    workers = default_workers() if workers is None else max(1, int(workers))
    with tqdm(total=len(configs), initial=len(configs) - len(todo), desc=desc, file=sys.stderr, disable=None,
              leave=False) as bar, ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        pending = {pool.submit(task, **configs[i]): i for i in todo}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.get):
                    i = pending.pop(future)
                    results[i] = json.loads(_canonical(future.result()))
                    if store:
                        store.store(keys[i], results[i], configs[i])
                    bar.update()
                    if on_result is not None:
                        on_result(i, results[i])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return results
