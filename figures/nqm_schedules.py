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

from batchlab.sim.nqm import NQMProblem, schedule_curves

NAME = "nqm_schedules"
PRECONDS = (0.0, 0.5)
BATCHES = [2**j for j in range(2, 22, 2)]
SHAPES = [4, 64, 1024, 2**14]
TARGET = 0.01


def compute() -> dict:
    problem = NQMProblem.paper(binned=True)
    curves = schedule_curves(problem, preconds=PRECONDS, pieces=(1, 10), batches=BATCHES, target=TARGET)
    shapes = schedule_curves(problem, preconds=(0.0,), pieces=(50,), batches=SHAPES, target=TARGET)[0]
    return dict(curves=[dict(p=c.precond, pieces=c.pieces, batches=c.batch_sizes, steps=c.steps) for c in curves],
                shapes=dict(batches=shapes.batch_sizes, lr=shapes.lr / shapes.cap))


def plot(data):
    import matplotlib.pyplot as plt

    fig, (ax, gain_ax, shape_ax) = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    colors = dict(zip(PRECONDS, ("C0", "C2")))
    by = {(c["p"], c["pieces"]): c for c in data["curves"]}
    for p in PRECONDS:
        constant, scheduled = by[p, 1], by[p, 10]
        ax.plot(constant["batches"], constant["steps"], "--", color=colors[p], lw=1.2)
        ax.plot(scheduled["batches"], scheduled["steps"], "o-", ms=3, color=colors[p], label=f"p = {p}")
        gain_ax.plot(constant["batches"], constant["steps"] / scheduled["steps"], "o-", ms=3, color=colors[p],
                     label=f"p = {p}")
    ax.plot([], [], "k--", lw=1.2, label="constant lr (K = 1)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"steps to reach loss {TARGET}",
           title="optimised 10-piece schedule (solid) vs constant")
    ax.legend(fontsize=8)
    gain_ax.axhline(1.0, color="k", lw=0.8)
    gain_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="S_constant / S_schedule",
                title="schedules help in the noisy regime only")
    gain_ax.legend(fontsize=8)
    shapes = data["shapes"]
    for b, lr, color in zip(shapes["batches"], shapes["lr"], plt.get_cmap("viridis")(np.linspace(0, 0.85, 4))):
        fraction = (np.arange(lr.size) + 0.5) / lr.size
        shape_ax.step(fraction, lr, where="mid", color=color, label=f"B = {int(b)}")
    shape_ax.set(yscale="log", xlabel="fraction of training", ylabel="learning rate / cap 2/(h_max + h_min)",
                 title="optimal 50-piece schedules (p = 0)")
    shape_ax.legend(fontsize=8)
    fig.suptitle("Noisy quadratic model, SGD with optimised piecewise-constant learning rates (exact engine): "
                 "h_i = 1/i binned, d = 10⁴, C = H; loss ½Σhθ²", fontsize=10)
    return fig
