"""Paper checks: each recomputes a published number or claim from what the paper states.

One module per source paper, each with ``PAPER`` (a short name), ``TITLE`` and ``CHECKS``
(functions returning a :class:`CheckResult`). A mismatch is a finding, not a failure:
``run`` returns every result and the CLI exits 0 whenever every check ran.
"""

import functools
from dataclasses import asdict, dataclass

from batchlab.paper_checks import critical_batch_2024, nqm_2019, related_2025, scg_2026
from batchlab.sim.errors import InvalidParameter

STATUSES = ("match", "mismatch", "inconclusive")


@dataclass(frozen=True)
class CheckResult:
    """What the paper claims, what batchlab recomputes, and the verdict with a note."""

    paper: str
    check: str
    claimed: str
    recomputed: str
    status: str
    note: str

    def __post_init__(self):
        """Check the status is one of :data:`STATUSES`."""
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_dict(self) -> dict:
        """Every field, JSON-safe."""
        return asdict(self)


PAPERS = {module.PAPER: module for module in (critical_batch_2024, nqm_2019, scg_2026, related_2025)}


def run(paper: str | None = None) -> list[CheckResult]:
    """The checks of one paper (all papers by default), each run once per process and then remembered."""
    if paper is not None and paper not in PAPERS:
        raise InvalidParameter("paper", "one of " + ", ".join(PAPERS), paper)
    modules = PAPERS.values() if paper is None else [PAPERS[paper]]
    return [_checked(module.PAPER, index) for module in modules for index in range(len(module.CHECKS))]


@functools.cache
def _checked(paper: str, index: int) -> CheckResult:
    check = PAPERS[paper].CHECKS[index]
    return CheckResult(paper, check.__name__, *check())
