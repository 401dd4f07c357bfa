"""Growth schedules b_m = b_0δ^m, η_m = η_0γ^m against the best constant batch size and learning rate, in SFO.

[Umeda 2025] on the exact engines: the stochastic gradients to reach a target loss (NQM: binned h_i = 1/i, d = 10⁴,
C = H) or excess risk (linear regression: a = 1.5, b = 2.5, d = 64, σ = 1, last iterate), for the best b_0, η_0
and stage length L of each (δ, γ), against the best constant (B, η) (learning rates tuned, capped at the stability
limit). The saving, constant/growth, against γ²/δ: growth saves 1.5–4×, the most with γ = 1 (only the batch
grows); past γ² = δ (dotted), where the noise the stages add would grow without the cap, it saves the least.
"""

import numpy as np

from batchlab.sim.linreg import LinRegProblem
from batchlab.sim.nqm import NQMProblem
from batchlab.sim.sfo import FACTORS, compare_growth

NAME = "sfo_growth"


def compute(*, nqm_targets: tuple = (0.1, 0.01), linreg_targets: tuple = (0.05, 0.02), dim: int = 64,
            batch_factors: tuple = tuple(sorted({d for d, _ in FACTORS}))) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(nqm_targets=nqm_targets, linreg_targets=linreg_targets, dim=dim, batch_factors=batch_factors)
    factors = [(d, g) for d in batch_factors for g in (1.0, d**0.25, 0.95 * d**0.5, 1.2 * d**0.5)]
    systems = {"NQM": (NQMProblem.paper(binned=True), nqm_targets, 10**6),
               "linear regression": (LinRegProblem.power_law(1.5, 2.5, dim), linreg_targets, 10**5)}
    return dict(parameters=parameters, comparisons={
        name: [compare_growth(problem, target=t, factors=factors, max_steps=limit).to_dict() for t in targets]
        for name, (problem, targets, limit) in systems.items()})


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained", sharey=True)
    markers = ("o", "s", "^", "D")
    for ax, (name, comparisons) in zip(axes, data["comparisons"].items()):
        for color, comparison in zip(("C0", "C3", "C2"), comparisons):
            constant = comparison["constant"]["sfo"]
            for marker, delta in zip(markers, p["batch_factors"]):
                points = [g for g in comparison["growth"] if g["batch_factor"] == delta]
                ratio = [g["lr_factor"] ** 2 / delta for g in points]
                saving = [constant / g["sfo"] if g["sfo"] else np.nan for g in points]
                ax.plot(ratio, saving, marker + "-", color=color, ms=5,
                        label=f"target {comparison['target']}, δ = {delta:g}" + (
                            f" (constant: B = {comparison['constant']['batch']:g})" if delta == p["batch_factors"][0]
                            else ""))
        ax.axvline(1.0, color="k", ls=":", lw=1)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set(xscale="log", xlabel="γ²/δ (the noise's growth per stage)", title=name)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("SFO saving: best constant / best growth")
    fig.suptitle("Growth schedules b_m = b_0δ^m, η_m = min(η_0γ^m, stability cap) vs the best constant (B, η): "
                 "stochastic gradients to the target (exact engines; b_0, η_0, L tuned)", fontsize=10)
    return fig
