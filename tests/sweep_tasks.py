"""Sweep tasks for tests/test_sweep.py, importable by a subprocess (tests/ on its PYTHONPATH)."""

import os
import signal
import time

import numpy as np

CALLS = []


def noisy_sum(index: int, seed: int, size: int) -> dict:
    """Deterministic in its config: a seeded draw, a float that exercises JSON round trips."""
    CALLS.append(index)
    if os.environ.get("SWEEP_TEST_KILL_AT") == str(index):
        time.sleep(0.3)  # let the earlier configurations finish and be stored
        os.kill(os.getpid(), signal.SIGKILL)
    values = np.random.default_rng([seed, index]).standard_normal(size)
    return {"index": index, "sum": float(values.sum()), "third": 1.0 / 3.0, "values": values[:3].tolist()}


def shuffled(index: int, seed: int, size: int) -> dict:
    """:func:`noisy_sum` after a sleep that differs per configuration, so that completion order is scrambled."""
    time.sleep(0.05 * ((index * 7) % 5))
    return noisy_sum(index, seed, size)


def numba_threads() -> dict:
    """The thread count a task sees (batchlab's replicate maps and Numba's parallel kernels use it)."""
    from batchlab.sim.parallel import default_workers

    return {"threads": default_workers()}
