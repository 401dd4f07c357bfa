"""How good the command line's time estimates are: each request's measured time over its estimate, in one run.

    python benchmarks/estimates.py

The estimates (``estimated_seconds`` of bl.linreg, bl.nqm and bl.scg) decide whether a request is refused (over an
hour) or announced (over ten seconds), so they need only be right to a small factor; this prints, per engine and
size, the median wall time of three runs (after a warm-up), the estimate, and their ratio. Run it on a quiet
machine: the rates in the engines' modules are seconds on one core of the 2-core reference machine.
"""

import batchlab as bl
from batchlab.sim.parallel import default_workers

from _timing import median_time


def linreg_rows():
    for dim, steps, method, reps in [(1000, 4096, "recursion", 1), (100_000, 256, "recursion", 1),
                                     (3_000_000, 16, "recursion", 1), (1000, 2**20, "spectral", 1),
                                     (1000, 512, "mc", 64), (1000, 512, "mc-naive", 16)]:
        batch = 8

        def run(dim=dim, steps=steps, method=method, reps=reps, batch=batch):
            problem = bl.linreg.LinRegProblem.power_law(1.5, 2.0, dim)
            if method.startswith("mc"):
                engine = "suffstat" if method == "mc" else "naive"
                bl.linreg.monte_carlo_risk(problem, lr=0.3, batch=batch, samples=batch * steps, reps=reps, seed=0,
                                           engine=engine)
            else:
                bl.linreg.exact_risk(problem, lr=0.3, batch=batch, samples=batch * steps, method=method)

        estimate = bl.linreg.estimated_seconds(dim, steps=steps, batch=batch, method=method, reps=reps,
                                               workers=default_workers())
        yield f"linreg {method} d={dim} n={steps} reps={reps}", run, estimate


def nqm_rows():
    problem = bl.nqm.NQMProblem.paper(10_000)
    for steps, reps in [(2000, 32), (20000, 8)]:
        system = bl.nqm.linear_system(problem, "sgd", lr=0.5, batch=64, precond=0.0)

        def run(steps=steps, reps=reps, system=system):
            bl.nqm.system_monte_carlo(problem, system, [steps], reps=reps, seed=0)

        estimate = bl.nqm.estimated_seconds(problem.h.size, steps=steps, reps=reps, workers=default_workers())
        yield f"nqm mc d={problem.h.size} n={steps} reps={reps}", run, estimate


def scg_rows():
    cases = [(bl.scg.QuadraticProblem.power_law(1000), bl.scg.SCGSettings(lmo="l2", alpha=0.1, radius=2.0)),
             (bl.scg.QuadraticProblem.matrix(16, 16), bl.scg.SCGSettings(lmo="spectral", alpha=0.1, radius=2.0)),
             (bl.scg.QuadraticProblem.matrix(16, 16), bl.scg.SCGSettings(lmo="spectral-ns", alpha=0.1, radius=2.0)),
             (bl.scg.SeparableProblem.gaussian(16, 64), bl.scg.SCGSettings(lmo="l2", alpha=0.1, radius=2.0))]
    for problem, settings in cases:
        iterations, reps, batch = 2000, 16, 4

        def run(problem=problem, settings=settings, iterations=iterations, reps=reps, batch=batch):
            bl.scg.scg_monte_carlo(problem, settings, batch=batch, seq=1, tokens=batch * iterations, beta=0.01,
                                   reps=reps, seed=0)

        estimate = bl.scg.estimated_seconds(problem, settings, batch=batch, seq=1, iterations=iterations, reps=reps,
                                            workers=default_workers())
        yield f"scg {problem.spec['family']} {settings.lmo} d={problem.dim} n={iterations} reps={reps}", run, estimate


def main():
    print(f"{'request':<48} {'measured':>10} {'estimate':>10} {'ratio':>7}")
    for rows in (linreg_rows, nqm_rows, scg_rows):
        for name, run, estimate in rows():
            measured = median_time(run, repeats=3)
            print(f"{name:<48} {measured:>9.3g}s {estimate:>9.3g}s {measured / estimate:>7.2f}")


if __name__ == "__main__":
    main()
