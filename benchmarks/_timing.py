"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/NAME.py``: this folder is on the path)."""

import statistics
import time


def median_time(fn, repeats: int = 5) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` after one warm-up call (JIT compilation, caches)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
