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

from batchlab.sim.scg import STANDARD, QuadraticProblem, restart_runs, u_curves

NAME = "scg_restart"
TOKENS_FROM, TOKENS_TO = 2**18, 2**22
SCHEDULES = ("constant", "warmdown")


def compute() -> dict:
    problem = QuadraticProblem.power_law(100)
    curves = {c.tokens: c for c in u_curves(problem, **STANDARD)}
    base = curves[TOKENS_FROM]
    bs, beta = int(base.bs[base.nearest]), base.beta[base.nearest]
    kwargs = dict(tokens_from=TOKENS_FROM, tokens_to=TOKENS_TO, bs=bs, beta=beta, reps=64, seed=7)
    panels = {}
    for schedule in SCHEDULES:
        result = restart_runs(problem, STANDARD["settings"], schedule=schedule, **kwargs)
        panels[schedule] = {name: dict(tokens=run.tokens, mean=run.mean, stderr=run.stderr)
                            for name, run in result.runs.items()}
    return dict(bs=bs, beta=beta, bs_large=result.bs_large, beta_large=result.beta_large,
                optimum=float(np.nanmin(curves[TOKENS_TO].error)), panels=panels)


def plot(data):
    import matplotlib.pyplot as plt

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
        ax.axvline(TOKENS_FROM, color="0.5", ls=":")
        ax.axhline(data["optimum"], color="k", ls=":", label="tuned optimum at T₁ (U-curve, constant β)")
        ax.set(xscale="log", yscale="log", xlabel="tokens consumed",
               title="constant β per stage (the theory)" if schedule == "constant"
               else "linear warmdown over the last 28% of each stage (the experiments)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("E[f(x) − f*]")
    fig.suptitle("delayed data: tuned for T₀ = 2^18, then T₁ = 2^22 arrives (switch at the dotted line)", fontsize=11)
    return fig
