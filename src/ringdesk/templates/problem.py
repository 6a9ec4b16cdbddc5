"""A validation finding (`Problem`): severity, section, field, line, column, message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Problem", "Severity", "has_errors"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: `section` ("Authentication"), `field` ("Fields[5]"), 1-based `line` and
    `column` (None when unknown, e.g. for a template built in code)."""

    severity: Severity
    section: str
    field: str
    line: int | None
    message: str
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = ".".join(p for p in (self.section, self.field) if p)
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.where}: {where}: {prefix}{self.message}"

    @property
    def where(self) -> str:
        """`LINE:COLUMN`, or `LINE` when the column is unknown."""
        line = self.line or 0
        return f"{line}:{self.column}" if self.column is not None else str(line)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
