"""Run replicate kernels on a thread pool.

Kernels are ``nogil`` Numba functions, one call per replicate with that
replicate's own Generator (see :mod:`batchlab.sim.seeding`), so threads give real
speed-up and the results are identical whatever the worker count: each result
is stored at its replicate's index and no state is shared between replicates.
"""

from concurrent.futures import ThreadPoolExecutor

import numba


def default_workers() -> int:
    """Worker threads: Numba's thread count (honours ``NUMBA_NUM_THREADS``)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def map_replicates(fn, items, workers: int | None = None) -> list:
    """Return ``[fn(item) for item in items]``, computed on ``workers`` threads."""
    items = list(items)
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
