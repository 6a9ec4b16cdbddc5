"""The conversion report of a PBX import or export: what could not be mapped and what changed
on the way, each with the element, its line and column, and why.

`Ledger` is the bookkeeping behind the report: the importer gives it every element of the PBX
document and marks each one mapped, changed, not mapped, or empty (nothing to carry). An
element the conversion never looked at is reported as not mapped when the ledger closes, so
nothing is ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ringdesk.templates.pbx_model import Element

__all__ = [
    "Finding",
    "FindingKind",
    "Ledger",
    "Status",
    "format_findings",
    "summary_line",
]

FindingKind = Literal["unmapped", "changed"]
Status = Literal["mapped", "changed", "unmapped", "empty"]
_RANK: dict[Status, int] = {"empty": 0, "mapped": 1, "changed": 2, "unmapped": 3}


@dataclass(frozen=True)
class Finding:
    """One line of the report. `kind` "unmapped": the element has no equivalent and was not
    carried over; "changed": it was carried over, but its text or meaning differs."""

    kind: FindingKind
    element: str
    line: int | None
    column: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def where(self) -> str:
        if self.line is None:
            return "-"
        return f"{self.line}:{self.column}" if self.column is not None else str(self.line)


def format_findings(name: str, findings: Iterable[Finding]) -> list[str]:
    """`FILE:LINE:COLUMN: unmapped: ELEMENT: why` per finding, in the given order."""
    return [f"{name}:{f.where}: {f.kind}: {f.element}: {f.message}" for f in findings]


def summary_line(statuses: Mapping[str, Status]) -> str:
    counts = {kind: 0 for kind in ("mapped", "changed", "unmapped")}
    for status in statuses.values():
        if status in counts:
            counts[status] += 1
    return (
        f"{counts['mapped']} element(s) mapped, {counts['changed']} changed, "
        f"{counts['unmapped']} not mapped"
    )


class Ledger:
    """Marks every element of one document. A worse mark wins (not mapped > changed > mapped
    > empty), and each (element, message) is reported once."""

    def __init__(self, universe: Mapping[str, Element]):
        self.universe = dict(universe)
        self.statuses: dict[str, Status] = {}
        self.findings: list[Finding] = []
        self._said: set[tuple[str, str]] = set()

    def _mark(self, key: str, status: Status) -> None:
        if key not in self.universe:
            return  # an element the document does not have (e.g. an absent attribute)
        current = self.statuses.get(key)
        if current is None or _RANK[status] > _RANK[current]:
            self.statuses[key] = status

    def where(self, key: str) -> tuple[int | None, int | None]:
        element = self.universe.get(key)
        return (element.line, element.column) if element is not None else (None, None)

    def mapped(self, *keys: str) -> None:
        for key in keys:
            self._mark(key, "mapped")

    def empty(self, *keys: str) -> None:
        for key in keys:
            self._mark(key, "empty")

    def covered(self, *keys: str) -> None:
        """Not mapped, and said so by the finding of the element that holds them (a request
        that is not mapped covers its outputs), so each gets no line of its own."""
        for key in keys:
            self._mark(key, "unmapped")

    def changed(self, key: str, message: str, at: tuple[int, int] | None = None) -> None:
        self._report("changed", key, message, at)

    def unmapped(self, key: str, message: str, at: tuple[int, int] | None = None) -> None:
        self._report("unmapped", key, message, at)

    def _report(
        self, kind: FindingKind, key: str, message: str, at: tuple[int, int] | None
    ) -> None:
        self._mark(key, kind)
        if (key, message) in self._said:
            return
        self._said.add((key, message))
        line, column = at if at is not None else self.where(key)
        self.findings.append(Finding(kind, key, line, column, message))

    def seen(self, key: str) -> bool:
        return key in self.statuses

    def close(self) -> tuple[dict[str, Status], list[Finding]]:
        """Report what nobody looked at, then (statuses by key, findings by position)."""
        for key in self.universe:
            if key not in self.statuses:
                self.unmapped(key, "not used by the conversion (ringdesk has no equivalent)")
        findings = sorted(self.findings, key=lambda f: (f.line or 0, f.column or 0))
        return dict(self.statuses), findings
