"""What theory predicts: closed forms, bounds, exponents and regime boundaries (no simulation).

The numeric modules load with the package: :mod:`batchlab.theory.linreg`, :mod:`batchlab.theory.nqm`,
:mod:`batchlab.theory.scg`, :mod:`batchlab.theory.sfo` and :mod:`batchlab.theory.critical_batch`. Their sympy
derivations (``*_symbolic``, :mod:`batchlab.theory.gaussian_moments`) are imported explicitly where needed.
"""

from batchlab.theory import critical_batch, linreg, nqm, scg, sfo

__all__ = ["critical_batch", "linreg", "nqm", "scg", "sfo"]
