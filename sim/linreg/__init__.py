"""Mini-batch SGD on Gaussian (power-law) linear regression: exact and Monte Carlo engines.

Conventions everywhere: excess risk (w − w*)ᵀH(w − w*) with no factor ½; one pass over
``samples`` = D examples in batches of B (n = D/B steps); w_0 = 0; the averaged iterate is
the paper's w̄ = (1/n)Σ_{t=0}^{n−1} w_t.
"""

from sim.linreg._exact import ExactRisk, exact_risk
from sim.linreg._montecarlo import MonteCarloRisk, Replicates, monte_carlo_risk
from sim.linreg._problem import BLOWUP_FACTOR, LinRegProblem, one_pass_steps

__all__ = ["BLOWUP_FACTOR", "ExactRisk", "LinRegProblem", "MonteCarloRisk", "Replicates", "exact_risk",
           "monte_carlo_risk", "one_pass_steps"]
