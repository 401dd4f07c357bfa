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


def compute(*, dim: int = 100, matrix_dim: int = 8, logistic_dim: int = 8, logistic_examples: int = 32,
            logistic_margin: float = 0.5, reps: int = 16) -> dict:
    """The standard quadratic in ``dim`` dimensions and :data:`batchlab.sim.scg.OTHER_PROBLEMS`.

    The matrix problem is ``matrix_dim`` × ``matrix_dim``, the logistic one on ``logistic_examples`` points in
    ``logistic_dim`` dimensions at margin ``logistic_margin``, both with ``reps`` runs per point.
    """
    parameters = dict(dim=dim, matrix_dim=matrix_dim, logistic_dim=logistic_dim, logistic_examples=logistic_examples,
                      logistic_margin=logistic_margin, reps=reps)
    specs = {"matrix": dict(d_out=matrix_dim, d_in=matrix_dim),
             "logistic": dict(dim=logistic_dim, examples=logistic_examples, margin=logistic_margin)}
    curves = {"quadratic": u_curves(QuadraticProblem.power_law(dim), **STANDARD)}
    for name, other in OTHER_PROBLEMS.items():
        experiment = other["experiment"] | {"reps": reps}
        curves[name] = u_curves(problem_from_spec(other["spec"] | specs[name]), **experiment)
    problems = {name: dict(exponent=bst_exponent(runs),
                           curves=[dict(tokens=c.tokens, bs=c.bs, error=c.error, stderr=c.stderr, bs_star=c.bs_star,
                                        at_edge=c.at_edge) for c in runs]) for name, runs in curves.items()}
    return dict(parameters=parameters, problems=problems)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    problems = data["problems"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    for ax, name in zip(axes, ("matrix", "logistic")):
        colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(problems[name]["curves"])))
        for color, c in zip(colors, problems[name]["curves"]):
            ax.errorbar(c["bs"], c["error"], yerr=2 * c["stderr"], fmt="o-", ms=3, color=color, capsize=2,
                        label=f"T = 2^{int(np.log2(c['tokens']))}")
            level = np.interp(np.log(c["bs_star"]), np.log(c["bs"]), c["error"])
            ax.plot(c["bs_star"], level, "*", ms=13, color=color, markeredgecolor="k")
        ax.set(xscale="log", yscale="log", xlabel="B·S", ylabel="E[f(x_K) − f*], c = βK tuned", title=LABELS[name])
        ax.legend(fontsize=8)
    star_ax = axes[2]
    for color, (name, result) in zip(("k", "C0", "C3"), problems.items()):
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
    fig.suptitle(f"SCG U-curves beyond the quadratic: {data['parameters']['reps']} runs per point, c tuned per point, "
                 "α = 0.1", fontsize=10)
    return fig
