"""Axes that read at a glance: every log axis labelled with at least three ticks, in plain numbers.

Matplotlib labels a log axis at its decades; one that spans less than a few decades then shows two labels or
none, or labels its minor ticks as ``4×10⁰``. :func:`label_log_axes` gives such an axis the coarsest ticks that
put three in view (1, 2 and 5 times the powers of ten; every integer multiple; else evenly spaced values) and
writes them as plain numbers (``0.005``, ``20``, ``3000``), or as m×10ᵏ far from 1.
"""

import math

from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

DECADES_LABELLED_BY_DEFAULT = 3  # from this many decades on, matplotlib's own decade labels are enough


def _plain(value: float, _position=None) -> str:
    if value <= 0:
        return ""
    if 1e-3 <= value < 1e5:
        return f"{value:g}"
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = value / 10**exponent
    return f"$10^{{{exponent}}}$" if abs(mantissa - 1) < 1e-9 else f"${mantissa:g}\\times10^{{{exponent}}}$"


def _locators():
    """From coarse to fine: 1, 2, 5 × 10ᵏ; every integer multiple of 10ᵏ; about four evenly spaced values."""
    return (LogLocator(base=10, subs=(1.0, 2.0, 5.0)), LogLocator(base=10, subs=tuple(range(1, 10))),
            MaxNLocator(nbins=4))


def _inside(ticks, low, high) -> int:
    return sum(low <= tick <= high for tick in ticks)


def label_log_axes(fig) -> None:
    """Give every log axis of ``fig`` spanning fewer than three decades at least three labelled ticks."""
    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            low, high = sorted(axis.get_view_interval())
            if scale != "log" or low <= 0:
                continue
            if math.log10(high / low) >= DECADES_LABELLED_BY_DEFAULT:
                continue
            axis.set_major_locator(next(locator for locator in _locators()
                                        if _inside(locator.tick_values(low, high), low, high) >= 3))
            axis.set_major_formatter(FuncFormatter(_plain))
            axis.set_minor_formatter(NullFormatter())
