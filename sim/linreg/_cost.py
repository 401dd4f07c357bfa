"""What a linear-regression request will cost, estimated from its size before anything is built or run.

The command line uses it to refuse what would take hours and to say how long the rest will take; the rates are
seconds per unit of work on one core of the 2-core reference machine (benchmarks/estimates.py measures each
against its estimate: they are good to a factor of about two, which is all a "this will take minutes" needs).
"""

from batchlab.sim import errors
from batchlab.sim.linreg._engines import SPECTRAL_FROM
from batchlab.sim.linreg._exact import PATH_BYTES
from batchlab.sim.parallel import replicates_seconds

RATES = {
    "problem": 1e-7,  # per coordinate: a power-law spectrum and its source (float powers, first-touch pages)
    "recursion": 3e-9,  # per coordinate-step: the second-moment recursion with its averages, its state in cache
    "spectral": 3e-8,  # per coordinate²: the moment map's eigensystem and one O(d²) sum
    "mc": 6e-9,  # per replicate-step-coordinate: the sufficient-statistic sampler
    "mc-naive": 6e-9,  # per replicate-sample-coordinate: every sample drawn
}
# The recursion streams its state through memory once a step: per coordinate-step 3 ns while it stays in cache,
# 9 ns at d = 1e5 and 22-24 ns from d = 1e6 on (measured at d = 1e3, 1e5 and 3e6).
RECURSION_FROM_MEMORY = ((2e4, 1.0), (5e5, 3.0), (float("inf"), 8.0))  # (up to dim, factor on its rate)


def check_memory(dim: int, *, steps: int, method: str, samples) -> None:
    """Refuse, before anything is built, what would not fit in memory: the problem or a recursion's risk paths.

    The problem names ``dim``, the paths ``samples``; a memory refusal comes before any estimate of time.
    ``method`` as for :func:`estimated_seconds`; only the exact recursion keeps a path of every step.
    """
    errors.dimension_fits("dim", dim, dim)
    if method == "recursion":
        errors.fits_in_memory("samples", samples, PATH_BYTES * steps)


def estimated_seconds(dim: int, *, steps: int, batch: int, method: str = "auto", reps: int = 1,
                      runs: int = 1, workers: int = 1) -> float:
    """Seconds to build a problem of ``dim`` coordinates and compute one risk after ``steps`` steps by ``method``.

    ``method``: an exact engine ("auto" takes the spectral one from :data:`SPECTRAL_FROM` steps per coordinate,
    as :func:`batchlab.sim.linreg.exact_risk` does), or "mc" / "mc-naive" for ``reps`` replicates of each of
    ``runs`` experiments (3 with the bias-variance decomposition) on ``workers`` threads.
    """
    build = RATES["problem"] * dim
    if method in ("mc", "mc-naive"):
        per_replicate = steps * dim * (batch if method == "mc-naive" else 1)
        return build + runs * replicates_seconds(RATES[method] * per_replicate, reps, workers)
    spectral = method == "spectral" or (method == "auto" and steps >= SPECTRAL_FROM["risk"] * dim)
    if spectral:
        return build + RATES["spectral"] * dim * dim
    factor = next(factor for up_to, factor in RECURSION_FROM_MEMORY if dim <= up_to)
    return build + factor * RATES["recursion"] * steps * dim
