"""The base of every template model class, and the small types they share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Span", "split_list"]

# Where a value sits: (offset in the value, 1-based line, 1-based column) breakpoints; between
# two breakpoints the text runs on one line, one column per character.
Span = tuple[int, int, int]


def split_list(text: str) -> list[str]:
    """`"a, b,,c"` → `["a", "b", "c"]`: the comma-separated attribute values."""
    return [item.strip() for item in text.split(",") if item.strip()]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
