"""Bias and variance of the averaged iterate vs D in the three cases of Corollary 8's proof.

For each case (b ≤ a; a < b < 2a + 1; b > 2a + 1) the learning rate follows the
corollary's optimal scaling γ/B = γ₀·D^{a/min(b, 2a+1) − 1} at B = 1 (only γ/B
matters, Theorem 7; for b ≤ a this is γ = γ₀ at every D). Exact bias and variance
are drawn against the predicted slopes from :func:`batchlab.theory.linreg.corollary8_rate_exponents`
(both equal for b > a: the balance that defines the CBS; bias dominates for b ≤ a).
"""

import numpy as np

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, exact_risk
from batchlab.theory.linreg import corollary8_case, corollary8_rate_exponents, lr_over_batch_exponent, step_size_scale

NAME = "linreg_bias_variance"


def compute(*, a: tuple = (2.0, 1.5, 1.5), b: tuple = (1.5, 2.5, 6.0), dim: tuple = (40000, 4000, 4000),
            sigma: float = 1.0, lr_fraction: float = 0.5, samples: tuple = tuple(2**k for k in range(8, 17))) -> dict:
    """One panel per (a[k], b[k], dim[k]); the defaults are the three cases b ≤ a, a < b < 2a+1, b > 2a+1.

    For b ≤ a the bias is the spectrum's tail Σ_{k*<i≤d} i^{−b}, which d = 4000 would cut short (steepening it); d =
    40000 keeps it.
    """
    if not len(a) == len(b) == len(dim):
        raise InvalidParameter("set", "a, b and dim of one length (one panel each)", f"{len(a)}, {len(b)}, {len(dim)}")
    parameters = dict(a=a, b=b, dim=dim, sigma=sigma, lr_fraction=lr_fraction, samples=samples)
    sizes = np.array(samples)
    panels = []
    for a, b, dim in zip(a, b, dim):
        problem = LinRegProblem.power_law(a, b, dim, sigma)
        lr0 = lr_fraction * step_size_scale(problem.eigenvalues, 1)
        lrs = lr0 * sizes.astype(float) ** lr_over_batch_exponent(a, b)
        results = [exact_risk(problem, lr=lr, batch=1, samples=int(d)) for lr, d in zip(lrs, sizes)]
        panels.append(dict(a=a, b=b, dim=dim, case=corollary8_case(a, b), slopes=corollary8_rate_exponents(a, b),
                           bias=np.array([r.bias for r in results]), variance=np.array([r.variance for r in results])))
    return dict(parameters=parameters, samples=sizes, panels=panels)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(data["panels"]), figsize=(12, 4.2), layout="constrained", sharey=True,
                             squeeze=False)
    axes = axes[0]
    D = data["samples"].astype(float)
    for ax, panel in zip(axes, data["panels"]):
        for key, color, slope in (("bias", "C0", panel["slopes"][0]), ("variance", "C3", panel["slopes"][1])):
            values = panel[key]
            ax.plot(D, values, "o-", color=color, ms=4, label=f"{key} (exact)")
            ax.plot(D, values[-1] * (D / D[-1]) ** slope, ":", color=color, lw=1.5,
                    label=f"predicted slope {slope:+.3f}")
        ax.set(xscale="log", yscale="log", xlabel="data size D",
               title=f"case {panel['case']}:  a={panel['a']}, b={panel['b']}, d={panel['dim']}")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("E excess risk part of w̄  (no ½)")
    sigma = data["parameters"]["sigma"]
    fig.suptitle(f"Corollary 8's learning-rate scaling γ/B ∝ D^(a/min(b,2a+1) − 1), B = 1, σ = {sigma}: "
                 "bias and variance balance iff b > a", fontsize=10)
    return fig
