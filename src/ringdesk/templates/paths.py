"""Split a comma-separated list of GJSON paths (C4) without breaking paths that contain commas
inside queries, multipaths or quoted strings."""

from __future__ import annotations

__all__ = ["split_paths"]

_OPEN = {"(": ")", "[": "]", "{": "}"}


def split_paths(text: str) -> list[str]:
    """`'a.b, c.#(x=="1,2").d'` → `['a.b', 'c.#(x=="1,2").d']`; empty pieces are dropped."""
    pieces: list[str] = []
    depth: list[str] = []
    current: list[str] = []
    quote = False
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
            continue
        if char == "\\":
            current.append(char)
            escaped = True
            continue
        if quote:
            current.append(char)
            quote = char != '"'
            continue
        if char == '"':
            quote = True
        elif char in _OPEN:
            depth.append(_OPEN[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "," and not depth:
            pieces.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]
