"""SCG: the U-curve experiment on the other test problems, against the standard quadratic's.

Left: matrix least squares ½Σ_j j⁻¹‖X_j − X*_j‖² (8 × 8, spectral LMO by SVD, η = 2, σ* = 1). Middle: logistic
loss on 32 linearly separable points in d = 8 (margin 0.5, ℓ2 LMO, η = 20, σ* = 0.05), where f* = 0 lies outside
every ball: the error cannot fall below the ball's own minimum, whatever B·S. Each point is the mean of 16 runs
with c = βK tuned (sim.scg.OTHER_PROBLEMS). Right: measured BS*(T) of the three problems with their log-log
slopes, against the T^{2/3} of the BST rule. The matrix problem follows the quadratic. On the separable problem
the error drops by 10²–10³ once B·S is large enough for the few steps it needs to reach the ball's floor, and
BS* sits at that cliff: it grows as T (a constant number of steps), not T^{2/3}.
"""

import numpy as np

from batchlab.sim.scg import OTHER_PROBLEMS, STANDARD, QuadraticProblem, bst_exponent, problem_from_spec, u_curves

NAME = "scg_problems"
LABELS = {"quadratic": "quadratic, ℓ2 (the standard experiment)", "matrix": "matrix least squares, spectral",
          "logistic": "logistic, separable data, ℓ2"}


def compute() -> dict:
    curves = {"quadratic": u_curves(QuadraticProblem.power_law(100), **STANDARD)}
    for name, experiment in OTHER_PROBLEMS.items():
        curves[name] = u_curves(problem_from_spec(experiment["spec"]), **experiment["experiment"])
    return {name: dict(exponent=bst_exponent(runs),
                       curves=[dict(tokens=c.tokens, bs=c.bs, error=c.error, stderr=c.stderr, bs_star=c.bs_star,
                                    at_edge=c.at_edge) for c in runs]) for name, runs in curves.items()}


def plot(data):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    for ax, name in zip(axes, ("matrix", "logistic")):
        colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data[name]["curves"])))
        for color, c in zip(colors, data[name]["curves"]):
            ax.errorbar(c["bs"], c["error"], yerr=2 * c["stderr"], fmt="o-", ms=3, color=color, capsize=2,
                        label=f"T = 2^{int(np.log2(c['tokens']))}")
            level = np.interp(np.log(c["bs_star"]), np.log(c["bs"]), c["error"])
            ax.plot(c["bs_star"], level, "*", ms=13, color=color, markeredgecolor="k")
        ax.set(xscale="log", yscale="log", xlabel="B·S", ylabel="E[f(x_K) − f*], c = βK tuned", title=LABELS[name])
        ax.legend(fontsize=8)
    star_ax = axes[2]
    for color, (name, result) in zip(("k", "C0", "C3"), data.items()):
        tokens = np.array([c["tokens"] for c in result["curves"]], dtype=float)
        stars = np.array([c["bs_star"] for c in result["curves"]])
        star_ax.plot(tokens, stars, "*-", ms=11, color=color,
                     label=f"{LABELS[name]}: slope {result['exponent']:.2f}")
    grid = np.geomspace(2.0**12, 2.0**22, 10)
    for power, style, label in ((2 / 3, ":", "slope 2/3 (BST rule)"), (1.0, "--", "slope 1")):
        star_ax.plot(grid, 4 * (grid / grid[0]) ** power, style, color="0.5", label=label)
    star_ax.set(xscale="log", yscale="log", xlabel="token budget T", ylabel="measured BS*",
                title="BS*(T) on three problems")
    star_ax.legend(fontsize=7)
    fig.suptitle("SCG U-curves beyond the quadratic: 16 runs per point, c tuned per point, α = 0.1", fontsize=10)
    return fig
