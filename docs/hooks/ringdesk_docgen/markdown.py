"""Small Markdown builders shared by the generators: tables, code spans, headings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["anchor", "cell", "code", "table"]


def cell(text: object) -> str:
    """`text` made safe for one table cell: no newlines, `|` escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: object) -> str:
    """An inline code span that survives backticks inside `text`."""
    value = str(text)
    if "`" not in value:
        return f"`{value}`"
    return f"`` {value} ``"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table; every cell goes through `cell`."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def anchor(text: str) -> str:
    """The id MkDocs' toc extension gives a heading `text` (lower case, dashes)."""
    slug = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[-\s]+", "-", slug)
