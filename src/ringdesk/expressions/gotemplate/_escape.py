"""How values are escaped where they land in the output, for each escape mode.

`text` inserts values as they are and `json` JSON-escapes them (for the inside of a JSON
string). `url` and `gjson` follow the output rendered so far, template text and values
alike, so the escaping depends on where a value lands and never on how the template is
built (`{{if}}`/`{{with}}`/`{{template}}` around an action change nothing):

* `url`: by the part of the URL (`_url.UrlContext`);
* `gjson`: inside a double-quoted string of the path (a query value `#(a=="{{.v}}")`, a
  multipath key, a modifier argument) a value is JSON-escaped without the quotes, since
  GJSON reads those strings as JSON; anywhere else it is GJSON-escaped so it stays one key.
"""

from __future__ import annotations

import json
import re
from typing import Literal, Protocol

from ringdesk.expressions.gotemplate._url import UrlContext, well_formed

__all__ = ["Escape", "Escaper", "GjsonContext", "escape_json", "escaper"]

Escape = Literal["text", "json", "url", "gjson"]


class Escaper(Protocol):
    """Follows the output (`text`) and escapes each value for where it lands (`escape`)."""

    def text(self, text: str) -> None: ...

    def escape(self, value: str) -> str: ...


def escape_json(text: str) -> str:
    """`text` as the inside of a JSON string."""
    # Lone surrogates cannot be sent as UTF-8; as \u escapes they still make valid JSON.
    return json.dumps(text, ensure_ascii=well_formed(text) is not text)[1:-1]


class _Plain:
    __slots__ = ()

    def text(self, text: str) -> None:
        pass

    def escape(self, value: str) -> str:
        return value


class _Json(_Plain):
    __slots__ = ()

    def escape(self, value: str) -> str:
        return escape_json(value)


_QUOTE_OR_BACKSLASH = re.compile(r'["\\]')


class GjsonContext:
    """Tracks whether the GJSON path rendered so far is inside a double-quoted string."""

    __slots__ = ("escaped", "quoted")

    def __init__(self) -> None:
        self.quoted = False
        self.escaped = False  # the text so far ends in a backslash escaping what follows

    def text(self, text: str) -> None:
        i = 0
        if self.escaped and text:
            self.escaped = False
            i = 1
        while True:
            m = _QUOTE_OR_BACKSLASH.search(text, i)
            if m is None:
                return
            j = m.start()
            if text[j] == '"':
                self.quoted = not self.quoted
                i = j + 1
            elif j + 1 < len(text):
                i = j + 2
            else:
                self.escaped = True
                return

    def escape(self, value: str) -> str:
        if self.quoted:
            out = escape_json(value)
        else:
            from ringdesk.expressions import gjson  # the GJSON engine imports templates lazily

            out = gjson.escape(value)
        self.text(out)
        return out


_PLAIN = _Plain()
_JSON = _Json()


def escaper(mode: str) -> Escaper:
    """A fresh escaper for one render in `mode`; ValueError for an unknown mode."""
    if mode == "text":
        return _PLAIN
    if mode == "json":
        return _JSON
    if mode == "url":
        return UrlContext()
    if mode == "gjson":
        return GjsonContext()
    raise ValueError(f"unknown escape mode {mode!r}")
