"""All Numba decisions in one place (numba-stats style).

Every kernel in batchlab is compiled with :data:`jit`:

* ``cache=True`` so the second process pays no compile time;
* ``error_model="numpy"`` so a division by zero yields inf/nan like NumPy
  instead of raising (kernels check for blow-up themselves);
* ``nogil=True`` so replicate kernels run truly in parallel on a thread pool;
* no ``fastmath``: verification kernels must be IEEE-exact and reproducible.
"""

import functools

import numba

jit = functools.partial(numba.njit, cache=True, error_model="numpy", nogil=True)
