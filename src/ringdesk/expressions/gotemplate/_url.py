"""URL escaping by position: each value is encoded for the part of the URL it lands in.

`UrlContext` follows the URL rendered so far (template text and values alike) through its
parts, like Go's html/template does, and escapes each inserted value for its part:

* at the start of the URL (the scheme, or the first segment of a relative URL) a plain value
  cannot bring `/ ? # @ :`, so it cannot choose the scheme, host or path;
* in the host (after `//`) it cannot bring `/ ? # @ %` or `\\`;
* in the path it is one segment: `/ ? # % \\ ;` and the like are percent-encoded, and a value
  that makes the segment `.` or `..` is written `%2E` / `%2E%2E`, so it can never climb out
  of the path the template wrote (`../../admin` stays inside its segment);
* in the query or the fragment every byte outside A–Z a–z 0–9 `-._~` is encoded.

A root-relative template whose first segment is a value (`/{{.x}}/notes`) would start with
`//` (a host) when the value is empty: rendering it raises ExpressionError instead.

Trust is marked by type. `SafeURL` (the values of connect fields declared `type="url"`)
may form the scheme, host and path prefix: it is inserted as written, spaces and non-ASCII
percent-encoded; in the query it is encoded as any query value. `SafeStr` (what `UrlEncode`
returns) is inserted as is. `EncodedPath` (what `RawPath` returns) keeps its `/` in the
path. Any other str, including what printf or other functions return, is plain.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ringdesk.expressions import ExpressionError

__all__ = [
    "EncodedPath",
    "SafeStr",
    "SafeURL",
    "UrlContext",
    "raw_path",
    "url_quote",
    "well_formed",
]


class SafeStr(str):
    """Text that is already URL-encoded (`UrlEncode` output): URL escaping leaves it alone."""

    __slots__ = ()


class SafeURL(str):
    """A trusted URL, such as a connect field declared `type="url"` (`https://x.test/api`).

    With `escape="url"` it may form the scheme, host and path prefix of the rendered URL;
    a plain str in the same place is escaped so it cannot. Functions that build new text
    (printf, print, slice, ...) return plain str: trust does not survive them.
    """

    __slots__ = ()


class EncodedPath(str):
    """A path already encoded by `RawPath`: its `/` separate segments in URL mode."""

    __slots__ = ()


_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with lone surrogates (e.g. from a `\\ud800` JSON escape) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def url_quote(text: str) -> str:
    """Percent-encode every byte outside A–Z a–z 0–9 - _ . ~ (RFC 3986 unreserved)."""
    return quote(well_formed(text), safe="")


# what a plain value may keep, by where it lands (quote() always keeps A-Z a-z 0-9 _.-~)
_START_SAFE = "!$&'()*+,="
_HOST_SAFE = "!$&'()*+,;=:"
_SEGMENT_SAFE = "!$&'()*+,=:@"  # RFC 3986 pchar without ';' (a path parameter to some servers)
_TRUSTED_SAFE = "/:@!$&'()*+,;=%[]?#"
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def raw_path(text: str) -> EncodedPath:
    """`RawPath`: `text` encoded as a path whose `/` separate segments.

    Valid `%XX` escapes are kept; `?`, `#`, `\\`, `%` not starting an escape and everything
    a segment may not hold are percent-encoded; a segment that is `.` or `..` becomes
    `%2E` / `%2E%2E`, so the path cannot climb up.
    """
    segments = []
    for segment in well_formed(text).split("/"):
        if segment in (".", ".."):
            segments.append("%2E" * len(segment))
            continue
        pieces = _ESCAPE.split(segment)
        segments.append(
            "".join(p if i % 2 else quote(p, safe=_SEGMENT_SAFE) for i, p in enumerate(pieces))
        )
    return EncodedPath("/".join(segments))


# the parts of a URL, in the order they come
_START, _COLON, _COLON_SLASH, _SLASH, _HOST, _PATH, _QUERY, _FRAGMENT = range(8)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
_PATH_DELIM = re.compile(r"[/?#]")


class UrlContext:
    """Tracks the URL rendered so far, to escape each value for the part it lands in."""

    __slots__ = ("dots", "hollow", "scheme", "started", "state")

    def __init__(self) -> None:
        self.state = _START
        self.started = False  # anything written in _START yet
        self.scheme = True  # all written in _START could be a scheme
        self.dots = 0  # dots in the current path segment when it is all dots, else -1
        self.hollow = False  # an empty value right after the URL's leading "/"

    # -- following the text ----------------------------------------------------------------
    def text(self, text: str) -> None:
        """Follow text written as is (template text, trusted and escaped values)."""
        i = 0
        n = len(text)
        while i < n:
            state = self.state
            if state == _QUERY:
                if "#" in text[i:]:
                    self.state = _FRAGMENT
                return
            if state == _FRAGMENT:
                return
            if state in (_PATH, _HOST):
                m = _PATH_DELIM.search(text, i)
                stop = n if m is None else m.start()
                if state == _PATH and stop > i:
                    self._segment_text(text[i:stop])
                if m is None:
                    return
                self._delimiter(text[stop])
                i = stop + 1
                continue
            ch = text[i]
            i += 1
            if ch in "?#":
                self._delimiter(ch)
            elif state == _START:
                if ch == ":" and self.started and self.scheme:
                    self.state = _COLON
                elif ch == "/":
                    self._new_segment(_PATH if self.started else _SLASH)
                else:
                    self.scheme = (
                        self.scheme and ch in _SCHEME_CHARS and (self.started or ch.isalpha())
                    )
                    self.started = True
                    self._segment_text(ch)
            elif ch == "/" and state in (_COLON_SLASH, _SLASH):
                if self.hollow:
                    # "/{{.x}}/…" with x empty would be "//…", a network-path reference: a host
                    raise ExpressionError("an empty value makes this URL start with //")
                self.state = _HOST
            elif ch == "/" and state == _COLON:
                self.state = _COLON_SLASH
            else:  # "scheme:x", "scheme:/x", "/x": the path begins with this character
                self._new_segment(_PATH)
                i -= 1

    def _delimiter(self, ch: str) -> None:
        self.hollow = False
        if ch == "?":
            self.state = _QUERY
        elif ch == "#":
            self.state = _FRAGMENT
        else:
            self._new_segment(_PATH)

    def _new_segment(self, state: int) -> None:
        self.state = state
        self.dots = 0
        self.hollow = False

    def _segment_text(self, text: str) -> None:
        if self.dots >= 0:
            if "%" in text:  # what a server decodes counts: %2E is a dot too
                text = text.replace("%2E", ".").replace("%2e", ".")
            self.dots = self.dots + len(text) if not text.strip(".") else -1

    # -- escaping values ---------------------------------------------------------------------
    def escape(self, value: str) -> str:
        """`value` encoded for where it lands; the context moves past it."""
        before = self.state
        if before in (_COLON, _COLON_SLASH, _SLASH):
            if not value:  # nothing written: the next character decides, as for text
                self.hollow = True
                return ""
            self._new_segment(_PATH)  # a value here is the path's first segment
        state = self.state
        if state >= _QUERY:
            if isinstance(value, SafeStr):
                out: str = value
            elif isinstance(value, EncodedPath):
                out = quote(value, safe="%")
            else:
                out = url_quote(value)
        elif isinstance(value, SafeURL):
            out = quote(well_formed(value), safe=_TRUSTED_SAFE)
        elif isinstance(value, SafeStr):
            out = self._guard_dots(value)
        elif isinstance(value, EncodedPath) and (state != _HOST or value.startswith("/")):
            out = self._raw_path(value, before)
        elif state == _HOST:
            out = quote(well_formed(value), safe=_HOST_SAFE)
        elif state == _START:
            out = self._guard_dots(quote(well_formed(value), safe=_START_SAFE))
        else:
            out = self._guard_dots(quote(well_formed(value), safe=_SEGMENT_SAFE))
        self.text(out)
        if self.state == _SLASH:  # the value left the URL at its leading "/": as if empty
            self.hollow = True
        return out

    def _guard_dots(self, text: str) -> str:
        """Dots that would make the segment `.` or `..` are written %2E."""
        dots_only = text and not text.strip(".")
        if dots_only and self.state in (_START, _PATH) and 0 <= self.dots <= 2 - len(text):
            return "%2E" * len(text)
        return text

    def _raw_path(self, text: str, before: int) -> str:
        """A RawPath value cannot make the URL open a host (`//`) or a scheme."""
        if before in (_SLASH, _COLON_SLASH) and text.startswith("/"):
            text = "%2F" + text[1:]
        elif before == _START:  # the first segment of the URL: no scheme, no host
            if text.startswith("//") and not self.started:
                text = "/%2F" + text[2:]
            first, slash, rest = text.partition("/")
            text = first.replace(":", "%3A") + slash + rest
        return text
