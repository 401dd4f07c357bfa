"""Named default tolerances (optax style): loosen locally only with a stated reason."""

# Exact engine vs the dense brute-force reference: both are exact float64 recursions of
# at most a few hundred steps; 1e-10 relative leaves room for summation-order rounding.
EXACT_RTOL = 1e-10

# Monte Carlo vs exact: |mean − exact| ≤ K_SE standard errors. With fixed seeds the test
# is deterministic; 4 SE has a two-sided false-alarm probability of 6e-5 per comparison
# under the CLT, so a failure means a real bias, not bad luck.
K_SE = 4.0
