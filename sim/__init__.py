"""batchlab simulators and measurement: what the dynamics actually do.

Subpackages: :mod:`sim.linreg` (power-law linear regression), :mod:`sim.nqm` (the noisy quadratic model). Shared pieces: :mod:`sim.seeding`,
:mod:`sim.parallel`, :mod:`sim.errors`, and the measurement toolkit every system uses:
:mod:`sim.targets` (steps to a target), :mod:`sim.tuning` (hyperparameter tuning),
:mod:`sim.critical_batch` (the CBS definitions) and :mod:`sim.sweep` (parallel cached sweeps).
"""
