"""GJSON modifiers (`@reverse`, `@pretty`, `@join`, ...): each maps raw JSON text + arg to JSON.

Ported from tidwall/gjson (and tidwall/pretty for `@pretty`/`@ugly`); registered into
`_gjson_path.MODIFIERS` at import time. Modifiers walk the document they are given, so each
JSON value they visit is a step and each level they recurse into is a level of the running
evaluation's budget (`@dig` and `@flatten:{"deep":true}` over deep data took >20 s before).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ringdesk.expressions._gjson_path import MODIFIERS
from ringdesk.expressions._gjson_scan import current_meter, get
from ringdesk.expressions._gjson_text import (
    Result,
    append_json_string,
    deeper_than,
    for_each,
    parse,
    parse_float,
    unwrap,
    valid,
)

__all__ = ["pretty", "ugly"]


def _no_deeper(s: str) -> None:
    """Refuse at once a document nested deeper than the budget has levels left: a modifier
    recursing into it would re-read the rest of the text at every level (quadratic)."""
    meter = current_meter()
    if deeper_than(s, meter.budget.max_depth - meter.depth):
        raise meter.exceeded("max_depth")


def _each(t: Result) -> Iterator[tuple[Result, Result]]:
    """`for_each`, counting each element as a step of the running evaluation."""
    meter = current_meter()
    for pair in for_each(t):
        meter.step()
        yield pair


_UGLY = re.compile(r'"(?:[^"\\]|\\.)*"?|[\x00-\x20]+', re.DOTALL)


def ugly(s: str) -> str:
    """Remove all whitespace outside strings."""
    return _UGLY.sub(lambda m: m.group() if m.group()[0] == '"' else "", s)


class _PrettyOpts:
    __slots__ = ("indent", "prefix", "sort_keys", "width")

    def __init__(self) -> None:
        self.width = 80
        self.prefix = ""
        self.indent = "  "
        self.sort_keys = False


def pretty(s: str, opts: _PrettyOpts | None = None) -> str:
    """tidwall/pretty `PrettyOptions`: indented JSON, short scalar arrays kept on one line."""
    _no_deeper(s)
    o = opts or _PrettyOpts()
    buf: list[str] = list(o.prefix)
    _Pretty(s, o).any(buf, 0, True, o.sort_keys, 0, 0, -1)
    if buf:
        buf.append("\n")
    return "".join(buf)


_PRETTY_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_PRETTY_NUMBER = re.compile(r".[^\x00-\x20,:\]}]*", re.DOTALL)


def _jtype(v: str) -> int:
    if not v:
        return 0
    return {'"': 3, "f": 1, "t": 4, "n": 0, "[": 5, "{": 5}.get(v[0], 2)


def _pair_less(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """tidwall/pretty's key order: by key, then by value (typed comparison)."""
    for x, y in ((a[0], b[0]), (b[0], a[0])):
        if _typed_less(x, y):
            return x is a[0]
    return _typed_less(a[1], b[1])


def _typed_less(v1: str, v2: str) -> bool:
    t1, t2 = _jtype(v1), _jtype(v2)
    if t1 != t2:
        return t1 < t2
    if t1 == 3:
        return parse(v1).str < parse(v2).str
    if t1 == 2:
        return parse_float(v1) < parse_float(v2)
    return v1 < v2


class _Pretty:
    """A port of tidwall/pretty's appendPretty* functions over a list of characters."""

    def __init__(self, s: str, o: _PrettyOpts) -> None:
        self.s = s
        self.o = o
        self.meter = current_meter()

    def any(  # mirrors the Go signature
        self, buf: list[str], i: int, pretty: bool, sort_keys: bool, tabs: int, nl: int, mx: int
    ) -> tuple[int, int, bool]:
        s = self.s
        n = len(s)
        while i < n:
            c = s[i]
            if c <= " ":
                i += 1
                continue
            if c == '"':
                m = _PRETTY_STRING.match(s, i)
                assert m is not None  # noqa: S101  # always matches at a quote
                buf.extend(m.group())
                return m.end(), nl, True
            if (
                (c.isascii() and c.isdigit())
                or c in "-iI+N"
                or (c == "n" and s[i + 1 : i + 2] != "u")
            ):
                m = _PRETTY_NUMBER.match(s, i)
                assert m is not None  # noqa: S101  # always matches one character
                buf.extend(m.group())
                return m.end(), nl, True
            if c in "{[":
                self.meter.enter()
                out = self.obj(buf, i, c, pretty, sort_keys, tabs, nl, mx)
                self.meter.leave()
                return out
            lit = {"t": "true", "f": "false", "n": "null"}.get(c)
            if lit is not None:
                buf.extend(lit)
                return i + len(lit), nl, True
            i += 1
        return i, nl, True

    def _newline(self, buf: list[str]) -> int:
        nl = len(buf)
        if buf and buf[-1] == " ":
            buf[-1] = "\n"
        else:
            buf.append("\n")
        return nl

    def obj(  # a port of one tidwall/pretty function
        self,
        buf: list[str],
        i: int,
        open_: str,
        pretty: bool,
        sort_keys: bool,
        tabs: int,
        nl: int,
        mx: int,
    ) -> tuple[int, int, bool]:
        o = self.o
        s = self.s
        close = "}" if open_ == "{" else "]"
        if o.width > 0:
            if pretty and open_ == "[" and mx == -1:
                room = o.width - (len(buf) - nl)
                if room > 3:
                    s1, s2 = len(buf), i
                    flat = _Pretty(s, _PrettyOpts())
                    flat.o.width, flat.o.prefix, flat.o.indent = o.width, o.prefix, ""
                    i, _, ok = flat.obj(buf, i, "[", False, sort_keys, 0, 0, room)
                    if ok and len(buf) - s1 <= room:
                        return i, nl, True
                    del buf[s1:]
                    i = s2
            elif mx != -1 and open_ == "{":
                return i, nl, False
        buf.append(open_)
        i += 1
        pairs: list[tuple[int, int, int, int]] = []  # kstart, kend, vstart, vend
        count = 0
        n = len(s)
        while i < n:
            c = s[i]
            if c <= " ":
                i += 1
                continue
            if c == close:
                if pretty:
                    if open_ == "{" and sort_keys:
                        self._sort_pairs(buf, pairs)
                    if count > 0:
                        nl = self._newline(buf)
                    if buf[-1] != open_:
                        self._tabs(buf, tabs)
                buf.append(close)
                return i + 1, nl, open_ != "{"
            if open_ == "[" or c == '"':
                self.meter.step()
                if count > 0:
                    buf.append(",")
                    if o.width != -1 and open_ == "[":
                        buf.append(" ")
                kstart = kend = vstart = 0
                if pretty:
                    nl = self._newline(buf)
                    if open_ == "{" and sort_keys:
                        kstart, vstart = i, len(buf)
                    self._tabs(buf, tabs + 1)
                if open_ == "{":
                    i, nl, _ = self.any(buf, i, pretty, sort_keys, tabs, nl, mx)
                    kend = i
                    buf.append(":")
                    if pretty:
                        buf.append(" ")
                i, nl, ok = self.any(buf, i, pretty, sort_keys, tabs + 1, nl, mx)
                if mx != -1 and not ok:
                    return i, nl, False
                if pretty and open_ == "{" and sort_keys:
                    vend = len(buf)
                    if kstart > kend or vstart > vend:
                        sort_keys = False
                    else:
                        pairs.append((kstart, kend, vstart, vend))
                i -= 1
                count += 1
            i += 1
        return i, nl, open_ != "{"

    def _sort_pairs(self, buf: list[str], pairs: list[tuple[int, int, int, int]]) -> None:
        if not pairs:
            return
        keyvals: list[tuple[str, str]] = []
        texts: list[str] = []
        for kstart, kend, vstart, vend in pairs:
            key = self.s[kstart:kend]
            text = "".join(buf[vstart:vend])
            val = text.strip()
            if len(val) >= len(key) + 1:
                val = val[len(key) + 1 :].strip()
            keyvals.append((key, val))
            texts.append(text)

        def cmp(x: int, y: int) -> int:
            if _pair_less(keyvals[x], keyvals[y]):
                return -1
            return 1 if _pair_less(keyvals[y], keyvals[x]) else 0

        order = sorted(range(len(texts)), key=functools.cmp_to_key(cmp))
        if order == list(range(len(texts))):
            return
        start = pairs[0][2]
        del buf[start:]
        buf.extend(",\n".join(texts[k] for k in order))

    def _tabs(self, buf: list[str], tabs: int) -> None:
        if self.o.prefix:
            buf.extend(self.o.prefix)
        buf.extend(self.o.indent * tabs)


def _clean_ws(s: str) -> str:
    return "".join(c for c in s if c in " \t\n\r")


def _mod_pretty(s: str, arg: str) -> str:
    if arg:
        o = _PrettyOpts()
        for k, v in _each(parse(arg)):
            name = k.text
            if name == "sortKeys":
                o.sort_keys = v.bool()
            elif name == "indent":
                o.indent = _clean_ws(v.text)
            elif name == "prefix":
                o.prefix = _clean_ws(v.text)
            elif name == "width":
                o.width = v.int()
        return pretty(s, o)
    return pretty(s)


def _mod_reverse(s: str, arg: str) -> str:
    res = parse(s)
    if res.is_array():
        vals = [v.raw for _, v in _each(res)]
        return "[" + ",".join(reversed(vals)) + "]"
    if res.is_object():
        kvs = [k.raw + ":" + v.raw for k, v in _each(res)]
        return "{" + ",".join(reversed(kvs)) + "}"
    return s


def _mod_flatten(s: str, arg: str) -> str:
    deep = any(k.text == "deep" and v.bool() for k, v in for_each(parse(arg))) if arg else False
    if deep:
        _no_deeper(s)
    return _flatten(s, deep)


def _flatten(s: str, deep: bool) -> str:
    res = parse(s)
    if not res.is_array():
        return s
    out: list[str] = []
    meter = current_meter()
    for _, v in _each(res):
        if v.is_array():
            if deep:
                meter.enter()
                raw = unwrap(_flatten(v.raw, deep))
                meter.leave()
            else:
                raw = unwrap(v.raw)
        else:
            raw = v.raw
        raw = raw.strip()
        if raw:
            out.append(raw)
    return "[" + ",".join(out) + "]"


def _mod_keys(s: str, arg: str) -> str:
    v = parse(s)
    if not v.exists:
        return "[]"
    obj = v.is_object()
    return "[" + ",".join(k.raw if obj else "null" for k, _ in _each(v)) + "]"


def _mod_values(s: str, arg: str) -> str:
    v = parse(s)
    if not v.exists:
        return "[]"
    if v.is_array():
        return s
    return "[" + ",".join(val.raw for _, val in _each(v)) + "]"


def _mod_join(s: str, arg: str) -> str:
    res = parse(s)
    if not res.is_array():
        return s
    preserve = (
        any(k.text == "preserve" and v.bool() for k, v in for_each(parse(arg))) if arg else False
    )
    if preserve:
        parts = [unwrap(v.raw) for _, v in _each(res) if v.is_object()]
        return "{" + ",".join(parts) + "}"
    keys: list[Result] = []
    kvals: dict[str, Result] = {}
    for _, obj in _each(res):
        if not obj.is_object():
            continue
        for k, v in _each(obj):
            if k.text not in kvals:
                keys.append(k)
            kvals[k.text] = v
    return "{" + ",".join(k.raw + ":" + kvals[k.text].raw for k in keys) + "}"


def _mod_valid(s: str, arg: str) -> str:
    return s if valid(s) else ""


def _mod_fromstr(s: str, arg: str) -> str:
    if not valid(s):
        return ""
    return parse(s).text


def _mod_tostr(s: str, arg: str) -> str:
    return append_json_string(s)


def _mod_group(s: str, arg: str) -> str:
    res = parse(s)
    if not res.is_object():
        return ""
    groups: list[list[str]] = []
    for k, v in _each(res):
        if not v.is_array():
            continue
        for idx, (_, item) in enumerate(_each(v)):
            if idx == len(groups):
                groups.append([])
            groups[idx].append(k.raw + ":" + item.raw)
    return "[" + ",".join("{" + ",".join(g) + "}" for g in groups) + "]"


def _dig(out: list[str], parent: Result, path: str) -> None:
    current_meter().step()  # the `get` below, besides the visit `_each` counts
    res = get(parent.raw, path)
    if res.exists:
        out.append(res.raw)
    if parent.is_array() or parent.is_object():
        meter = current_meter()
        meter.enter()
        for _, v in _each(parent):
            _dig(out, v, path)
        meter.leave()


def _mod_dig(s: str, arg: str) -> str:
    _no_deeper(s)
    out: list[str] = []
    _dig(out, parse(s), arg)
    return "[" + ",".join(out) + "]"


MODIFIERS.update(
    {
        "pretty": _mod_pretty,
        "ugly": lambda s, arg: ugly(s),
        "reverse": _mod_reverse,
        "this": lambda s, arg: s,
        "flatten": _mod_flatten,
        "join": _mod_join,
        "valid": _mod_valid,
        "keys": _mod_keys,
        "values": _mod_values,
        "tostr": _mod_tostr,
        "fromstr": _mod_fromstr,
        "group": _mod_group,
        "dig": _mod_dig,
    }
)
