"""RFC 8288 `Link` header parsing (pure), for `link-header` pagination (C8, U2).

`Link: <https://h/x?page=2>; rel="next", <https://h/x?page=9>; rel="last"` — a
comma-separated list of `<URI-Reference>` targets, each with `;`-separated parameters whose
values are tokens or quoted strings. Commas inside `<…>` or quoted strings do not separate
links; `rel` holds one or more space-separated relation types, compared case-insensitively;
only the first `rel` of a link counts (RFC 8288 §3.3); targets are resolved against the URL
of the response they came with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

__all__ = ["Link", "find_link", "header_value", "parse_link_header"]

_SEPARATORS = " \t"


@dataclass(frozen=True)
class Link:
    """One link-value: its raw target, its relation types (lower-cased) and parameters."""

    target: str
    rels: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def skip(self, chars: str = _SEPARATORS) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def until(self, stops: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str:
        """A quoted-string after its opening quote; `\\x` is `x`. An unclosed string runs
        to the end."""
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and self.pos < len(self.text):
                out.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                break
            else:
                out.append(char)
        return "".join(out)

    def skip_to_next_link(self) -> None:
        """Skip junk up to the comma that ends this link-value (quotes respected)."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                self.quoted()
            elif char == ",":
                return


def _params(s: _Scanner) -> dict[str, str]:
    params: dict[str, str] = {}
    while True:
        s.skip()
        if s.peek() != ";":
            return params
        s.pos += 1
        s.skip()
        name = s.until("=;," + _SEPARATORS).strip().lower().rstrip("*")
        s.skip()
        value = ""
        if s.peek() == "=":
            s.pos += 1
            s.skip()
            if s.peek() == '"':
                s.pos += 1
                value = s.quoted()
            else:
                value = s.until(";," + _SEPARATORS)
        if name and name not in params:  # the first occurrence wins (RFC 8288 §3)
            params[name] = value


def parse_link_header(value: str) -> list[Link]:
    """Every link in a `Link` header value (several headers may be joined with `,`).
    Malformed link-values are skipped; never raises."""
    s = _Scanner(value)
    links: list[Link] = []
    while s.pos < len(s.text):
        s.skip(_SEPARATORS + ",")
        if s.peek() != "<":
            s.skip_to_next_link()
            continue
        s.pos += 1
        target = s.until(">").strip()
        if s.peek() != ">":
            break  # an unclosed `<` swallows the rest: nothing more can be trusted
        s.pos += 1
        params = _params(s)
        rels = tuple(r.lower() for r in params.get("rel", "").split())
        links.append(Link(target=target, rels=rels, params=params))
        s.skip()
        if s.peek() not in (",", ""):
            s.skip_to_next_link()
    return links


def header_value(headers: Mapping[str, str] | None, name: str) -> str:
    """All values of header `name` (case-insensitive), joined with `, ` as HTTP allows."""
    if not headers:
        return ""
    wanted = name.lower()
    return ", ".join(v for k, v in headers.items() if k.lower() == wanted)


def find_link(headers: Mapping[str, str] | None, rel: str, base: str) -> str:
    """The absolute URL of the first link with relation `rel`, resolved against `base`
    (the URL the response came from); "" when there is none."""
    wanted = rel.lower()
    for link in parse_link_header(header_value(headers, "link")):
        if wanted in link.rels and link.target:
            return urljoin(base, link.target)
    return ""
