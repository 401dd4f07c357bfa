"""Benchmark of the executor seam: the B*(D) curve of benchmarks/cbs.py on threads, processes and Dask, in one run.

    python benchmarks/sweep.py [--samples-up-to 196608] [--tasks 200]

The curve (a, b) = (1.5, 2.5) at d = 1000 over the data sizes of benchmarks/cbs.py, uncached, on 1 thread, then on
2 threads, 2 processes and a Dask LocalCluster of 2 single-threaded worker processes; parallel efficiency
T_1 / (2·T_2) for each (targets, issue 12: >= 0.9 for threads and processes, >= 0.8 for Dask, on 2 cores). Every
executor is started, and its workers warmed up on a small curve (imports, Numba's cached kernels), before its
timing. Each parallel curve is timed once (a cold run takes about a minute); the serial one before and after them,
and T_1 is the mean of the two, so that a drift of the machine's speed during the run shows. Then Dask's overhead
per task: a sweep of ``--tasks`` tasks that do nothing, on the cluster, against the same sweep run inline, divided
by the number of tasks. The results of all curves must be identical, and are checked.
"""

import argparse
import time

from batchlab.sim import parallel
from batchlab.sim.linreg import LinRegProblem, measure_cbs_scaling
from batchlab.sim.sweep import sweep

PROBLEM = LinRegProblem.power_law(1.5, 2.5, 1000)


def nothing(index: int) -> dict:
    """A task that does no work: what a sweep costs per task on an executor."""
    return {"index": index}


def curve(samples, workers):
    start = time.perf_counter()
    result = measure_cbs_scaling(PROBLEM, samples, cache=None, workers=workers).to_dict()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples-up-to", type=int, default=3 * 2**16)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    samples = [3 * 2**k for k in range(5, 17) if 3 * 2**k <= args.samples_up_to]
    print(f"B*(D) curve: a=1.5, b=2.5, d=1000, D = {samples[0]}..{samples[-1]} ({len(samples)} data sizes), "
          "no cache")
    curve([96, 192, 384], 1)  # JIT and imports in this process
    first, reference = curve(samples, 1)
    rows = []
    for kind in ("threads", "processes", "dask"):
        with parallel.executor(kind, workers=2) as executor:
            curve([96, 192], executor)  # warm the workers
            elapsed, result = curve(samples, executor)
            assert result == reference, f"{kind}: results differ from the serial run"
            if kind == "dask":
                configs = [{"index": i} for i in range(args.tasks)]
                inline = time.perf_counter()
                sweep(nothing, configs, cache=None, workers=1)
                inline = time.perf_counter() - inline
                remote = time.perf_counter()
                sweep(nothing, configs, cache=None, workers=executor)
                remote = time.perf_counter() - remote
        rows.append((kind, elapsed))
    last, result = curve(samples, 1)
    assert result == reference, "the serial run is not reproducible"
    serial = (first + last) / 2
    print(f"1 thread:             {serial:7.1f} s   (before the parallel runs {first:.1f} s, after {last:.1f} s)")
    for kind, elapsed in rows:
        efficiency = serial / (2 * elapsed)
        target = 0.8 if kind == "dask" else 0.9
        print(f"2 {kind + ':':<18} {elapsed:7.1f} s   speed-up {serial / elapsed:.2f}x   efficiency {efficiency:.2f}"
              f"   (target >= {target})   results identical: yes")
    print(f"Dask overhead per task: {(remote - inline) / args.tasks * 1e3:.2f} ms "
          f"({args.tasks} empty tasks: {remote:.2f} s on the cluster, {inline:.3f} s inline)")


if __name__ == "__main__":
    main()
