"""Linear minimisation oracles (LMOs) over unit norm balls, and the dual norms they realise.

lmo(g) = argmin_{‖d‖ ≤ 1} ⟨g, d⟩, so ⟨g, lmo(g)⟩ = −‖g‖_* and ‖lmo(g)‖ = 1 (for g ≠ 0). Each :class:`Norm`
bundles the primal norm, its dual and its LMO:

* ``l2``: ‖x‖₂, self-dual, lmo(g) = −g/‖g‖₂;
* ``linf``: ‖x‖_∞ (dual ‖·‖₁), lmo(g) = −sign(g) (a zero entry gets 0: any value in [−1, 1] is optimal);
* ``l1``: ‖x‖₁ (dual ‖·‖_∞), lmo(g) = −sign(g_i) e_i at the largest |g_i| (the first, on ties);
* ``spectral``: the operator norm of a matrix (dual: nuclear), lmo(G) = −UVᵀ, the polar factor, by SVD;
* ``spectral-ns``: the same with UVᵀ approximated by Muon's/Scion's 5 quintic Newton–Schulz steps
  (coefficients 3.4445, −4.7750, 2.0315): not an exact LMO (its singular values land in about [0.7, 1.2]);
* ``rms``: Scion's RMS→RMS operator norm √(d_in/d_out)‖X‖_op of a d_out × d_in matrix,
  lmo(G) = −√(d_out/d_in) UVᵀ, dual √(d_out/d_in)‖G‖_nuc;
* ``sign``: Scion's embedding/output norm d_in·max|X_ij|, lmo(G) = −sign(G)/d_in, dual ‖G‖₁/d_in;
* :func:`product`: the max-over-layers norm ‖x‖ = max_ℓ ‖x_ℓ‖_ℓ/η_ℓ with per-layer radii η_ℓ, whose LMO is
  the layers' LMOs scaled by η_ℓ and whose dual is Σ_ℓ η_ℓ‖g_ℓ‖_{*,ℓ} (eq. 14).

The LMOs (and the polar factor and Newton–Schulz iteration) are compiled (:mod:`batchlab.sim._numba`) so the Monte Carlo
kernels call the same functions.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim._numba import jit

NEWTON_SCHULZ = (3.4445, -4.7750, 2.0315)


@jit
def l2_lmo(g):
    size = math.sqrt(np.sum(g * g))
    return -g / size if size > 0.0 else np.zeros_like(g)


@jit
def linf_lmo(g):
    return -np.sign(g)


@jit
def l1_lmo(g):
    d = np.zeros_like(g)
    if g.size:
        k = np.argmax(np.abs(g))
        d[k] = -np.sign(g[k])
    return d


@jit
def polar_factor(G):
    """UVᵀ of the thin SVD G = UΣVᵀ (float64 matrix)."""
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    return U @ Vt


@jit
def newton_schulz(G, steps=5):
    """Muon's quintic Newton–Schulz iteration towards the polar factor UVᵀ (float64, on the shorter side)."""
    transpose = G.shape[0] > G.shape[1]
    X = np.ascontiguousarray(G.T) if transpose else G.copy()
    X = X / (np.linalg.norm(X) + 1e-7)
    a, b, c = NEWTON_SCHULZ
    for _ in range(steps):
        A = X @ np.ascontiguousarray(X.T)
        X = a * X + (b * A + c * A @ A) @ X
    return np.ascontiguousarray(X.T) if transpose else X


def _matrix(G):
    return np.ascontiguousarray(G, dtype=np.float64)


def _singular(G):
    return np.linalg.svd(np.asarray(G, dtype=np.float64), compute_uv=False)


@dataclass(frozen=True)
class Norm:
    """A norm with its dual and its unit-ball LMO (``exact``: the LMO is exact, not an approximation)."""

    name: str
    norm: object
    dual: object
    lmo: object
    exact: bool = True


def _rms_scale(G):
    d_out, d_in = np.shape(G)
    return math.sqrt(d_out / d_in)


NORMS = {
    "l2": Norm("l2", lambda x: float(np.linalg.norm(np.ravel(x))), lambda g: float(np.linalg.norm(np.ravel(g))),
               lambda g: l2_lmo(np.asarray(g, dtype=np.float64))),
    "linf": Norm("linf", lambda x: float(np.max(np.abs(x))), lambda g: float(np.sum(np.abs(g))),
                 lambda g: linf_lmo(np.asarray(g, dtype=np.float64))),
    "l1": Norm("l1", lambda x: float(np.sum(np.abs(x))), lambda g: float(np.max(np.abs(g))),
               lambda g: l1_lmo(np.asarray(g, dtype=np.float64).ravel()).reshape(np.shape(g))),
    "spectral": Norm("spectral", lambda X: float(_singular(X)[0]), lambda G: float(np.sum(_singular(G))),
                     lambda G: -polar_factor(_matrix(G))),
    "spectral-ns": Norm("spectral-ns", lambda X: float(_singular(X)[0]), lambda G: float(np.sum(_singular(G))),
                        lambda G: -newton_schulz(_matrix(G)), exact=False),
    "rms": Norm("rms", lambda X: float(_singular(X)[0]) / _rms_scale(X),
                lambda G: _rms_scale(G) * float(np.sum(_singular(G))),
                lambda G: -_rms_scale(G) * polar_factor(_matrix(G))),
    "sign": Norm("sign", lambda X: np.shape(X)[1] * float(np.max(np.abs(X))),
                 lambda G: float(np.sum(np.abs(G))) / np.shape(G)[1], lambda G: -np.sign(G) / np.shape(G)[1]),
}


def product(norms, radii) -> Norm:
    """The max-over-layers norm ‖(x_ℓ)‖ = max_ℓ ‖x_ℓ‖_ℓ/η_ℓ on a list of layers (eq. 14 with radii η_ℓ)."""
    norms, radii = list(norms), [float(r) for r in radii]
    return Norm("product",
                lambda xs: max(n.norm(x) / r for n, x, r in zip(norms, xs, radii)),
                lambda gs: sum(r * n.dual(g) for n, g, r in zip(norms, gs, radii)),
                lambda gs: [r * n.lmo(g) for n, g, r in zip(norms, gs, radii)],
                exact=all(n.exact for n in norms))
