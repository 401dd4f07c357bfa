"""SCG: the tuned Frank–Wolfe step β and momentum weight α across token budgets (the standard experiment).

Left: the tuned c = βK along each U-curve of figures/scg_ucurve.py (c-grid ¼..8, factor 2): ½ at BS* at every
budget (the invariance eqs. 5 and 8 rest on), but not along a curve (larger at small B·S). Middle: the step
β* = c/K* = c·BS*/T that the tuned c and the measured BS* give, against T, with the T^{−1/3} of eqs. 8–9 through
the smallest budget (and the tuned β at the factor-2 grid's point nearest BS*, which falls as T^{−1/2} only because
that grid point doubles per 4× budget).
Right: the error with c tuned per α, at the grid B·S nearest BS* of each budget, relative to its minimum: the
tuned α stays near 0.1 (0.14 to 0.07 over a 64× budget; the paper finds α ≈ 0.09 at every budget), far from the
α = 1 Theorem 4.1 prescribes at the BST point (theory.scg.bst_point), which is 1.5–3.6× worse.
"""

import numpy as np

from batchlab.figures._scg import standard_experiment
from batchlab.sim.scg import tuned_alpha, u_curves

NAME = "scg_step_size"


def compute(*, dim: int = 100, alpha: float = 0.1, radius: float = 2.0, sigma_star: float = 1.0,
            tokens: tuple = (2**16, 2**18, 2**20, 2**22), bs: tuple = tuple(2**k for k in range(4, 16)),
            c_grid: tuple = (0.25, 0.5, 1, 2, 4, 8), reps: int = 32, seed: int = 0,
            alphas: tuple = (0.025, 0.05, 0.07, 0.1, 0.14, 0.2, 0.4, 0.8, 1.0)) -> dict:
    """The standard experiment at these parameters, and α scanned over ``alphas`` at the grid B·S nearest BS*."""
    parameters = dict(dim=dim, alpha=alpha, radius=radius, sigma_star=sigma_star, tokens=tokens, bs=bs, c_grid=c_grid,
                      reps=reps, seed=seed)
    problem, experiment = standard_experiment(**parameters)
    curves = u_curves(problem, **experiment)
    scans = tuned_alpha(problem, experiment["settings"], [(c.tokens, int(c.bs[c.nearest])) for c in curves],
                        alphas=alphas, **{k: experiment[k] for k in ("c_grid", "reps", "seed")})
    return dict(parameters=parameters | {"alphas": alphas},
                curves=[dict(tokens=c.tokens, bs=c.bs, c=c.c, bs_star=c.bs_star, bs_near=c.bs[c.nearest],
                             c_near=c.c[c.nearest], beta_near=c.beta[c.nearest]) for c in curves],
                scans=[dict(tokens=s.tokens, bs=s.bs, alphas=s.alphas, error=s.error, stderr=s.stderr, alpha=s.alpha)
                       for s in scans])


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig, (c_ax, beta_ax, alpha_ax) = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    labels = [f"T = 2^{int(np.log2(c['tokens']))}" for c in data["curves"]]
    for color, label, c in zip(colors, labels, data["curves"]):
        c_ax.plot(c["bs"], c["c"], "o-", color=color, ms=4, label=label)
        c_ax.plot(c["bs_near"], c["c_near"], "*", ms=14, color=color, markeredgecolor="k")
    c_ax.plot([], [], "k*", ms=10, label="grid point nearest BS*")
    c_ax.set(xscale="log", yscale="log", xlabel="B·S", ylabel="tuned c = βK", title="tuned βK along each U-curve")
    c_ax.legend(fontsize=8)

    tokens = np.array([c["tokens"] for c in data["curves"]], dtype=float)
    grid = np.array([c["beta_near"] for c in data["curves"]])
    star = np.array([c["c_near"] * c["bs_star"] / c["tokens"] for c in data["curves"]])
    slope = np.polyfit(np.log(tokens), np.log(star), 1)[0]
    beta_ax.plot(tokens, star, "k*-", ms=11, label=f"tuned c / K at the measured BS* (slope {slope:.3f})")
    beta_ax.plot(tokens, grid, "o:", color="0.4", ms=5, label="tuned β at the grid point nearest BS*")
    beta_ax.plot(tokens, star[0] * (tokens / tokens[0]) ** (-1 / 3), "--", color="C3", label="β ∝ T^(−1/3) (eqs. 8–9)")
    beta_ax.set(xscale="log", yscale="log", xlabel="token budget T", ylabel="β", title="tuned step size vs budget")
    beta_ax.legend(fontsize=8)

    for color, label, s in zip(colors, labels, data["scans"]):
        best = np.nanmin(s["error"])
        alpha_ax.errorbar(s["alphas"], s["error"] / best, yerr=2 * s["stderr"] / best, fmt="o-", ms=4, capsize=2,
                          color=color, label=f"{label}, B·S = {s['bs']}: α* = {s['alpha']:g}")
    alpha_ax.axvline(0.09, color="0.5", ls=":", label="paper's tuned α ≈ 0.09")
    alpha_ax.axvline(1.0, color="C3", ls="--", label="Theorem 4.1's α at BS* (= 1)")
    alpha_ax.set(xscale="log", yscale="log", xlabel="momentum weight α", ylabel="error / best (c tuned per α)",
                 title="tuned α across budgets")
    alpha_ax.legend(fontsize=7)
    p = data["parameters"]
    fig.suptitle(f"SCG (ℓ2 LMO) on f = ½Σ i⁻¹(x_i − x*_i)², d = {p['dim']}, η = {p['radius']:g}, "
                 f"σ* = {p['sigma_star']:g}: the tuned step size and momentum", fontsize=10)
    return fig
