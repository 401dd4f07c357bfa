"""Stochastic conditional gradient (SCG, uSCG: Scion/Muon-like LMO methods) under μ-KL (Islamov et al. 2026).

So far the linear minimisation oracles and their norms (:mod:`sim.scg._lmo`); the theory is in :mod:`theory.scg`.
"""

from sim.scg._lmo import NORMS, Norm, l1_lmo, l2_lmo, linf_lmo, newton_schulz, product

__all__ = ["NORMS", "Norm", "l1_lmo", "l2_lmo", "linf_lmo", "newton_schulz", "product"]
