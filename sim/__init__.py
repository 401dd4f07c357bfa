"""batchlab simulators and measurement: what the dynamics actually do.

Subpackages: :mod:`sim.linreg` (power-law linear regression). Shared pieces:
:mod:`sim.seeding`, :mod:`sim.parallel`, :mod:`sim.errors`.
"""
