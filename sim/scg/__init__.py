"""Stochastic conditional gradient (SCG, uSCG: Scion/Muon-like LMO methods) under μ-KL (Islamov et al. 2026).

So far: the linear minimisation oracles and their norms (:mod:`sim.scg._lmo`), a quadratic test problem with
proved constants (:mod:`sim.scg._problems`) and the Monte Carlo engine of Algorithms 1 and 2
(:mod:`sim.scg._montecarlo`), the U-curve experiment (:mod:`sim.scg._ucurve`) and the paper's constant
estimators (:mod:`sim.scg._estimators`); the theory is in :mod:`theory.scg`.
"""

from sim.scg._estimators import estimate_constants, estimator_bias, huber_slope
from sim.scg._lmo import NORMS, Norm, l1_lmo, l2_lmo, linf_lmo, newton_schulz, product
from sim.scg._montecarlo import SCGRun, beta_schedule, eq26_for_run, scg_monte_carlo, scg_trajectory
from sim.scg._problems import QuadraticProblem
from sim.scg._ucurve import STANDARD, UCurve, bst_exponent, u_curves

__all__ = ["NORMS", "STANDARD", "Norm", "QuadraticProblem", "SCGRun", "UCurve", "beta_schedule", "bst_exponent",
           "eq26_for_run", "estimate_constants", "estimator_bias", "huber_slope", "l1_lmo", "l2_lmo", "linf_lmo",
           "newton_schulz", "product", "scg_monte_carlo", "scg_trajectory", "u_curves"]
