"""SCG on a quadratic with known constants: the U-curve of final suboptimality against B·S at fixed token budgets.

The standard experiment (sim.scg.STANDARD): f(x) = ½Σ i^{−1}(x_i − x*_i)², d = 100, ℓ2 LMO, radius η = 2, α = 0.1,
σ* = 1, Gaussian noise of variance σ*²/(B·S); for each budget T and B·S the step β = c/K is tuned over
c ∈ {¼, ½, 1, 2, 4, 8} (32 runs, mean ± 2 SE). Left: the U-curves, each with its measured BS* (star) and the bound's
BS* from eq. 34 with Theorem 4.1's constants (▽) and without them (△). Right: measured BS*(T) with its log-log
fit against the T^{2/3} of the BST rule. Bottom, one panel per budget: the regimes of eq. 34 with the theorem's
constants shaded (noise-dominated below the noise boundary, flat up to BS*, iteration-starved above), and the
shapes of eq. 34 (with and without constants, c = 1) and of the simulated curve, each divided by its minimum.
The bound predicts a flat floor below BS*; the simulation keeps improving with B·S up to BS* instead.
"""

import numpy as np

from batchlab.figures._scg import standard_experiment
from batchlab.sim.scg import bst_exponent, u_curves
from batchlab.theory import scg

NAME = "scg_ucurve"


def compute(*, dim: int = 100, alpha: float = 0.1, radius: float = 2.0, sigma_star: float = 1.0,
            tokens: tuple = (2**16, 2**18, 2**20, 2**22), bs: tuple = tuple(2**k for k in range(4, 16)),
            c_grid: tuple = (0.25, 0.5, 1, 2, 4, 8), reps: int = 32, seed: int = 0) -> dict:
    """The standard experiment (:data:`batchlab.sim.scg.STANDARD`, d = 100) at these parameters."""
    parameters = dict(dim=dim, alpha=alpha, radius=radius, sigma_star=sigma_star, tokens=tokens, bs=bs, c_grid=c_grid,
                      reps=reps, seed=seed)
    problem, experiment = standard_experiment(**parameters)
    curves = u_curves(problem, **experiment)
    settings = experiment["settings"]
    k = problem.constants(settings.lmo, settings.radius)
    constants = (k["L"], k["mu"], k["rho"], settings.sigma_star)
    points = {flag: [scg.bst_point(*constants, c.tokens, 1.0, constants=flag) for c in curves]
              for flag in (True, False)}
    fine = np.geomspace(min(bs), max(bs), 200)
    bound = {flag: [[scg.budget_error(*constants, c.tokens, b, 1.0, constants=flag)[0] for b in fine] for c in curves]
             for flag in (True, False)}
    return dict(parameters=parameters,
                curves=[dict(tokens=c.tokens, bs=c.bs, error=c.error, stderr=c.stderr, bs_star=c.bs_star)
                        for c in curves],
                with_constants=[p.bs_star for p in points[True]], without_constants=[p.bs_star for p in points[False]],
                noise_boundary=[p.bs_noise_boundary for p in points[True]], fine=fine, bound=bound[True],
                bound_short=bound[False], exponent=bst_exponent(curves))


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(13, 8.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.15, 1])
    ax, star_ax = top.subplots(1, 2)
    regime_axes = bottom.subplots(1, len(data["curves"]), sharey=True)
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    for color, c, lower, upper in zip(colors, data["curves"], data["with_constants"], data["without_constants"]):
        ax.errorbar(c["bs"], c["error"], yerr=2 * c["stderr"], fmt="o-", ms=3, color=color, capsize=2,
                    label=f"T = 2^{int(np.log2(c['tokens']))}")
        level = np.interp(np.log(c["bs_star"]), np.log(c["bs"]), c["error"])
        ax.plot(c["bs_star"], level, "*", ms=13, color=color, markeredgecolor="k")
        for bs, marker in ((lower, "v"), (upper, "^")):
            ax.plot(bs, level, marker, ms=8, color=color, markeredgecolor="k")
    ax.plot([], [], "k*", ms=10, label="measured BS*")
    ax.plot([], [], "kv", label="bound's BS*, theorem constants")
    ax.plot([], [], "k^", label="bound's BS*, no constants")
    ax.set(xscale="log", yscale="log", xlabel="B·S (tokens per step)", ylabel="E[f(x_K) − f*], c = βK tuned",
           title="U-curves at fixed token budget")
    ax.legend(fontsize=8)
    tokens = np.array([c["tokens"] for c in data["curves"]], dtype=float)
    stars = np.array([c["bs_star"] for c in data["curves"]])
    star_ax.plot(tokens, stars, "k*-", ms=11, label=f"measured (slope {data['exponent']:.3f})")
    star_ax.plot(tokens, data["with_constants"], "v--", color="C0", label="eq. 34 with constants (slope 2/3)")
    star_ax.plot(tokens, data["without_constants"], "^--", color="C1", label="eq. 34 without constants (slope 2/3)")
    star_ax.set(xscale="log", yscale="log", xlabel="token budget T", ylabel="BS*",
                title="the BST rule: BS* ∝ T^(2/3)")
    star_ax.legend(fontsize=8)
    for r_ax, color, c, bound, short, noise, star in zip(regime_axes, colors, data["curves"], data["bound"],
                                                         data["bound_short"], data["noise_boundary"],
                                                         data["with_constants"]):
        low, high = data["fine"][0], data["fine"][-1]
        for start, end, shade, label in ((low / 10, noise, "0.8", "noise-dominated"), (noise, star, "C0", "flat"),
                                         (star, high * 10, "C3", "iteration-starved")):
            r_ax.axvspan(max(start, low), min(end, high), color=shade, alpha=0.15, lw=0,
                         label=f"eq. 34 regime: {label}" if start < high and end > low else None)
        r_ax.plot(data["fine"], np.array(bound) / np.min(bound), "--", color="C0", label="eq. 34, theorem constants")
        r_ax.plot(data["fine"], np.array(short) / np.min(short), ":", color="C1", label="eq. 34, no constants")
        r_ax.plot(c["bs"], c["error"] / np.nanmin(c["error"]), "o-", ms=3, color=color, label="simulation")
        r_ax.set(xscale="log", yscale="log", xlim=(low, high), xlabel="B·S",
                 title=f"T = 2^{int(np.log2(c['tokens']))}: shape relative to each minimum", ylim=(0.8, 300))
        r_ax.title.set_fontsize(9)
    regime_axes[0].set_ylabel("error / its minimum over B·S")
    regime_axes[0].legend(fontsize=7, loc="upper left")
    bottom.suptitle("regimes: eq. 34 (theorem constants; the noise-dominated one lies below the grid) is flat up to "
                    "BS*, the simulation keeps falling with B·S", fontsize=9)
    fig.suptitle(f"SCG (Algorithm 1, ℓ2 LMO) on f = ½Σ i⁻¹(x_i − x*_i)², d = {data['parameters']['dim']}: "
                 "simulation against Theorem 4.1",
                 fontsize=10)
    return fig
