"""Gaussian fourth moments, exactly (Isserlis/Wick), for the fourth-moment step of Theorem 7's proof.

For x ~ N(0, H) and any matrix A, Isserlis gives
E[x_i x_j x_k x_l] = H_ij H_kl + H_ik H_jl + H_il H_jk, hence for symmetric A

    E[x xᵀ A x xᵀ] = 2 HAH + tr(HA) H.

The seed paper's proof (App. J) instead writes E[x xᵀ A x xᵀ] − HAH = 2 tr(HA) H, i.e.
E[x xᵀ A x xᵀ] = HAH + 2 tr(HA) H. The two differ by tr(HA)H − HAH, which is PSD for
PSD A (HAH = H^{1/2}(H^{1/2}AH^{1/2})H^{1/2} ≼ λ_max(H^{1/2}AH^{1/2}) H ≼ tr(HA) H):
the paper's operator is an upper bound in PSD order, not an identity. Used for the upper
bound (α = 2/B in Zou et al.'s Assumption 2.2) it only loosens constants; used for the lower
bound (β = 2/B in their Assumption 2.4) it overstates the true β = 1/B, again a constant.
"""

import sympy as sp


def fourth_moment(H, A):
    """E[x xᵀ A x xᵀ] for x ~ N(0, H), entry by entry from Isserlis' theorem (sympy matrices)."""
    d = H.shape[0]
    return sp.Matrix(d, d, lambda i, m: sum(
        A[j, k] * (H[i, j] * H[k, m] + H[i, k] * H[j, m] + H[i, m] * H[j, k]) for j in range(d) for k in range(d)))


def true_identity(H, A):
    """2HAH + tr(HA)H: the closed form, valid for symmetric A."""
    return 2 * H * A * H + (H * A).trace() * H


def paper_expression(H, A):
    """HAH + 2tr(HA)H: what the seed paper's proof of Theorem 7 uses for E[x xᵀ A x xᵀ]."""
    return H * A * H + 2 * (H * A).trace() * H


def symmetric_symbols(name, d):
    """A generic symmetric d×d sympy matrix."""
    return sp.Matrix(d, d, lambda i, j: sp.Symbol(f"{name}{min(i, j)}{max(i, j)}", real=True))
