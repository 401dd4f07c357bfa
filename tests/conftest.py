"""Shared test configuration: hypothesis profiles, tolerances, observation reports.

Hypothesis profiles: ``dev`` (default) and ``ci`` (more examples, derandomized so a CI
run is reproducible); choose with HYPOTHESIS_PROFILE=ci. Observations recorded with the
``observe`` fixture (e.g. the min and max of a ratio over all hypothesis examples) are
printed in pytest's terminal summary, with their mean (for a flag: the fraction of examples
where it held).
"""

import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, settings

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
