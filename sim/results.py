"""JSON-safe results: the one convention by which everything batchlab returns becomes data.

A value that does not exist (a target never reached, a risk of a diverged run, a bound that does
not apply) is ``None`` in Python and ``null`` in JSON; inside arrays, where ``None`` cannot live,
it is ``nan`` and still becomes ``null``. Arrays become lists, numpy scalars Python numbers, and
result dataclasses (:class:`JSONResult`) dicts of their fields, recursively.
"""

import dataclasses
import math

import numpy as np


def number(value):
    """A Python int, float or bool, or None for a missing or non-finite value."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def listed(values) -> list:
    """An array (any shape) as nested lists of :func:`number` s."""
    return [listed(v) if np.ndim(v) else number(v) for v in values]


def jsonable(value):
    """``value`` as what :func:`json.dumps` writes with ``allow_nan=False``."""
    if isinstance(value, JSONResult):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return listed(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, str):
        return value
    return number(value)


class JSONResult:
    """Mixin for result dataclasses: ``to_dict()`` is every field, JSON-safe (see the module docstring)."""

    def to_dict(self) -> dict:
        """Every field, JSON-safe: what :func:`json.dumps` writes with ``allow_nan=False``."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
