"""Shared test configuration: a home of the session's own, hypothesis profiles, observation reports.

Hermetic: before any test module is imported, HOME, the sweep cache (``BATCHLAB_CACHE``) and matplotlib's config
folder (``MPLCONFIGDIR``) point into one fresh folder of this session, removed at its end (subprocesses and worker
processes inherit them). So the suite never reads or writes the user's cache (its results are the same whether or
not the gallery ran), leaves nothing in the user's home, and shares its own cache between the tests of one session:
what a paper check computes through a sweep, a test of the same claim finds there.

Hypothesis profiles: ``dev`` (default) and ``ci`` (more examples, derandomized so a CI
run is reproducible); choose with HYPOTHESIS_PROFILE=ci. Observations recorded with the
``observe`` fixture (e.g. the min and max of a ratio over all hypothesis examples) are
printed in pytest's terminal summary, with their mean (for a flag: the fraction of examples
where it held).
"""

import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

SESSION_HOME = Path(tempfile.mkdtemp(prefix="batchlab-tests-"))
os.environ.update(HOME=str(SESSION_HOME), BATCHLAB_CACHE=str(SESSION_HOME / "cache"),
                  MPLCONFIGDIR=str(SESSION_HOME / "matplotlib"), DASK_TEMPORARY_DIRECTORY=str(SESSION_HOME / "dask"))
for variable in ("XDG_CACHE_HOME", "DASK_CONFIG"):  # the cache folder's other source; a user's Dask configuration
    os.environ.pop(variable, None)

import pytest  # noqa: E402  (after the environment above, which matplotlib reads when first imported)
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile("ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

_OBSERVATIONS = defaultdict(list)


@pytest.fixture(scope="session")
def observe():
    """``observe(name, value)`` records a number for the end-of-run summary."""
    return lambda name, value: _OBSERVATIONS[name].append(float(value))


def pytest_terminal_summary(terminalreporter):
    if not _OBSERVATIONS:
        return
    terminalreporter.section("batchlab observations")
    for name, values in sorted(_OBSERVATIONS.items()):
        terminalreporter.write_line(f"{name}: n={len(values)} min={min(values):.6g} max={max(values):.6g} "
                                    f"mean={sum(values) / len(values):.6g}")


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_HOME, ignore_errors=True)
