"""NQM: full Gauss–Newton (P = H⁻¹) against a square-root preconditioner (P = H^−½) at every batch size.

On the NQM the Gauss–Newton matrix is H, so full GN is preconditioning power p = 1 and Adam/Shampoo/SOAP-like
preconditioning is p = ½ (binned h_i = 1/i, d = 10⁴, C = H; SGD, learning rate tuned per batch size, Brent-refined).
Left: steps to each target. Right: the gap steps(p = ½)/steps(p = 1) against B in units of p = ½'s critical batch
size: flat near 1 below it (below 1 at the loose target: H⁻¹ amplifies the flat directions' noise), and only past
4–7 of them as large as the 5.4× fewer iterations [Abreu 2025] report against SOAP and Muon.
"""

import numpy as np

from batchlab.figures._labels import count
from batchlab.sim.nqm import PAPER_BATCHES, NQMProblem, preconditioner_gap

NAME = "nqm_gauss_newton"


def compute(*, dim: int = 10_000, binned: bool = True, targets: tuple = (0.1, 0.01, 0.001), gap: float = 5.4,
            batches: tuple = tuple(PAPER_BATCHES)) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, binned=binned, targets=targets, gap=gap, batches=batches)
    problem = NQMProblem.paper(dim, binned=binned)
    rows = []
    for target in targets:
        measured = preconditioner_gap(problem, target=target, batches=batches, gap=gap)
        rows.append(dict(target=target, batches=measured.batch_sizes, half=measured.baseline.steps,
                         newton=measured.newton.steps, ratio=measured.ratio, cbs=measured.baseline_cbs,
                         first_at_gap=measured.first_at_gap))
    return dict(parameters=parameters, curves=rows)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, (ax, gap_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    for color, c in zip(colors, data["curves"]):
        batches = np.asarray(c["batches"], dtype=float)
        ax.plot(batches, np.asarray(c["half"], dtype=float), "--", color=color, lw=1.2)
        ax.plot(batches, np.asarray(c["newton"], dtype=float), "o-", ms=3, color=color, label=f"target {c['target']}")
        ax.axvline(c["cbs"], color=color, ls=":", lw=1)
        where = "never" if c["first_at_gap"] is None else f"at {c['first_at_gap'] / c['cbs']:.1f} B*"
        gap_ax.plot(batches / c["cbs"], np.asarray(c["ratio"], dtype=float), "o-", ms=3, color=color,
                    label=f"target {c['target']}: {p['gap']}× {where}")
    ax.plot([], [], "k--", lw=1.2, label="p = ½ (dashed)")
    ax.plot([], [], "k:", lw=1, label="B* of p = ½ (dotted)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="steps to the target",
           title="tuned steps: full Gauss–Newton p = 1 (solid) vs p = ½ (dashed)")
    ax.legend(fontsize=8)
    gap_ax.axhline(p["gap"], color="k", lw=0.8, ls="--")
    gap_ax.axhline(1.0, color="k", lw=0.6)
    gap_ax.axvline(1.0, color="k", lw=0.6, ls=":")
    gap_ax.text(1.2, p["gap"] * 1.1, f"{p['gap']}× (Abreu et al., vs SOAP/Muon)", fontsize=8)
    gap_ax.set(xscale="log", yscale="log", xlabel="B / B*(p = ½)", ylabel="steps(p = ½) / steps(p = 1)",
               title="the gap opens only past p = ½'s critical batch size")
    gap_ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Noisy quadratic model, preconditioning P = H^−p (GN = H): "
                 f"h_i = 1/i{' binned' if p['binned'] else ''}, d = {count(p['dim'])}, C = H; loss ½Σhθ²", fontsize=10)
    return fig
