"""NQM: McCandlish's gradient noise scale B_noise against the measured critical batch size.

For each optimiser (SGD, heavy ball, SGD + EMA) and preconditioning power p, on the notebook's protocol (exact
engine, binned d = 10⁴, target 0.01): B_noise = tr(PHPΣ)/GᵀPHPG measured at the state where the smallest
batch's optimal run first reaches the target, against two measured CBS of the same curve: the batch size
whose steps are 2× linear scaling from B = 4 (where McCandlish's S = S_min(1 + B_noise/B) puts B_noise
exactly; filled) and Definition 3's 1.2× rule (open). Points on the diagonal would mean his one-parameter
model describes the curve. B_noise is a property of the state, not of the optimiser: it sits within about 2×
of SGD's and EMA's measured CBS, but below heavy ball's by up to 60× (p = 0), since momentum moves the CBS
without changing what small-batch training looks like.
"""

import numpy as np

from batchlab.sim.critical_batch import linear_scaling_cbs
from batchlab.sim.nqm import NQMProblem, steps_curves

NAME = "nqm_noise_scale"
OPTIMIZERS = {"sgd": "o", "momentum": "s", "ema": "^"}


def compute(*, dim: int = 10_000, binned: bool = True, preconds: tuple = (0.0, 0.25, 0.5, 0.75),
            target: float = 0.01) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, binned=binned, preconds=preconds, target=target)
    problem = NQMProblem.paper(dim, binned=binned)
    rows = []
    for name in OPTIMIZERS:
        for c in steps_curves(problem, optimizer=name, preconds=preconds, target=target):
            double = linear_scaling_cbs(c.batch_sizes, c.steps, reference=float(c.batch_sizes[0]), overhead=2.0)
            rows.append(dict(optimizer=name, p=c.precond, b_noise=c.b_noise, at_double=double.b_star,
                             cbs=c.paper.b_star))
    return dict(parameters=parameters, rows=rows)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.6), layout="constrained")
    preconds = data["parameters"]["preconds"]
    colors = dict(zip(preconds, plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(preconds)))))
    for r in data["rows"]:
        marker = OPTIMIZERS[r["optimizer"]]
        ax.plot(r["at_double"], r["b_noise"], marker, ms=8, color=colors[r["p"]], markeredgecolor="k")
        ax.plot(r["cbs"], r["b_noise"], marker, ms=8, mfc="none", color=colors[r["p"]])
    values = [v for r in data["rows"] for v in (r["b_noise"], r["at_double"], r["cbs"])]
    span = np.array([min(values) / 2, max(values) * 2])
    ax.plot(span, span, "k-", lw=0.8, label="B_noise = measured")
    for name, marker in OPTIMIZERS.items():
        ax.plot([], [], marker, color="gray", markeredgecolor="k", label=name)
    for p, color in colors.items():
        ax.plot([], [], "s", color=color, label=f"p = {p}")
    ax.plot([], [], "o", mfc="none", color="gray", label="open: Definition 3 (1.2×)")
    ax.set(xscale="log", yscale="log", xlabel="measured CBS (filled: steps 2× linear scaling)",
           ylabel="McCandlish B_noise (small-batch run, at the target)",
           title="NQM: gradient noise scale vs measured CBS", xlim=span, ylim=span)
    ax.legend(fontsize=7, ncol=2)
    return fig
