"""SCG: the restart schedule of §5.3 in the delayed-data setting, against fixed settings.

The standard problem (f = ½Σ i⁻¹(x_i − x*_i)², d = 100, ℓ2 LMO, η = 2, α = 0.1, σ* = 1). The run is tuned for
T₀ = 2^18 tokens (B·S and β at the grid point nearest BS* of the U-curve, c = βK tuned); then data for T₁ = 2^22
arrives. ``fixed`` keeps the T₀ settings (μP-style), ``restart`` switches at T₀ to eqs. 7–8 for the total budget
(momentum carried over; a momentum reset is indistinguishable here), ``large`` runs the eqs. 7–8 settings from the
start. Mean of 64 runs (±2 SE band), on a common token axis; the dotted line is the tuned optimum at T₁ from the
U-curve. Left, constant β per stage (the theory): the restart overtakes the large-batch run right after the
switch and meets it at T₁; keeping the T₀ settings stalls at the error of its constant β. Right, every stage with
the experiments' linear warmdown (same peak β; the restart's first stage decays at T₀): the restart ends 23%
below the large-batch run, and the fixed settings 3× above it.
"""

import numpy as np

from batchlab.figures._scg import standard_experiment
from batchlab.sim.errors import InvalidParameter
from batchlab.sim.scg import restart_runs, u_curves

NAME = "scg_restart"
SCHEDULES = ("constant", "warmdown")


def compute(*, dim: int = 100, alpha: float = 0.1, radius: float = 2.0, sigma_star: float = 1.0,
            tokens: tuple = (2**16, 2**18, 2**20, 2**22), bs: tuple = tuple(2**k for k in range(4, 16)),
            c_grid: tuple = (0.25, 0.5, 1, 2, 4, 8), reps: int = 32, seed: int = 0,
            tokens_from: int = 2**18, tokens_to: int = 2**22,
            restart_reps: int = 64, restart_seed: int = 7) -> dict:
    """The standard experiment at these parameters.

    Tuned at ``tokens_from``, then ``tokens_to`` arrives (both budgets of ``tokens``).
    """
    parameters = dict(dim=dim, alpha=alpha, radius=radius, sigma_star=sigma_star, tokens=tokens, bs=bs, c_grid=c_grid,
                      reps=reps, seed=seed)
    problem, experiment = standard_experiment(**parameters)
    for name, value in (("tokens_from", tokens_from), ("tokens_to", tokens_to)):
        if value not in tokens:
            raise InvalidParameter("set", f"{name} one of the budgets tokens = {list(tokens)}", value)
    curves = {c.tokens: c for c in u_curves(problem, **experiment)}
    base = curves[tokens_from]
    bs, beta = int(base.bs[base.nearest]), base.beta[base.nearest]
    kwargs = dict(tokens_from=tokens_from, tokens_to=tokens_to, bs=bs, beta=beta, reps=restart_reps,
                  seed=restart_seed)
    panels = {}
    for schedule in SCHEDULES:
        result = restart_runs(problem, experiment["settings"], schedule=schedule, **kwargs)
        panels[schedule] = {name: dict(tokens=run.tokens, mean=run.mean, stderr=run.stderr)
                            for name, run in result.runs.items()}
    parameters |= dict(tokens_from=tokens_from, tokens_to=tokens_to, restart_reps=restart_reps,
                       restart_seed=restart_seed)
    return dict(parameters=parameters, bs=bs, beta=beta, bs_large=result.bs_large, beta_large=result.beta_large,
                optimum=float(np.nanmin(curves[tokens_to].error)), panels=panels)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.2), layout="constrained", sharey=True)
    labels = {"fixed": f"fixed (μP): B·S = {data['bs']}, β = {data['beta']:.2g} throughout",
              "restart": f"restart at T₀: B·S {data['bs']} → {data['bs_large']}, β → {data['beta_large']:.2g}",
              "large": f"fixed large batch: B·S = {data['bs_large']}, β = {data['beta_large']:.2g} throughout"}
    for ax, schedule in zip(axes, SCHEDULES):
        for color, name in zip(("C3", "C0", "C2"), ("fixed", "restart", "large")):
            run = data["panels"][schedule][name]
            tokens, mean, band = run["tokens"][1:], run["mean"][1:], 2 * run["stderr"][1:]
            ax.plot(tokens, mean, "-", color=color, label=labels[name])
            ax.fill_between(tokens, mean - band, mean + band, color=color, alpha=0.25, lw=0)
        ax.axvline(p["tokens_from"], color="0.5", ls=":")
        ax.axhline(data["optimum"], color="k", ls=":", label="tuned optimum at T₁ (U-curve, constant β)")
        ax.set(xscale="log", yscale="log", xlabel="tokens consumed",
               title="constant β per stage (the theory)" if schedule == "constant"
               else "linear warmdown over the last 28% of each stage (the experiments)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("E[f(x) − f*]")
    fig.suptitle(f"delayed data: tuned for T₀ = 2^{int(np.log2(p['tokens_from']))}, then T₁ = "
                 f"2^{int(np.log2(p['tokens_to']))} arrives (switch at the dotted line)", fontsize=11)
    return fig
