"""The XML reader's walker: structural checks (unknown elements and attributes are refused
with their line and column), positions under dotted paths, and values kept raw when they do
not parse. Used by the per-section builders (`_read_setup`, `_read_scenarios`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ringdesk.errors import TemplateError
from ringdesk.templates import model as m
from ringdesk.templates._xmlread import Node

__all__ = ["Builder", "Reader", "UnknownElementError"]

_TRUE = {"true": True, "1": True, "false": False, "0": False}


class UnknownElementError(TemplateError):
    """An element or attribute the format does not define (names it and its path)."""

    def __init__(self, message: str, *, path: str, line: int | None, column: int | None = None):
        self.path = path
        super().__init__(message, line=line, column=column)


class Reader:
    """Walks one document: structural checks, positions and raw invalid values."""

    def __init__(self) -> None:
        self.locations: dict[str, int] = {}
        self.positions: dict[str, tuple[m.Span, ...]] = {}
        self.invalid: dict[str, str] = {}

    def _record(self, node: Node, path: str, text: bool) -> None:
        """Where `node`, its text and its attribute values sit, under `path`, `path#` and
        `path@name`."""
        self.locations[path] = node.line
        self.positions[path] = ((0, node.line, node.column),)
        if text and node.text:
            spans = node.text_spans
            self.positions[path + "#"] = spans
            self.locations[path + "#"] = spans[0][1]
        for name, spans in node.attr_spans.items():
            self.positions[f"{path}@{name}"] = spans
            self.locations[f"{path}@{name}"] = spans[0][1]

    # ---- structure -------------------------------------------------------------------
    def enter(
        self,
        node: Node,
        path: str,
        *,
        attrs: tuple[str, ...] = (),
        children: tuple[str, ...] = (),
        repeated: tuple[str, ...] = (),
        text: bool = False,
    ) -> None:
        """Record `node` at `path`; refuse attributes/children/text the format does not allow."""
        self._record(node, path, text)
        for name in node.attrib:
            if name not in attrs:
                allowed = ", ".join(attrs) or "none"
                line, column = node.attr_starts.get(name, (node.line, node.column))
                raise UnknownElementError(
                    f"unknown attribute {name!r} on <{node.tag}> (allowed: {allowed})",
                    path=f"{path}@{name}",
                    line=line,
                    column=column,
                )
        seen: set[str] = set()
        for child in node.children:
            if child.tag not in children and child.tag not in repeated:
                allowed = ", ".join((*children, *repeated)) or "none"
                raise UnknownElementError(
                    f"unknown element <{child.tag}> in <{node.tag}> (allowed: {allowed})",
                    path=f"{path}.{child.tag}".lstrip("."),
                    line=child.line,
                    column=child.column,
                )
            if child.tag in children and child.tag in seen:
                raise UnknownElementError(
                    f"<{child.tag}> appears twice in <{node.tag}>",
                    path=f"{path}.{child.tag}",
                    line=child.line,
                    column=child.column,
                )
            seen.add(child.tag)
        if node.text and not text:
            line, column = node.text_start
            message = (
                f"unexpected text {node.text[:30]!r} in <{node.tag}>"
                if node.children
                else f"<{node.tag}> takes no text"
            )
            raise UnknownElementError(message, path=path, line=line, column=column)

    @staticmethod
    def child(node: Node, tag: str) -> Node | None:
        return next((c for c in node.children if c.tag == tag), None)

    @staticmethod
    def children(node: Node, tag: str) -> list[Node]:
        return [c for c in node.children if c.tag == tag]

    # ---- values ----------------------------------------------------------------------
    def text(self, node: Node, tag: str, path: str, default: str = "") -> str:
        """The text of child `tag` (which must hold no elements), or `default` if absent."""
        child = self.child(node, tag)
        if child is None:
            return default
        self.enter(child, f"{path}.{tag}", text=True)
        return child.text

    def int_text(self, node: Node, tag: str, path: str) -> int | None:
        raw = self.text(node, tag, path, default="")
        if self.child(node, tag) is None or raw == "":
            return None
        return self._int(raw, f"{path}.{tag}")

    def attr(self, node: Node, name: str, default: str = "") -> str:
        return node.attrib.get(name, default)

    def int_attr(self, node: Node, name: str, path: str, default: int) -> int:
        raw = node.attrib.get(name)
        if raw is None:
            return default
        value = self._int(raw, f"{path}@{name}")
        return default if value is None else value

    def bool_attr(self, node: Node, name: str, path: str, default: bool) -> bool:
        raw = node.attrib.get(name)
        if raw is None:
            return default
        value = _TRUE.get(raw.strip().lower())
        if value is None:
            self.invalid[f"{path}@{name}"] = raw
            return default
        return value

    def _int(self, raw: str, path: str) -> int | None:
        try:
            return int(raw.strip())
        except ValueError:
            self.invalid[path] = raw
            return None


Builder = Callable[[Node, Reader, str], Any]
