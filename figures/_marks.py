"""Values on a log x axis marked so that every one reads, even where two nearly coincide."""


def mark_values(ax, marks, *, top: bool = False) -> None:
    """Each (x, colour, label) of ``marks`` as a short vertical stroke with its label beside it, staggered in height.

    Full-height lines at B* = 113 and 114 hide one another; strokes one above the other, each labelled, do not.
    They stand along the bottom of ``ax`` (its top with ``top``), the first lowest (highest), at the data's x on
    a log axis.
    """
    from matplotlib.transforms import blended_transform_factory

    at = blended_transform_factory(ax.transData, ax.transAxes)
    for k, (x, color, label) in enumerate(marks):
        low = 0.03 + 0.07 * k
        y0, y1 = (1 - low - 0.05, 1 - low) if top else (low, low + 0.05)
        ax.plot([x, x], [y0, y1], color=color, lw=2, transform=at, zorder=6)
        ax.text(x * 1.1, (y0 + y1) / 2, label, color=color, fontsize=7, va="center", transform=at, zorder=6)
