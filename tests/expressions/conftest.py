"""Fixtures for the expression engine tests: the peak memory of a call, read from /proc.
(The fuzz targets' hypothesis profile is in tests/fuzzing.py.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
