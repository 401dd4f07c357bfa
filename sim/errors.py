"""User-input validation shared by the Python API and the CLI.

Every public entry point validates its arguments with these helpers, so a bad
value produces one :class:`InvalidParameter` whose message names the parameter
and its valid range. The CLI turns exactly this exception into a one-line error
with exit status 2; any other exception is a bug and keeps its traceback.
"""

import math
import numbers
import operator
import os
import tempfile
from pathlib import Path

import numpy as np


class InvalidParameter(ValueError):
    """A user-supplied value is outside its valid range."""

    def __init__(self, name: str, requirement: str, value):
        self.name = name
        super().__init__(f"{name}: must be {requirement} (got {value!r})")


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameter(name, "a real number", value)
    value = float(value)
    if not math.isfinite(value):
        raise InvalidParameter(name, "a finite number", value)
    return value


def real(name, value, *, gt=None, ge=None, le=None, lt=None):
    """Return ``value`` as a finite float, checking the given bounds."""
    value = _number(name, value)
    bounds = [(sign, bound) for sign, bound in ((">", gt), (">=", ge), ("<=", le), ("<", lt)) if bound is not None]
    if not all(_COMPARE[sign](value, bound) for sign, bound in bounds):
        raise InvalidParameter(name, "a finite number " + " and ".join(f"{sign} {bound:g}" for sign, bound in bounds),
                               value)
    return value


_COMPARE = {">": operator.gt, ">=": operator.ge, "<=": operator.le, "<": operator.lt}


def integer(name, value, *, ge=1):
    """Return ``value`` as an int ``>= ge``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameter(name, f"an integer >= {ge}", value)
    value = int(value)
    if value < ge:
        raise InvalidParameter(name, f"an integer >= {ge}", value)
    return value


def vector(name, value, *, positive=False, length=None, distinct=False):
    """Return ``value`` as a finite 1-d float64 array (optionally all > 0, optionally without repeats)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise InvalidParameter(name, "a non-empty 1-d array", f"shape {arr.shape}")
    if length is not None and arr.size != length:
        raise InvalidParameter(name, f"of length {length}", f"length {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameter(name, "finite everywhere", "non-finite entries")
    if positive and not np.all(arr > 0):
        raise InvalidParameter(name, "> 0 everywhere", f"min {arr.min():g}")
    values, counts = np.unique(arr, return_counts=True) if distinct else (arr, None)
    if distinct and values.size < arr.size:
        raise InvalidParameter(name, "without repeated values", f"{values[counts > 1][0]:g} more than once")
    return arr


def writable_folder(name, path, origin: str | None = None) -> Path:
    """``path`` as a Path, created if need be, after writing and removing a file there (else one clear error)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".batchlab-write-test-"):
            pass
    except OSError as err:
        where = f"{path}: {err.strerror}" + (f"; {origin}" if origin else "")
        raise InvalidParameter(name, "a folder that can be created and written to", where) from None
    return path


def available_memory() -> int:
    """Bytes this process can still allocate without swapping: MemAvailable of /proc/meminfo, else physical RAM."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _size(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024


VECTORS = 8
"""float64 vectors of length d that a problem and an engine's state hold per coordinate (a generous estimate)."""


def dimension_fits(name, value, coordinates: int) -> None:
    """:func:`fits_in_memory` for a problem of ``coordinates`` coordinates (:data:`VECTORS` float64 vectors)."""
    fits_in_memory(name, value, VECTORS * 8 * coordinates)


def fits_in_memory(name, value, nbytes: float) -> None:
    """Refuse, before allocating, a request whose arrays would need ``nbytes`` and more than the machine has.

    ``name``/``value``: the parameter that sets the size, as the error names it (``nbytes`` may be an estimate).
    """
    available = available_memory()
    if nbytes > available:
        raise InvalidParameter(name, f"small enough to fit in memory: it needs {_size(nbytes)}, "
                                     f"{_size(available)} is available", value)
