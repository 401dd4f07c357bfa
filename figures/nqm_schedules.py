"""NQM: optimised piecewise-constant learning-rate schedules against the best constant learning rate (SGD).

The notebook's protocol on the exact engine (binned h_i = 1/i, d = 10⁴, C = H, target 0.01): K equal pieces
over T steps, log learning rates optimised by L-BFGS-B for the loss at T, each capped at
2/(h_max^{1−p} + h_min^{1−p}); the steps are the smallest such T (bisection). K = 1 is the constant rate under
the same cap. Left: steps for K = 1 (dashed) and K = 10 (solid). Middle: the gain, large at small batch and
gone where the run is deterministic. Right: the optimised 50-piece schedules (p = 0) at four batch sizes, as a
fraction of the cap against the fraction of training: all start at the cap and decay, the sooner the smaller
the batch (with 10 pieces the first, longer piece at B = 4 sits below the cap: 0.37 of it at p = 0).
"""

import numpy as np

from batchlab.figures._labels import count
from batchlab.sim.nqm import NQMProblem, schedule_curves

NAME = "nqm_schedules"


def compute(*, dim: int = 10_000, binned: bool = True, preconds: tuple = (0.0, 0.5), target: float = 0.01,
            batches: tuple = tuple(2**j for j in range(2, 22, 2)), pieces: int = 10,
            shape_batches: tuple = (4, 64, 1024, 2**14), shape_pieces: int = 50) -> dict:
    """Steps with ``pieces`` optimised pieces against a constant rate at each of ``batches``.

    And the optimal ``shape_pieces``-piece schedules at ``shape_batches`` (p = 0).
    """
    parameters = dict(dim=dim, binned=binned, preconds=preconds, target=target, batches=batches, pieces=pieces,
                      shape_batches=shape_batches, shape_pieces=shape_pieces)
    problem = NQMProblem.paper(dim, binned=binned)
    curves = schedule_curves(problem, preconds=preconds, pieces=(1, pieces), batches=batches, target=target)
    shapes = schedule_curves(problem, preconds=(0.0,), pieces=(shape_pieces,), batches=shape_batches,
                             target=target)[0]
    rows = [dict(p=c.precond, pieces=c.pieces, batches=c.batch_sizes, steps=c.steps) for c in curves]
    return dict(parameters=parameters, curves=rows,
                shapes=dict(batches=shapes.batch_sizes, lr=shapes.lr / shapes.cap))


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    par = data["parameters"]
    fig, (ax, gain_ax, shape_ax) = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    colors = {p: f"C{2 * k}" for k, p in enumerate(par["preconds"])}
    by = {(c["p"], c["pieces"]): c for c in data["curves"]}
    for p in par["preconds"]:
        constant, scheduled = by[p, 1], by[p, par["pieces"]]
        ax.plot(constant["batches"], constant["steps"], "--", color=colors[p], lw=1.2)
        ax.plot(scheduled["batches"], scheduled["steps"], "o-", ms=3, color=colors[p], label=f"p = {p}")
        gain_ax.plot(constant["batches"], constant["steps"] / scheduled["steps"], "o-", ms=3, color=colors[p],
                     label=f"p = {p}")
    ax.plot([], [], "k--", lw=1.2, label="constant lr (K = 1)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"steps to reach loss {par['target']}",
           title=f"optimised {par['pieces']}-piece schedule (solid) vs constant")
    ax.legend(fontsize=8)
    gain_ax.axhline(1.0, color="k", lw=0.8)
    gain_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="S_constant / S_schedule",
                title="schedules help in the noisy regime only")
    gain_ax.legend(fontsize=8)
    shapes = data["shapes"]
    shade = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(shapes["batches"])))
    for b, lr, color in zip(shapes["batches"], shapes["lr"], shade):
        fraction = (np.arange(lr.size) + 0.5) / lr.size
        shape_ax.step(fraction, lr, where="mid", color=color, label=f"B = {int(b)}")
    shape_ax.set(yscale="log", xlabel="fraction of training", ylabel="learning rate / cap 2/(h_max + h_min)",
                 title=f"optimal {par['shape_pieces']}-piece schedules (p = 0)")
    shape_ax.legend(fontsize=8)
    fig.suptitle("Noisy quadratic model, SGD with optimised piecewise-constant learning rates (exact engine): "
                 f"h_i = 1/i{' binned' if par['binned'] else ''}, d = {count(par['dim'])}, C = H; loss ½Σhθ²",
                 fontsize=10)
    return fig
