"""Benchmarks of the linear-regression engines: ratios measured in one run, medians of repeats.

    python benchmarks/linreg.py [--repeats 5]

1. Sufficient-statistic Monte Carlo vs a straightforward NumPy naive simulation
   (whole-array operations per step, NumPy Generator), d = 1000, D = 65536; and the
   sufficient-statistic engine's time per step across B (it must not grow with B).
2. Time per random number of both Monte Carlo engines (per sampled coordinate for the
   naive engine, per coordinate-step for the sufficient-statistic engine) against one
   standard normal drawn from NumPy's Generator inside Numba.
3. Exact engine (the recursion) vs the same recursion as whole-array NumPy operations per step,
   d = 1000, n = 4096; and its time per coordinate-step across (d, n) (O(1) work).
4. The spectral exact engine vs the recursion at d = 1000, n = 2^20 (target: >= 100x), and its time at
   n = 2^10..2^40 (target: flat, the slowest within 1.5x of the fastest); then where "auto" switches
   engines (SPECTRAL_FROM): recursion / spectral for one risk and for one first passage across n/d.
5. B*(D) over 12 data sizes up to 196608 (a = 1.5, b = 2.5, d = 1000, cold: no cache) with the engines chosen
   by cost against the recursion alone (``--skip-cbs`` leaves it out: two runs of about a minute each).
6. Constant + EWA by the spectral engine (sim/linreg/_spectral_ewa.py) vs the strategy recursion: one risk at
   n = 2^20, its time at n = 2^10..2^40, and where "auto" switches (SPECTRAL_FROM's ewa_ entries): recursion /
   spectral for one risk with its map built, for one more τ at the same γ (the map kept, as when τ is tuned),
   and for one first passage.
All timings but 5 (the default workers) are single-threaded, one replicate per call.
"""

import argparse
import time

import numpy as np

from batchlab.sim._numba import jit
from batchlab.sim.linreg import (
    LinRegProblem,
    Strategy,
    exact_risk,
    final_risk,
    measure_cbs_scaling,
    risk_path,
    spectral_map,
    steps_to,
    strategy_final_risk,
    strategy_steps_to,
)
from batchlab.sim.linreg._engines import SPECTRAL_FROM, _kept_map
from batchlab.sim.linreg._montecarlo import naive_replicate, suffstat_replicate
from batchlab.sim.linreg._problem import tail_start

from _timing import median_time


def numpy_naive(problem, lr, batch, steps, rng):
    """The straightforward simulation: draw the B×d batch, form the gradient, step."""
    sqrt_lam = np.sqrt(problem.eigenvalues)
    w = np.zeros(problem.dim)
    total = np.zeros(problem.dim)
    for _ in range(steps):
        total += w
        X = rng.standard_normal((batch, problem.dim)) * sqrt_lam
        y = X @ problem.w_star + problem.sigma * rng.standard_normal(batch)
        w -= (lr / batch) * (X.T @ (X @ w - y))
    eta = total / steps - problem.w_star
    return float(np.dot(problem.eigenvalues, eta**2))


def numpy_exact(problem, lr, batch, steps):
    """The exact engine's recursion with whole-array NumPy operations per step (same outputs)."""
    lam = problem.eigenvalues
    q = 1.0 - lr * lam
    decay = q * q + (lr * lam) ** 2 / batch
    inject = lr * lr * lam / batch
    s = np.stack([problem.w_star**2, np.zeros_like(lam)])
    u = np.zeros_like(s)
    tu = np.zeros_like(s)
    noise = np.array([[0.0], [problem.sigma**2]])
    pair = np.zeros(2)
    tail = np.zeros(2)
    start = tail_start(steps)
    for t in range(steps):
        risk = s @ lam
        pair += (s + 2 * u) @ lam
        u = q * (u + s)
        if t >= start:
            tail += (s + 2 * tu) @ lam
            tu = q * (tu + s)
        s = decay * s + inject * (risk[:, None] + noise)
    return (s @ lam).sum(), pair.sum() / steps**2, tail.sum() / (steps - start) ** 2


@jit
def _draw_normals(rng, count):
    total = 0.0
    for _ in range(count):
        total += rng.standard_normal()
    return total


def run_mc(kernel, problem, lr, batch, steps, seed=0):
    v0 = -np.sqrt(problem.eigenvalues) * problem.w_star
    rng = np.random.default_rng(seed)
    return kernel(rng, problem.eigenvalues, v0, problem.sigma, lr, batch, steps,
                  tail_start(steps), problem.blowup_threshold)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-cbs", action="store_true", help="leave out part 5")
    options = parser.parse_args()
    repeats = options.repeats
    problem = LinRegProblem.power_law(1.5, 2.0, 1000)
    samples = 65536

    print("1. sufficient-statistic Monte Carlo vs NumPy naive, d = 1000, D = 65536 (one replicate)")
    for batch in (256, 4096):
        steps = samples // batch
        lr = 0.5 * exact_risk(problem, lr=1e-3, batch=batch, samples=batch).lr_max
        t_suff = median_time(lambda: run_mc(suffstat_replicate, problem, lr, batch, steps), repeats)
        t_np = median_time(lambda: numpy_naive(problem, lr, batch, steps, np.random.default_rng(0)),
                           max(1, repeats // 2))
        print(f"   B = {batch:5d}: suffstat {t_suff * 1e3:7.3f} ms   numpy naive {t_np * 1e3:7.1f} ms   "
              f"speed-up {t_np / t_suff:6.0f}x")
    overhead = median_time(lambda: run_mc(suffstat_replicate, problem, 0.01, 1, 0), repeats)
    print(f"   per-call overhead (Generator unboxing, allocation): {overhead * 1e6:.1f} us")
    per_step = {}
    for batch in (1, 16, 256, 4096):  # a fixed n = 1024 steps, so the per-call overhead is negligible
        t = median_time(lambda: run_mc(suffstat_replicate, problem, 0.01, batch, 1024), repeats)
        per_step[batch] = t / 1024
    print("   suffstat time per step (n = 1024): " + ", ".join(f"B={b}: {v * 1e6:.2f} us" for b, v in per_step.items())
          + f";  B=4096 / B=1 = {per_step[4096] / per_step[1]:.2f}x")

    print("2. time per random number vs one Numba standard normal (about 16M numbers per measurement)")
    draws = 10_000_000
    t_normal = median_time(lambda: _draw_normals(np.random.default_rng(0), draws), repeats) / draws
    print(f"   Numba Generator.standard_normal: {t_normal * 1e9:.2f} ns")
    budget = 16_000_000
    for batch in (1, 16, 256):
        steps = max(1, budget // (batch * (problem.dim + 1)))
        t_naive = median_time(lambda: run_mc(naive_replicate, problem, 0.01, batch, steps), repeats)
        per_naive = t_naive / (steps * batch * (problem.dim + 1))
        steps = budget // (problem.dim + 3)
        t_suff = median_time(lambda: run_mc(suffstat_replicate, problem, 0.01, batch, steps), repeats)
        per_suff = t_suff / (steps * (problem.dim + 3))
        print(f"   B = {batch:4d}: naive {per_naive * 1e9:5.2f} ns = {per_naive / t_normal:4.2f}x   "
              f"suffstat {per_suff * 1e9:5.2f} ns = {per_suff / t_normal:4.2f}x")

    print("3. exact engine vs NumPy whole-array recursion, d = 1000, n = 4096")
    lr, batch, steps = 0.2, 4, 4096
    t_exact = median_time(lambda: exact_risk(problem, lr=lr, batch=batch, samples=batch * steps, method="recursion"),
                          repeats)
    t_np = median_time(lambda: numpy_exact(problem, lr, batch, steps), repeats)
    ours = exact_risk(problem, lr=lr, batch=batch, samples=batch * steps, method="recursion")
    np.testing.assert_allclose(numpy_exact(problem, lr, batch, steps), (ours.last, ours.averaged, ours.tail_averaged),
                               rtol=1e-10)
    print(f"   exact {t_exact * 1e3:.2f} ms   numpy {t_np * 1e3:.2f} ms   speed-up {t_np / t_exact:.1f}x")
    for dim, steps in ((100, 40960), (1000, 4096), (10000, 410)):
        p = LinRegProblem.power_law(1.5, 2.0, dim)
        t = median_time(lambda: exact_risk(p, lr=0.1, batch=4, samples=4 * steps, method="recursion"), repeats)
        t_path = median_time(lambda: risk_path(p, lr=0.1, batch=4, steps=steps), repeats)
        print(f"   d = {dim:5d}, n = {steps:5d}: {t / (dim * steps) * 1e9:.2f} ns per coordinate-step "
              f"(risk_path, one channel and no tail: {t_path / (dim * steps) * 1e9:.2f} ns)")

    print("4. spectral exact engine vs the recursion, d = 1000, B = 4, lr = lr_max/2 (bias, variance, tail: all risks)")
    batch = 4
    lr = 0.5 * exact_risk(problem, lr=1e-3, batch=batch, samples=batch, method="recursion").lr_max

    def risk(steps, method):
        return exact_risk(problem, lr=lr, batch=batch, samples=batch * steps, method=method)

    t_rec = median_time(lambda: risk(2**20, "recursion"), max(1, repeats // 2))
    t_spec = median_time(lambda: risk(2**20, "spectral"), repeats)
    gap = max(abs(getattr(risk(2**20, "spectral"), k) / getattr(risk(2**20, "recursion"), k) - 1)
              for k in ("last", "averaged", "tail_averaged", "bias", "variance"))
    print(f"   n = 2^20: recursion {t_rec:.2f} s   spectral {t_spec * 1e3:.1f} ms   speed-up {t_rec / t_spec:.0f}x   "
          f"(largest relative gap {gap:.1e})")
    times = {k: median_time(lambda: risk(2**k, "spectral"), repeats) for k in (10, 20, 30, 40)}
    print("   spectral: " + ", ".join(f"n = 2^{k}: {t * 1e3:.1f} ms" for k, t in times.items())
          + f";  slowest / fastest = {max(times.values()) / min(times.values()):.2f}")
    print(f"   break-even (auto switches at n = {SPECTRAL_FROM['risk']}d for a risk, "
          f"{SPECTRAL_FROM['first_passage']}d for a first passage): recursion / spectral")
    for dim in (300, 1000):
        p = LinRegProblem.power_law(1.5, 2.5, dim)
        rate = 0.3 * p.stability_limit(batch)
        ratios = []
        for multiple in (8, 16, 32):
            n = multiple * dim
            t = {m: median_time(lambda: final_risk(p, lr=rate, batch=batch, steps=n, method=m), repeats)
                 for m in ("recursion", "spectral")}
            ratios.append(f"risk n = {multiple}d: {t['recursion'] / t['spectral']:.2f}")
        for multiple in (64, 256, 1024):
            n = multiple * dim
            target = sum(spectral_map(p, lr=rate, batch=batch).averaged(n))  # crossed at step n
            t = {m: median_time(lambda: steps_to(p, lr=rate, batch=batch, target=target, max_steps=2 * n,
                                                 method=m), max(1, repeats // 2))
                 for m in ("recursion", "spectral")}
            ratios.append(f"passage n = {multiple}d: {t['recursion'] / t['spectral']:.2f}")
        print(f"   d = {dim:4d}: " + ", ".join(ratios))

    if not options.skip_cbs:
        print("5. B*(D), a = 1.5, b = 2.5, d = 1000, D = 3*2^5..3*2^16 (12 sizes), no cache, default workers")
        cbs_problem = LinRegProblem.power_law(1.5, 2.5, 1000)
        sizes = [3 * 2**k for k in range(5, 17)]
        spent = {}
        for method in ("auto", "recursion"):
            start = time.perf_counter()
            found = measure_cbs_scaling(cbs_problem, sizes, cache=None, method=method).cbs()
            spent[method] = time.perf_counter() - start
            print(f"   {method:9s}: {spent[method]:6.1f} s   B* = {found}")
        print(f"   recursion / auto = {spent['recursion'] / spent['auto']:.2f}x")

    print("6. constant + EWA, spectral vs the strategy recursion, B = 16, lr = lr_max/5, tau = 0.999 (passages: "
          "lr = lr_max/100, tau = 1 - 8/n)")
    ewa = Strategy(average="ewa", ema_decay=0.999)
    for label, p in (("d = 1000", problem), ("dim = inf (309 groups)", LinRegProblem.power_law(1.5, 2.5, "inf"))):
        rate = 0.2 * p.stability_limit(16)

        def ewa_risk(steps, method, cold=True):
            if cold:
                _kept_map.cache_clear()
            return strategy_final_risk(p, lr=rate, batch=16, steps=steps, strategy=ewa, method=method)

        t_rec = median_time(lambda: ewa_risk(2**20, "recursion"), max(1, repeats // 2))
        t_spec = median_time(lambda: ewa_risk(2**20, "spectral"), repeats)
        gap = abs(ewa_risk(2**20, "spectral") / ewa_risk(2**20, "recursion") - 1)
        times = {k: median_time(lambda: ewa_risk(2**k, "spectral"), repeats) for k in (10, 20, 30, 40)}
        print(f"   {label}: n = 2^20: recursion {t_rec:.2f} s   spectral {t_spec * 1e3:.1f} ms   speed-up "
              f"{t_rec / t_spec:.0f}x (relative gap {gap:.1e});  spectral at n = 2^10..2^40: slowest / fastest = "
              f"{max(times.values()) / min(times.values()):.2f}")
    print(f"   break-even (auto switches at n = {SPECTRAL_FROM['ewa_risk']}d for a risk, "
          f"{SPECTRAL_FROM['ewa_first_passage']}d for a first passage): recursion / spectral")
    for dim in (300, 1000):
        p = LinRegProblem.power_law(1.5, 2.5, dim)
        rate = 0.2 * p.stability_limit(16)
        ratios = []
        for multiple in (4, 16, 64):
            n = multiple * dim
            t_rec = median_time(lambda: strategy_final_risk(p, lr=rate, batch=16, steps=n, strategy=ewa,
                                                            method="recursion"), repeats)

            def spectral(cold):
                if cold:
                    _kept_map.cache_clear()
                return strategy_final_risk(p, lr=rate, batch=16, steps=n, strategy=ewa, method="spectral")

            t_cold, t_kept = (median_time(lambda: spectral(cold), repeats) for cold in (True, False))
            ratios.append(f"risk n = {multiple}d: {t_rec / t_cold:.2f} (map kept: {t_rec / t_kept:.1f})")
        for multiple in (16, 64, 256):  # a run still improving at n (γ small, window n/8): crossed at n
            n = multiple * dim
            slow, window = Strategy(average="ewa", ema_decay=1 - 8 / n), 0.01 * p.stability_limit(16)
            target = strategy_final_risk(p, lr=window, batch=16, steps=n, strategy=slow, method="spectral")

            def passage(method):
                _kept_map.cache_clear()
                return strategy_steps_to(p, lr=window, batch=16, target=target, max_steps=2 * n, strategy=slow,
                                         method=method)

            t = {m: median_time(lambda: passage(m), max(1, repeats // 2)) for m in ("recursion", "spectral")}
            assert abs(passage("spectral") - n) <= 1, "the benchmark's target should be crossed at step n"
            ratios.append(f"passage n = {multiple}d: {t['recursion'] / t['spectral']:.2f}")
        print(f"   d = {dim:4d}: " + ", ".join(ratios))


if __name__ == "__main__":
    main()
