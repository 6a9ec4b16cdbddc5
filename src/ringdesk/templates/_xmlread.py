"""Safe XML reading with positions: a defused expat parser building a small element tree.

`defusedxml`'s parser refuses DTDs (so entity-expansion bombs and external entities never
load); our tree builder records where every element, its text and its attribute values sit
(line and column), which the standard ElementTree does not keep. Text positions are kept as
"spans" — (offset in the value, line, column) breakpoints — so an error at any offset inside
a long value (a `{{…}}` syntax error, a bad GJSON path) can be placed on its exact line and
column, even past entity references such as `&amp;`.
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
from ringdesk.templates.model import Span

__all__ = ["Node", "parse_xml"]


@dataclass
class Node:
    """An element: tag, attributes, children, its stripped text and where each sits.

    `line`/`column` (1-based) are those of the element's `<`; `attr_starts` holds where each
    attribute's name starts and `attr_spans` the spans of its value (both empty when the
    source could not be scanned)."""

    tag: str
    attrib: dict[str, str]
    line: int
    column: int = 1
    children: list[Node] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)
    chunk_starts: list[tuple[int, int]] = field(default_factory=list)
    attr_starts: dict[str, tuple[int, int]] = field(default_factory=dict)
    attr_spans: dict[str, tuple[Span, ...]] = field(default_factory=dict)

    @property
    def raw_text(self) -> str:
        return "".join(self.chunks)

    @property
    def text(self) -> str:
        """The text content without surrounding whitespace (layout is not content)."""
        return self.raw_text.strip()

    @property
    def text_spans(self) -> tuple[Span, ...]:
        """Spans of `text` (the stripped text): offset 0 is its first character."""
        spans: list[Span] = []
        offset = 0
        for chunk, (line, column) in zip(self.chunks, self.chunk_starts, strict=True):
            spans.append((offset, line, column))
            for index, char in enumerate(chunk):
                if char == "\n":
                    line += 1
                    spans.append((offset + index + 1, line, 1))
            offset += len(chunk)
        raw = self.raw_text
        lead = len(raw) - len(raw.lstrip())
        if not spans:
            return ((0, self.line, self.column),)
        before = [s for s in spans if s[0] <= lead]
        o, line, column = before[-1]
        return (
            (0, line, column + lead - o),
            *((o - lead, ln, c) for o, ln, c in spans if o > lead),
        )

    @property
    def text_start(self) -> tuple[int, int]:
        _, line, column = self.text_spans[0]
        return line, column


_ATTRIBUTE = re.compile(r"\s+([^\s=/>]+)\s*=\s*([\"'])")
_TAG_NAME = re.compile(r"<[^\s/>]+")


def _value_spans(source: str, start: int, end: int, line: int, column: int) -> tuple[Span, ...]:
    """Spans of the attribute value `source[start:end]` as the parser decodes it: each
    entity reference is one character, each newline starts a line."""
    spans: list[Span] = [(0, line, column)]
    decoded = 0
    position = start
    while position < end:
        char = source[position]
        if char == "&":
            semicolon = source.find(";", position, end)
            width = semicolon + 1 - position if semicolon != -1 else 1
            position += width
            column += width
            decoded += 1
            spans.append((decoded, line, column))
            continue
        position += 1
        decoded += 1
        if char == "\n":
            line, column = line + 1, 1
            spans.append((decoded, line, column))
        else:
            column += 1
    return tuple(spans)


class _Source:
    """The document text, to find attribute positions (expat reports only the tag's)."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0]
        for match in re.finditer("\n", text):
            self.line_starts.append(match.end())

    def locate_attributes(self, node: Node, column0: int) -> None:
        """Fill `node.attr_starts` / `node.attr_spans` by scanning its start tag."""
        if node.line - 1 >= len(self.line_starts):
            return
        offset = self.line_starts[node.line - 1] + column0
        tag = _TAG_NAME.match(self.text, offset)
        if tag is None:
            return
        position = tag.end()
        while (match := _ATTRIBUTE.match(self.text, position)) is not None:
            quote = match.group(2)
            start = match.end()
            end = self.text.find(quote, start)
            if end == -1:
                break
            name = match.group(1)
            node.attr_starts[name] = self._position(match.start(1))
            value_line, value_column = self._position(start)
            node.attr_spans[name] = _value_spans(self.text, start, end, value_line, value_column)
            position = end + 1

    def _position(self, offset: int) -> tuple[int, int]:
        low, high = 0, len(self.line_starts) - 1
        while low < high:  # the last line start at or before `offset`
            middle = (low + high + 1) // 2
            if self.line_starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - self.line_starts[low] + 1


class _LineTreeBuilder:
    """ElementTree parser target that records positions from the underlying expat parser."""

    def __init__(self, source: _Source | None) -> None:
        self.expat: Any = None
        self.source = source
        self.stack: list[Node] = []
        self.root: Node | None = None

    def _where(self) -> tuple[int, int]:
        if self.expat is None:
            return 0, 0
        return int(self.expat.CurrentLineNumber), int(self.expat.CurrentColumnNumber)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        line, column0 = self._where()
        node = Node(tag=tag, attrib=dict(attrib), line=line, column=column0 + 1)
        if self.source is not None and attrib:
            self.source.locate_attributes(node, column0)
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
        # unbuffered expat: each chunk reports where it starts (CDATA: after `<![CDATA[`)
        line, column0 = self._where()
        node.chunks.append(text)
        node.chunk_starts.append((line, column0 + 1))

    def close(self) -> Node | None:
        return self.root


_POSITION = re.compile(r": line \d+, column \d+$")
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")

_REFUSED: dict[type[DefusedXmlException], str] = {
    DTDForbidden: "DOCTYPE/DTD declarations are not allowed in templates "
    "(they enable entity-expansion bombs and external entities)",
    EntitiesForbidden: "entity declarations are not allowed in templates",
    ExternalReferenceForbidden: "external entity references are not allowed in templates",
}


def _source_text(data: bytes) -> str | None:
    """The decoded document for attribute positions; None when it does not decode."""
    declared = _DECLARED.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a BOM is not a column
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_xml(text: str | bytes) -> Node:
    """Parse `text` into a `Node` tree; raises `TemplateError` (with line and column) for
    bad or unsafe XML."""
    if isinstance(text, str):
        data = text.encode("utf-8")
        source_text: str | None = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        data, source_text = text, _source_text(text)
    builder = _LineTreeBuilder(None if source_text is None else _Source(source_text))
    # A str is already decoded: parse its UTF-8 bytes whatever the declaration says.
    encoding = "utf-8" if isinstance(text, str) else None
    parser = DefusedXMLParser(target=builder, encoding=encoding, forbid_dtd=True)
    parser.parser.buffer_text = False  # so each text chunk reports its own position
    builder.expat = parser.parser
    try:
        parser.feed(data)
        parser.close()
        root = builder.root
    except tuple(_REFUSED) as exc:
        line = int(parser.parser.CurrentLineNumber)
        column = int(parser.parser.CurrentColumnNumber) + 1
        if source_text is not None:  # expat stops inside the declaration: point at its `<!`
            text_line = source_text.split("\n")[line - 1] if line else ""
            declaration = text_line.rfind("<!", 0, column)
            column = declaration + 1 if declaration != -1 else column
        message = next(m for kind, m in _REFUSED.items() if isinstance(exc, kind))
        raise TemplateError(message, line=line, column=column) from None
    except ParseError as exc:
        line, column = exc.position
        message = _POSITION.sub("", str(exc.msg))
        raise TemplateError(f"malformed XML: {message}", line=line, column=column + 1) from None
    if root is None:
        raise TemplateError("empty document", line=1, column=1)
    return root
