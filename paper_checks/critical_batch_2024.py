"""Zhang et al. 2024, "How Does Critical Batch Size Scale in Pre-training?" (seed 001), App. A.2 and J.

Each check returns (claimed, recomputed, status, note).
"""

import sympy as sp

from theory import gaussian_moments as gm
from theory.linreg import corollary8_rate_exponents

PAPER = "cbs2024"
TITLE = "How Does Critical Batch Size Scale in Pre-training? (Zhang et al. 2024)"


def fourth_moment_step():
    """Proof of Theorem 7: 'E[xxᵀAxxᵀ] − HAH = 2tr(HA)H' for x ~ N(0, H)."""
    H, A = gm.symmetric_symbols("h", 2), gm.symmetric_symbols("a", 2)
    residual = sp.simplify(gm.fourth_moment(H, A) - H * A * H - 2 * (H * A).trace() * H)
    status = "match" if residual == sp.zeros(2, 2) else "mismatch"
    return ("E[xxᵀAxxᵀ] − HAH = 2tr(HA)H", "E[xxᵀAxxᵀ] − HAH = HAH + tr(HA)H (Isserlis)", status,
            "the paper's form exceeds the true one by tr(HA)H − HAH ≽ 0: an upper bound in PSD order, "
            "so only constants change (its lower-bound constant β = 2/B should be 1/B)")


def which_error_dominates_below_a():
    """Discussion after Corollary 8: 'when b < a, the variance error tends to dominate the bias error'."""
    a, b = 2.0, 1.5
    bias_rate, variance_rate = corollary8_rate_exponents(a, b)
    dominant = "bias" if bias_rate > variance_rate else "variance"
    return ("b < a: variance dominates", f"b < a: {dominant} dominates (a={a}, b={b}: bias ∝ D^{bias_rate:.3f}, "
            f"variance ∝ D^{variance_rate:.3f})", "match" if dominant == "variance" else "mismatch",
            "the proof's case 1 (b ≤ a) has the bias term dominating; the sentence should read b > a "
            "for the variance-dominated regime")


CHECKS = (fourth_moment_step, which_error_dominates_below_a)
