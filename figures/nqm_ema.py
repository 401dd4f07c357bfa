"""NQM: an exponential moving average of the SGD iterates against SGD itself.

The notebook's protocol on the exact engine (binned h_i = 1/i, d = 10⁴, C = H, target 0.01; EMA's lr from
logspace(−8, 1, 100) and γ from 1 − logspace(−5, 0, 20)). Left: steps for SGD (dashed) and SGD + EMA
(solid) for each p. Right: the speed-up S_SGD/S_EMA (solid), large at small batch, where the EMA averages the
noise away and lets the learning rate stay near the stability cap, and ≈ 1 at large batch; the tuned
γ (dotted, right axis as 1 − γ) falls from 1 − 10⁻⁵ towards 0 as the batch grows.
"""

import numpy as np

from batchlab.figures._labels import count
from batchlab.sim.nqm import PAPER_BATCHES, NQMProblem, steps_curves

NAME = "nqm_ema"


def compute(*, dim: int = 10_000, binned: bool = True, preconds: tuple = (0.0, 0.25, 0.5, 0.75), target: float = 0.01,
            batches: tuple = tuple(PAPER_BATCHES)) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, binned=binned, preconds=preconds, target=target, batches=batches)
    problem = NQMProblem.paper(dim, binned=binned)
    sgd, ema = (steps_curves(problem, optimizer=name, preconds=preconds, target=target, batches=batches)
                for name in ("sgd", "ema"))
    curves = [dict(p=s.precond, batches=s.batch_sizes, sgd=s.steps, ema=e.steps, decay=e.ema_decay)
              for s, e in zip(sgd, ema)]
    return dict(parameters=parameters, curves=curves)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, (ax, speed_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    decay_ax = speed_ax.twinx()
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    for color, c in zip(colors, data["curves"]):
        ax.plot(c["batches"], c["sgd"], "--", color=color, lw=1.2)
        ax.plot(c["batches"], c["ema"], "o-", ms=3, color=color, label=f"p = {c['p']}")
        speed_ax.plot(c["batches"], c["sgd"] / c["ema"], "o-", ms=3, color=color, label=f"p = {c['p']}")
        decay_ax.plot(c["batches"], np.maximum(1.0 - c["decay"], 1e-6), ":", color=color, lw=1.2)
    ax.plot([], [], "k--", lw=1.2, label="SGD (dashed)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"steps to reach loss {p['target']}",
           title="steps to target: SGD + EMA (solid) vs SGD (dashed)")
    ax.legend(fontsize=8)
    speed_ax.axhline(1.0, color="k", lw=0.8)
    speed_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="S_SGD / S_EMA (solid)",
                 title="EMA helps at small batch, is redundant at large batch")
    speed_ax.legend(fontsize=8, loc="center left")
    decay_ax.set(yscale="log", ylabel="1 − γ of the tuned EMA (dotted)")
    fig.suptitle("Noisy quadratic model, EMA of the iterates θ̃' = γθ̃ + (1 − γ)θ' (notebook grids, exact engine): "
                 f"h_i = 1/i{' binned' if p['binned'] else ''}, d = {count(p['dim'])}, C = H; loss ½Σhθ̃²", fontsize=10)
    return fig
