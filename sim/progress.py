"""Progress bars on stderr for work that takes a while, in one style for sweeps, tuners and figures.

A bar appears only when stderr is a terminal, only once the work has run for a second (quick commands print
nothing), and never inside a task running on a worker (many would interleave; the sweep that runs them has its
own). It shows the count done, the rate and tqdm's estimate of the time remaining.
"""

import sys

from tqdm import tqdm

from batchlab.sim.parallel import in_task


def bar(iterable=None, *, total: int | None = None, desc: str | None = None, initial: int = 0) -> tqdm:
    """A tqdm bar over ``iterable`` (or of ``total`` steps, updated by hand), on stderr, as described above."""
    return tqdm(iterable, total=total, initial=initial, desc=desc, file=sys.stderr, leave=False, delay=1.0,
                disable=True if in_task() else None, dynamic_ncols=True)
