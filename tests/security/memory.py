"""Peak memory of an awaited call, read from /proc (Linux): how far the resident set grew
above its size before the call, at its highest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

__all__ = ["peak_growth_mib"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(key: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(key)


def _start() -> tuple[int, bool]:
    """The resident size now, and whether the peak could be reset to it."""
    if not _STATUS.exists():
        pytest.skip("needs Linux /proc to measure memory")
    before = _status_kib("VmRSS")
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return before, False
    return before, True


async def peak_growth_mib(fn: Callable[[], Awaitable[object]]) -> float:
    """Run `fn` and return the growth of the process's peak RSS in MiB.

    Writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current size, so the
    peak afterwards is `fn`'s own; where that is not allowed, the growth of the resident
    size after the call is the (weaker) measure.
    """
    before, reset = _start()
    await fn()
    return (_status_kib("VmHWM" if reset else "VmRSS") - before) / 1024
