"""Fixtures for the expression engine tests (peak memory of a call, read from /proc) and the
hypothesis profile of the fuzz targets."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(key: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(key)


def _peak_growth_mib(fn: Callable[[], Any]) -> float:
    """How far the resident set grew above its size before `fn` ran, in MiB, at its peak.

    Writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current size, so the
    peak afterwards is `fn`'s own; where that is not allowed, the growth of the resident
    size after the call is the (weaker) measure.
    """
    before = _status_kib("VmRSS")
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        fn()
        return (_status_kib("VmRSS") - before) / 1024
    fn()
    return (_status_kib("VmHWM") - before) / 1024


@pytest.fixture
def peak_memory() -> Callable[[Callable[[], Any]], float]:
    """`peak_memory(fn)` runs `fn` and returns the growth of the process's peak RSS in MiB."""
    if not _STATUS.exists():
        pytest.skip("needs Linux /proc to measure memory")
    return _peak_growth_mib


# -- fuzzing profiles ---------------------------------------------------------------------------
# The fuzz targets (marked `fuzz`) use the "ringdesk-fuzz" hypothesis profile: a few seconds
# per target in `make test`, at least 10,000 examples each when RINGDESK_FUZZ=deep (`make fuzz`).
FUZZ_DEEP = os.environ.get("RINGDESK_FUZZ", "").lower() == "deep"
settings.register_profile(
    "ringdesk-fuzz",
    max_examples=10_000 if FUZZ_DEEP else 300,
    deadline=None,  # the budgets bound each example; the machine is shared, timing varies
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A deep fuzz run takes minutes per target: lift the per-test timeout for it."""
    if FUZZ_DEEP:
        for item in items:
            if item.get_closest_marker("fuzz") is not None:
                item.add_marker(pytest.mark.timeout(3600))
