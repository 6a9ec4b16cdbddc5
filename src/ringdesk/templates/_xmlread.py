"""Safe XML reading with line numbers: a defused expat parser building a small element tree.

`defusedxml`'s parser refuses DTDs (so entity-expansion bombs and external entities never
load); our tree builder records the line of every element and of its text, which the
standard ElementTree does not keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from ringdesk.errors import TemplateError

__all__ = ["Node", "parse_xml"]


@dataclass
class Node:
    """An element: tag, attributes, children, its stripped text and where each sits."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)
    text_line: int | None = None

    @property
    def raw_text(self) -> str:
        return "".join(self.chunks)

    @property
    def text(self) -> str:
        """The text content without surrounding whitespace (layout is not content)."""
        return self.raw_text.strip()

    @property
    def text_start_line(self) -> int:
        """The line where the stripped text begins (for locating `{{…}}` errors)."""
        raw = self.raw_text
        lead = raw[: len(raw) - len(raw.lstrip())]
        return (self.text_line or self.line) + lead.count("\n")


class _LineTreeBuilder:
    """ElementTree parser target that records lines from the underlying expat parser."""

    def __init__(self) -> None:
        self.expat: Any = None
        self.stack: list[Node] = []
        self.root: Node | None = None

    def _line(self) -> int:
        return int(self.expat.CurrentLineNumber) if self.expat is not None else 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        node = Node(tag=tag, attrib=dict(attrib), line=self._line())
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        if not self.stack:
            return
        node = self.stack[-1]
        if node.text_line is None:
            # unbuffered expat: this is the line where the element's text starts
            node.text_line = self._line()
        node.chunks.append(text)

    def close(self) -> Node | None:
        return self.root


_POSITION = re.compile(r": line \d+, column \d+$")

_REFUSED: dict[type[DefusedXmlException], str] = {
    DTDForbidden: "DOCTYPE/DTD declarations are not allowed in templates "
    "(they enable entity-expansion bombs and external entities)",
    EntitiesForbidden: "entity declarations are not allowed in templates",
    ExternalReferenceForbidden: "external entity references are not allowed in templates",
}


def parse_xml(text: str | bytes) -> Node:
    """Parse `text` into a `Node` tree; raises `TemplateError` (with line) for bad or unsafe XML."""
    builder = _LineTreeBuilder()
    # A str is already decoded: parse its UTF-8 bytes whatever the declaration says.
    encoding = "utf-8" if isinstance(text, str) else None
    parser = DefusedXMLParser(target=builder, encoding=encoding, forbid_dtd=True)
    parser.parser.buffer_text = False  # so each text chunk reports its own line
    builder.expat = parser.parser
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        parser.feed(data)
        parser.close()
        root = builder.root
    except tuple(_REFUSED) as exc:
        line = int(parser.parser.CurrentLineNumber)
        message = next(m for kind, m in _REFUSED.items() if isinstance(exc, kind))
        raise TemplateError(message, line=line) from None
    except ParseError as exc:
        line, column = exc.position
        message = _POSITION.sub("", str(exc.msg))
        raise TemplateError(f"malformed XML: {message}", line=line, column=column + 1) from None
    if root is None:
        raise TemplateError("empty document", line=1)
    return root
