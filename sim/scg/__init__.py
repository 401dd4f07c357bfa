"""Stochastic conditional gradient (SCG, uSCG: Scion/Muon-like LMO methods) under μ-KL (Islamov et al. 2026).

The linear minimisation oracles and their norms (:mod:`batchlab.sim.scg._lmo`); test problems with proved constants
(:mod:`batchlab.sim.scg._problems`: quadratics in the ℓ2/ℓ∞/ℓ1 geometries, matrix least squares in the spectral one,
logistic and exponential loss on separable data); the Monte Carlo engine of Algorithms 1 and 2 with stages and
restarts (:mod:`batchlab.sim.scg._montecarlo`) and eq. 26 for a run (:mod:`batchlab.sim.scg._bound`); the U-curve
and tuned-α experiments (:mod:`batchlab.sim.scg._ucurve`), the restart schedule (:mod:`batchlab.sim.scg._restart`)
and the paper's constant estimators (:mod:`batchlab.sim.scg._estimators`). The theory is in
:mod:`batchlab.theory.scg`.
"""

from batchlab.sim.montecarlo import MonteCarlo
from batchlab.sim.scg._beyond import METHODS as BEYOND_METHODS
from batchlab.sim.scg._beyond import BeyondCurve, beyond_cbs_curves
from batchlab.sim.scg._bound import Eq26Bound, eq26_for_run
from batchlab.sim.scg._estimators import estimate_constants, estimator_bias, huber_slope
from batchlab.sim.scg._lmo import NORMS, Norm, l1_lmo, l2_lmo, linf_lmo, newton_schulz, polar_factor, product
from batchlab.sim.scg._montecarlo import (
                                          SCHEDULES,
                                          SCGRun,
                                          SCGSettings,
                                          Stage,
                                          beta_schedule,
    estimated_seconds,
                                          noise_sigma,
                                          scg_monte_carlo,
                                          scg_stages,
                                          scg_trajectory,
)
from batchlab.sim.scg._muon import BATCHES as MUON_BATCHES
from batchlab.sim.scg._muon import MuonSFO, muon_sfo_cbs
from batchlab.sim.scg._problems import QuadraticProblem, SCGProblem, SeparableProblem, problem_from_spec
from batchlab.sim.scg._restart import RestartRuns, restart_runs
from batchlab.sim.scg._ucurve import OTHER_PROBLEMS, STANDARD, AlphaScan, UCurve, bst_exponent, tuned_alpha, u_curves
from batchlab.theory.scg import REGIMES, bst_point, budget_error, budget_error_terms, transfer_bst, transfer_sqrt

__all__ = ["AlphaScan", "BEYOND_METHODS", "BeyondCurve", "Eq26Bound", "MUON_BATCHES", "MonteCarlo", "MuonSFO", "NORMS",
           "Norm", "OTHER_PROBLEMS", "QuadraticProblem", "REGIMES", "RestartRuns", "SCGProblem", "SCGRun",
           "SCGSettings", "SCHEDULES", "STANDARD", "SeparableProblem", "Stage", "UCurve", "beta_schedule",
           "beyond_cbs_curves", "bst_exponent", "bst_point", "budget_error", "budget_error_terms", "eq26_for_run",
           "estimate_constants", "estimated_seconds", "estimator_bias", "huber_slope", "l1_lmo", "l2_lmo", "linf_lmo",
           "muon_sfo_cbs", "newton_schulz", "noise_sigma", "polar_factor", "problem_from_spec", "product",
           "restart_runs", "scg_monte_carlo", "scg_stages", "scg_trajectory", "transfer_bst", "transfer_sqrt",
           "tuned_alpha", "u_curves"]
