"""JSON-safe results: the one convention by which everything batchlab returns becomes data.

A value that does not exist (a target never reached, a risk of a diverged run, a bound that does
not apply) is ``None`` in Python and ``null`` in JSON; inside arrays, where ``None`` cannot live,
it is ``nan`` and still becomes ``null``. Arrays become lists, numpy scalars Python numbers, and
result dataclasses (:class:`JSONResult`) dicts of their fields, recursively. Their repr is short
(:class:`ShortRepr`): key numbers and arrays' shapes.
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


def _brief(value) -> str:
    """One field's value in a few characters: numbers to 6 digits, arrays and long lists by their shape."""
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape})" if value.size > 4 else np.array2string(value, precision=6)
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        if len(value) > 8:
            return f"{{{len(value)} keys}}"
        return "{" + ", ".join(f"{key}: {_brief(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    if isinstance(value, ShortRepr):
        return f"{type(value).__name__}(...)"
    return repr(value)


class ShortRepr:
    """Mixin for dataclasses: a repr of their key numbers and their arrays' shapes, never whole arrays.

    A terminal and a notebook both show it (a notebook's plain-text view is the repr). The dataclass decorator
    keeps it: it does not replace a ``__repr__`` the class itself defines, which :meth:`__init_subclass__` sets.
    """

    def __init_subclass__(cls, **kwargs):
        """Give the subclass this repr in its own namespace, where the dataclass decorator leaves it."""
        super().__init_subclass__(**kwargs)
        cls.__repr__ = ShortRepr.__repr__

    def __repr__(self) -> str:
        """``Name(field=brief, ...)`` over every field (arrays by their shape)."""
        shown = [f.name for f in dataclasses.fields(self)] if dataclasses.is_dataclass(self) else []
        return f"{type(self).__name__}(" + ", ".join(f"{name}={_brief(getattr(self, name))}" for name in shown) + ")"


class JSONResult(ShortRepr):
    """Mixin for result dataclasses: ``to_dict()`` is every field, JSON-safe (see the module docstring)."""

    def to_dict(self) -> dict:
        """Every field, JSON-safe: what :func:`json.dumps` writes with ``allow_nan=False``."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
