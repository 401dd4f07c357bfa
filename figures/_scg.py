"""The standard SCG experiment (:data:`batchlab.sim.scg.STANDARD`) from figure parameters.

The figures built on it (scg_ucurve, scg_step_size, scg_restart) take its parameters as keyword arguments, with
the standard experiment's values as defaults (tests/test_figures.py checks they agree), and pass them here.
"""

from batchlab.sim.scg import STANDARD, QuadraticProblem

_SETTINGS = STANDARD["settings"]


def standard_experiment(*, dim, alpha, radius, sigma_star, tokens, bs, c_grid, reps, seed):
    """The standard experiment's problem and the keyword arguments of :func:`batchlab.sim.scg.u_curves` for it.

    The problem is the quadratic f = ½Σ i⁻¹(x_i − x*_i)² in ``dim`` dimensions.
    """
    settings = _SETTINGS.replace(alpha=alpha, radius=radius, sigma_star=sigma_star)
    return QuadraticProblem.power_law(dim), dict(settings=settings, tokens=list(tokens), bs=list(bs),
                                                 c_grid=tuple(c_grid), reps=reps, seed=seed)
