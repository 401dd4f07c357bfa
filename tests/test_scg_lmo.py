"""LMOs and dual norms: ⟨g, lmo(g)⟩ = −‖g‖_*, ‖lmo(g)‖ = 1, the dual norm is the sup over the unit ball,
equivalent LMOs agree, and how far Newton–Schulz is from the exact polar factor."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from batchlab.sim.scg import NORMS, newton_schulz, product

from tolerances import ROUNDING_RTOL

VECTOR = ("l2", "linf", "l1")
MATRIX = ("spectral", "rms", "sign")
entries = st.floats(-10, 10, allow_subnormal=False).filter(lambda v: abs(v) > 1e-6)  # no zero entries: ‖sign‖ = 1


def shaped(name):
    return (st.integers(1, 12).map(lambda n: (n,)) if name in VECTOR
            else st.tuples(st.integers(1, 6), st.integers(1, 6)))


@pytest.mark.parametrize("name", VECTOR + MATRIX)
@given(data=st.data())
def test_lmo_attains_the_dual_norm_on_the_unit_sphere(name, data):
    norm = NORMS[name]
    g = data.draw(arrays(np.float64, data.draw(shaped(name)), elements=entries))
    d = norm.lmo(g)
    dual = norm.dual(g)
    assert np.sum(g * d) == pytest.approx(-dual, rel=1e-10)
    assert norm.norm(d) == pytest.approx(1.0, rel=1e-10)


@pytest.mark.parametrize("name", VECTOR + MATRIX)
@given(data=st.data())
def test_dual_norm_is_the_sup_over_the_unit_ball(name, data):
    """No point of the unit ball beats the LMO: ⟨g, v⟩ ≥ −‖g‖_* for random v scaled to ‖v‖ = 1."""
    norm = NORMS[name]
    shape = data.draw(shaped(name))
    g = data.draw(arrays(np.float64, shape, elements=entries))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    for v in rng.standard_normal((20, *shape)):
        v = v / norm.norm(v)
        assert np.sum(g * v) >= -norm.dual(g) * (1 + 1e-10)


@given(g=arrays(np.float64, st.integers(1, 10), elements=entries), radius=st.floats(0.1, 10))
def test_equivalent_lmos_agree(g, radius):
    """A 1 × n matrix's spectral LMO is the ℓ2 LMO of the row; Scion's sign norm with d_in = 1 is ℓ∞ of the
    column; the RMS norm of a square matrix is the spectral norm; a one-layer product is its layer scaled."""
    np.testing.assert_allclose(NORMS["spectral"].lmo(g[None, :])[0], NORMS["l2"].lmo(g), atol=1e-12)
    np.testing.assert_allclose(NORMS["sign"].lmo(g[:, None])[:, 0], NORMS["linf"].lmo(g), atol=0)
    square = np.outer(g, g[::-1]) + np.eye(g.size)
    np.testing.assert_allclose(NORMS["rms"].lmo(square), NORMS["spectral"].lmo(square), atol=1e-12)
    layered = product([NORMS["l1"]], [radius])
    np.testing.assert_allclose(layered.lmo([g])[0], radius * NORMS["l1"].lmo(g), atol=0)
    assert layered.dual([g]) == pytest.approx(radius * NORMS["l1"].dual(g))


@given(data=st.data())
def test_product_norm_is_max_over_layers_with_a_summed_dual(data):
    """Scion's layered norm (eq. 14): the LMO hits every layer's sphere of radius η_ℓ, so ‖lmo‖ = 1 and
    ⟨g, lmo(g)⟩ = −Σ η_ℓ‖g_ℓ‖_{*,ℓ}."""
    radii = [50.0, 3000.0]
    layered = product([NORMS["spectral"], NORMS["sign"]], radii)
    gs = [data.draw(arrays(np.float64, shape, elements=entries)) for shape in ((3, 4), (5, 3))]
    ds = layered.lmo(gs)
    assert layered.norm(ds) == pytest.approx(1.0, rel=1e-10)
    assert sum(np.sum(g * d) for g, d in zip(gs, ds)) == pytest.approx(-layered.dual(gs), rel=1e-10)


def test_newton_schulz_is_close_to_the_polar_factor_but_not_an_lmo(observe):
    """Five quintic steps on 80 Gaussian matrices (8×8, 16×4, 4×32, 64×64): the approximate polar factor's largest
    singular value reaches 1.20, so its 'unit-ball' point lies up to 20% outside the ball, and the smallest ones of a
    64×64 matrix stay as low as 0.02 (five steps cannot lift them); ⟨G, lmo⟩/(−‖G‖_nuc) spans 0.78–1.04 (measured).
    The SVD polar factor puts every singular value at 1 and the ratio at exactly 1."""
    rng = np.random.default_rng(0)
    spectral, approx = NORMS["spectral"], NORMS["spectral-ns"]
    largest, ratios = [], []
    for shape in ((8, 8), (16, 4), (4, 32), (64, 64)):
        for _ in range(20):
            G = rng.standard_normal(shape)
            largest.append(np.linalg.svd(newton_schulz(G), compute_uv=False).max())
            ratios.append(np.sum(G * approx.lmo(G)) / -spectral.dual(G))
            observe("newton-schulz: largest singular value", largest[-1])
            observe("newton-schulz: <G, lmo>/(-dual norm)", ratios[-1])
    assert 1.1 < max(largest) < 1.25 and 0.75 < min(ratios) and 1.0 < max(ratios) < 1.06
    G = rng.standard_normal((16, 4))
    assert np.sum(G * spectral.lmo(G)) == pytest.approx(-spectral.dual(G), rel=ROUNDING_RTOL)
    assert not approx.exact and spectral.exact
