"""Benchmark of a full critical-batch-size curve B*(D): cold cache, warm cache, parallel speed-up.

    python benchmarks/cbs.py [--workers 2] [--warm-repeats 5]

One (a, b) = (1.5, 2.5) at d = 1000, twelve data sizes D = 3·2^5..3·2^16 (96..196608, 3.3
decades), the default batch grid (2^j and 3·2^j up to D/2: 11 to 33 batch sizes per D), γ
tuned per (D, B) twice (risk at D, then steps to R_opt). Targets (issue 3): cold ≤ 60 s on
this 2-core machine, warm ≤ 1 s. The cold runs are single measurements (each takes tens of
seconds); the warm time is a median. Every run uses its own empty cache folder.
"""

import argparse
import statistics
import tempfile
import time

from batchlab.sim.linreg import LinRegProblem, default_batches, measure_cbs_scaling

SAMPLES = [3 * 2**k for k in range(5, 17)]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-repeats", type=int, default=5)
    args = parser.parse_args()
    problem = LinRegProblem.power_law(1.5, 2.5, 1000)
    counts = [len(default_batches(d)) for d in SAMPLES]
    print(f"B*(D) curve: a=1.5, b=2.5, d=1000, {len(SAMPLES)} data sizes {SAMPLES[0]}..{SAMPLES[-1]}, "
          f"{min(counts)}..{max(counts)} batch sizes each ({sum(counts)} (D, B) points, two tunings each)")
    measure_cbs_scaling(problem, [96], cache=None)  # JIT and imports outside the timings
    with tempfile.TemporaryDirectory() as parallel_dir, tempfile.TemporaryDirectory() as serial_dir:
        cold, runs = timed(lambda: measure_cbs_scaling(problem, SAMPLES, cache=parallel_dir, workers=args.workers))
        warm = statistics.median(timed(lambda: measure_cbs_scaling(problem, SAMPLES, cache=parallel_dir,
                                                                    workers=args.workers))[0]
                                 for _ in range(args.warm_repeats))
        serial, _ = timed(lambda: measure_cbs_scaling(problem, SAMPLES, cache=serial_dir, workers=1))
    print(f"cold cache, {args.workers} workers: {cold:6.1f} s   (target <= 60 s)")
    print(f"warm cache, {args.workers} workers: {warm:6.3f} s   (target <= 1 s; median of {args.warm_repeats})")
    print(f"cold cache, 1 worker:  {serial:6.1f} s   parallel speed-up {serial / cold:.2f}x on {args.workers} workers")
    print("B* (Definition 3): " + ", ".join(f"{m.samples}: {m.paper.b_star:.4g}" for m in runs))


if __name__ == "__main__":
    main()
