"""Where batchlab's parallel work runs: a thread pool by default, any :class:`concurrent.futures.Executor` on request.

Two kinds of work run in parallel: the replicates of a Monte Carlo estimate (:func:`map_replicates`) and the
configurations of a sweep (:func:`batchlab.sim.sweep.sweep`). Both take ``workers``, as SciPy's functions do: an
int, the threads of a pool made for the call (default: Numba's thread count), or an Executor to run on, such as a
:class:`~concurrent.futures.ProcessPoolExecutor` or the executor of a Dask distributed client
(``Client.get_executor()``); :func:`executor` opens the three kinds the command line offers.

What is sent to an executor is a module-level function with picklable arguments, so it runs as well in another
process or on another machine. Each call runs under :func:`capped`, with Numba's thread count set to 1 for its
duration (``numba.set_num_threads`` is thread-local), so that N workers on N cores start N threads, not N²;
:func:`default_workers` reads that count, so a map inside a sweep task runs serially. Results do not depend on
where or in which order the calls run: each replicate and each configuration carries its own seed, and each result
is stored at its own index.

Numba's kernels are ``nogil``, so threads already use every core of one machine; processes and Dask are for more
machines, or for work that holds the GIL.
"""

import contextlib
import dataclasses
import functools
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

import numba

from batchlab.sim import errors

EXECUTORS = ("threads", "processes", "dask")

Workers = int | Executor | None
"""What a ``workers`` argument takes: a thread count (None: :func:`default_workers`) or an Executor to run on."""


def default_workers() -> int:
    """Worker threads: Numba's thread count in the calling thread (``NUMBA_NUM_THREADS``; 1 inside a task)."""
    return max(1, int(numba.get_num_threads()))


_task = threading.local()


def capped(fn, *args):
    """``fn(*args)`` as a task on a worker: Numba's thread count in this thread set to 1 for the duration."""
    previous, outer = numba.get_num_threads(), getattr(_task, "running", False)
    numba.set_num_threads(1)
    _task.running = True
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(previous)
        _task.running = outer


def in_task() -> bool:
    """Whether the calling thread is running a task under :func:`capped` (progress bars stay off there)."""
    return getattr(_task, "running", False)


@dataclasses.dataclass(frozen=True)
class ByName:
    """A module-level function pickled by its module and name, and looked up there when called.

    A Numba dispatcher pickled by value is rebuilt in each worker process and compiled again (11 s for the SCG
    kernel in each fresh worker); looked up by name, it is the module's own, loaded from Numba's on-disk cache.
    """

    module: str
    name: str

    @classmethod
    def of(cls, function) -> "ByName":
        """``function`` (a module-level function or a Numba dispatcher of one) by its module and name."""
        inner = getattr(function, "py_func", function)
        return cls(inner.__module__, inner.__qualname__)

    def __call__(self, *args):
        """The function, from its module, called with ``args``."""
        return getattr(importlib.import_module(self.module), self.name)(*args)


def call_with_rng(kernel, args: tuple, rng):
    """``kernel(rng, *args)``: a replicate, as a picklable call (see :func:`replicate`)."""
    return kernel(rng, *args)


def replicate(kernel, *args):
    """The function ``rng -> kernel(rng, *args)``, picklable (for :func:`map_replicates` on processes or Dask).

    ``kernel`` travels by name (:class:`ByName`): a worker process uses its module's compiled kernel.
    """
    return functools.partial(call_with_rng, ByName.of(kernel), args)


@contextlib.contextmanager
def pool(workers, tasks: int):
    """The executor for ``tasks`` calls: ``workers`` itself if it is one, else a thread pool of that many threads.

    A pool made here is shut down on leaving; on an exception (Ctrl-C included) without waiting for the calls that
    are running, and with the queued ones cancelled.
    """
    if isinstance(workers, Executor):
        yield workers
        return
    threads = default_workers() if workers is None else errors.integer("workers", workers)
    executor = ThreadPoolExecutor(max_workers=max(1, min(threads, tasks)))
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()


def map_replicates(fn, items, workers: Workers = None) -> list:
    """``[fn(item) for item in items]``, on ``workers`` (an int: threads; or an Executor, for a picklable ``fn``)."""
    items = list(items)
    if not isinstance(workers, Executor):
        workers = default_workers() if workers is None else errors.integer("workers", workers)
        if workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
    with pool(workers, len(items)) as executor:
        return [future.result() for future in [executor.submit(capped, fn, item) for item in items]]


def _ignore_interrupts():
    """Worker-process initializer: Ctrl-C is for the driver, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def replicates_seconds(seconds: float, reps: int, workers: int) -> float:
    """Wall time of ``reps`` replicates of ``seconds`` each on ``workers`` threads (the engines' estimates)."""
    return seconds * reps / max(1, min(workers, reps))


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _at_most_the_cores(workers: int) -> int:
    """``workers`` capped at :func:`machine_cores`, with a warning when that changes it.

    More workers than cores only contend for them: a thread pool slows down, a process pool or a local Dask
    cluster pays for starting each process (64 of them on 2 cores took ten times as long as 2 threads).
    """
    cores = machine_cores()
    if workers > cores:
        warnings.warn(f"workers: {workers} capped at this machine's {cores} cores", stacklevel=3)
    return min(workers, cores)


@contextlib.contextmanager
def executor(kind: str = "threads", workers: int | None = None, scheduler: str | None = None):
    """An Executor of ``kind`` (:data:`EXECUTORS`) with ``workers`` workers, closed on leaving.

    'threads': a thread pool; 'processes': a pool of fresh ('spawn') processes; 'dask': a Dask distributed client
    (``pip install "batchlab[dask]"``), connected to the scheduler at ``scheduler`` or, without one, to a
    ``LocalCluster`` of ``workers`` single-threaded worker processes started here. ``workers`` defaults to Numba's
    thread count and is capped, with a warning, at the machine's cores (for 'dask' with a scheduler the cluster
    decides).
    """
    if kind not in EXECUTORS:
        raise errors.InvalidParameter("executor", "one of " + ", ".join(EXECUTORS), kind)
    if scheduler is not None and kind != "dask":
        raise errors.InvalidParameter("scheduler", "used only with executor 'dask'", scheduler)
    workers = default_workers() if workers is None else errors.integer("workers", workers)
    if scheduler is None:
        workers = _at_most_the_cores(workers)
    if kind == "threads":
        with pool(workers, workers) as threads:
            yield threads
    elif kind == "processes":
        processes = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_ignore_interrupts)
        try:
            yield processes
        finally:
            # On an error or Ctrl-C the queued calls are cancelled and the running ones (one per worker) finish;
            # terminating the workers instead leaves the pool's semaphores to the resource tracker, which then
            # warns about them at exit.
            processes.shutdown(cancel_futures=True)
    else:
        with _dask_client(workers, scheduler) as client:
            yield client.get_executor()


@contextlib.contextmanager
def _dask_client(workers: int, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise errors.InvalidParameter("executor", 'installed for dask: pip install "batchlab[dask]"', "dask") \
            from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as err:
            raise errors.InvalidParameter("scheduler", "the address of a running Dask scheduler",
                                          f"{scheduler} ({err})") from None
        with client:
            yield client
        return
    # Workers log only errors: a Ctrl-C reaches them too, and the tasks it cancels are not worth a warning each.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client
