"""Training strategies on linear regression: steps to a target per strategy, momentum against batch size, B*(D).

Exact engines (the strategy recursion; constant + EWA by the spectral engine where it is faster), everything tuned
per batch size by the CBS protocol (:mod:`batchlab.sim.linreg._strategy_tuning`): γ always, EWA's τ over a
continuum, WSD's decay over the paper's 0.1, 0.2, 0.3, a schedule's horizon swept. The strategies are the seed
paper's (its Figure 4, Appendix C–E): plain SGD with the uniform average (the theory's), constant + EWA (the paper's
protocol), a constant learning rate's last iterate, and cosine and WSD evaluated at the last iterate
(:data:`batchlab.sim.linreg.PAPER_STRATEGIES`).

(a) f(B), steps to a common target at D = ``samples``: the largest R_opt there of the uniform average, constant +
EWA, cosine and WSD, so that each reaches it within D samples at its own B_opt (a constant learning rate's last
iterate counts its steps to it too). (b) f(B) over constant + EWA's: the paper claims constant + EWA matches cosine
and beats WSD, especially at large batch, and beats the constant learning rate without it. (c) Heavy-ball momentum β
(with constant + EWA, τ tuned) over β = 0: the paper finds it matters little at small batch and more as the batch
grows. (d) B*(D) of each strategy at its own R_opt (Definition 3), with log-log slopes against Corollary 8's
exponent.
"""

import numpy as np

from batchlab.sim.linreg import (
    PAPER_STRATEGIES,
    LinRegProblem,
    cbs_exponent,
    compare_strategies,
    measure_cbs_scaling,
)

NAME = "linreg_strategies"


def compute(*, a: float = 1.5, b: float = 2.5, dim: str = "inf", samples: int = 12288,
            scaling_samples: tuple = (768, 1536, 3072, 6144, 12288, 24576), momenta: tuple = (0.8, 0.9, 0.95, 0.975),
            sigma: float = 1.0) -> dict:
    """The strategies compared at ``samples`` (:func:`batchlab.sim.linreg.compare_strategies`) and their B*(D)."""
    problem = LinRegProblem.power_law(a, b, dim if dim == "inf" else int(dim), sigma)
    comparison = compare_strategies(problem, samples, momenta=momenta)
    own = {name: measure_cbs_scaling(problem, list(scaling_samples), strategy=s)
           for name, s in PAPER_STRATEGIES.items()}
    return dict(parameters=dict(a=a, b=b, dim=dim, samples=samples, scaling_samples=list(scaling_samples),
                                momenta=list(momenta), sigma=sigma),
                predicted_exponent=cbs_exponent(a, b), comparison=comparison.to_dict(),
                cbs={name: s.cbs("paper") for name, s in own.items()},
                exponent={name: s.exponent("paper") for name, s in own.items()})


def _values(row):
    return np.array([np.nan if v is None else v for v in row], dtype=float)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p, c = data["parameters"], data["comparison"]
    batches = np.array(c["batch_sizes"], dtype=float)
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5), layout="constrained")
    (steps_ax, ratio_ax), (momentum_ax, scaling_ax) = axes
    colors = {name: f"C{k}" for k, name in enumerate(c["steps"])}
    reference = _values(c["steps"][c["reference"]])
    for name, row in c["steps"].items():
        steps = _values(row)
        label = name + (f": B* = {c['cbs'][name]:.4g}" if c["cbs"][name] else "")
        steps_ax.plot(batches, steps, "o-", ms=3.5, color=colors[name], label=label)
        ratio_ax.plot(batches, steps / reference, "o-", ms=3.5, color=colors[name], label=name)
    finite = np.isfinite(reference)
    anchor = reference[finite][0] * batches[finite][0]
    steps_ax.plot(batches, anchor / batches, "k:", lw=1, label=f"linear scaling from B = 1 ({c['reference']})")
    steps_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="steps to the target (tuned per B)",
                 title=f"(a) steps to R = {c['target']:.4g} at D = {p['samples']} (a={p['a']}, b={p['b']}, "
                       f"dim={p['dim']})")
    steps_ax.legend(fontsize=8, loc="lower left")
    ratio_ax.axhline(1.0, color="k", lw=0.8)
    ratio_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"f(B) / f(B) of {c['reference']}",
                 title="(b) over constant + EWA (paper: ≈ cosine; beats WSD at large B)")
    ratio_ax.legend(fontsize=8, loc="upper left")
    for k, (beta, row) in enumerate(c["momentum_steps"].items()):
        momentum_ax.plot(batches, _values(row) / reference, "o-", ms=3.5,
                         color=plt.cm.viridis(k / max(1, len(c["momentum_steps"]))), label=f"β = {beta}")
    momentum_ax.axhline(1.0, color="k", lw=0.8)
    momentum_ax.set(xscale="log", xlabel="batch size B", ylabel="f(B) with momentum / f(B) without",
                    title="(c) heavy ball, steps with β over without (paper: small at small B)")
    momentum_ax.legend(fontsize=8, loc="lower left")
    samples = np.array(p["scaling_samples"], dtype=float)
    for name, row in data["cbs"].items():
        scaling_ax.plot(samples, _values(row), "o-", ms=4, color=colors[name],
                        label=f"{name}: slope {data['exponent'][name]:.3f}")
    predicted = data["predicted_exponent"]
    first = _values(data["cbs"]["uniform average"])[0]
    scaling_ax.plot(samples, first * (samples / samples[0]) ** predicted, "k:", lw=1,
                    label=f"Corollary 8: slope {predicted:.3f}")
    scaling_ax.set(xscale="log", yscale="log", xlabel="data size D", ylabel="B* (Definition 3, own R_opt)",
                   title="(d) B*(D) of each strategy")
    scaling_ax.legend(fontsize=8, loc="upper left")
    return fig
