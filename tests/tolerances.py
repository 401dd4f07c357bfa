"""Named test tolerances with their reasons, and the one k-standard-error helper (optax style).

Loosen a tolerance only locally, with the reason beside it; never to make a failing test pass.
"""

import math

import numpy as np

# Exact engine vs a dense brute-force reference: both are exact float64 recursions of at most a few hundred steps;
# 1e-10 relative leaves room for summation-order rounding.
EXACT_RTOL = 1e-10

# A compiled kernel vs a NumPy transcription fed the same random stream: the same arithmetic in another order,
# so only rounding separates them.
ROUNDING_RTOL = 1e-12

# Monte Carlo vs exact: |mean − exact| ≤ K_SE standard errors. With fixed seeds the test is deterministic; 4 SE has
# a two-sided false-alarm probability of 6e-5 per comparison under the CLT, so a failure means a real bias.
K_SE = 4.0

# A bound against a Monte Carlo mean: the bound must exceed the one-sided upper confidence limit mean + K_UPPER·SE
# (3 SE: false-alarm probability 1.3e-3 per comparison, one-sided).
K_UPPER = 3.0


def z_scores(estimate, stderr, exact) -> np.ndarray:
    """(estimate − exact)/stderr, elementwise; 0 where estimate, exact and stderr are all exactly 0 (a channel
    that is identically zero in every replicate, e.g. the bias with σ = 0)."""
    estimate, stderr, exact = (np.asarray(v, dtype=np.float64) for v in (estimate, stderr, exact))
    zero = (stderr == 0) & (estimate == exact)
    return np.where(zero, 0.0, (estimate - exact) / np.where(zero, 1.0, stderr))


def assert_within_k_se(estimate, stderr, exact, k: float = K_SE, label: str = "") -> None:
    """Every Monte Carlo ``estimate`` within ``k`` of its ``stderr`` of ``exact`` (arrays or scalars)."""
    z = z_scores(estimate, stderr, exact)
    assert np.all(np.abs(z) <= k), f"{label} z = {np.round(z, 2)} (|z| <= {k} required)"


def upper_limit(mean, stderr, k: float = K_UPPER):
    """The one-sided upper confidence limit mean + k·SE a bound has to exceed."""
    return mean + k * stderr


def assert_apart(larger, larger_se, smaller, smaller_se, k: float = K_SE) -> None:
    """Two independent Monte Carlo means ordered by more than ``k`` standard errors of their difference."""
    gap = larger - smaller
    assert gap > k * math.hypot(larger_se, smaller_se), f"gap {gap:.4g} <= {k} SE ({larger_se:.3g}, {smaller_se:.3g})"
