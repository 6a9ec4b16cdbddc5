"""The soak run's report: a JSON-ready summary and its text form (pure)."""

from __future__ import annotations

import statistics
from typing import Any

from soak.checks import Check

__all__ = ["latency_summary", "render"]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds (zeros when empty)."""
    if not seconds:
        return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _check_dict(check: Check) -> dict[str, Any]:
    return {
        "name": check.name,
        "ok": check.ok,
        "counts": check.counts,
        "examples": check.examples,
    }


def render(summary: dict[str, Any], checks: list[Check]) -> tuple[str, dict[str, Any]]:
    """(text report, JSON-ready report)."""
    data = {**summary, "checks": [_check_dict(c) for c in checks]}
    data["ok"] = all(c.ok for c in checks)
    lines = ["== soak report"]
    for section in ("run", "kills", "faults", "traffic", "delivery", "memory", "evidence"):
        value = summary.get(section)
        if not value:
            continue
        lines.append(f"-- {section}")
        if isinstance(value, dict):
            for key, item in value.items():
                lines.append(f"  {key}: {item}")
        else:
            lines.append(f"  {value}")
    lines.append("-- checks")
    for check in checks:
        counts = ", ".join(f"{k} {v}" for k, v in check.counts.items())
        lines.append(f"  [{'PASS' if check.ok else 'FAIL'}] {check.name} ({counts})")
        lines.extend(f"      e.g. {example}" for example in check.examples)
    failed = sum(not c.ok for c in checks)
    lines.append(f"== {'OK' if not failed else f'{failed} of {len(checks)} checks FAILED'}")
    return "\n".join(lines), data
