"""GJSON modifiers (`@reverse`, `@pretty`, `@join`, ...): each maps raw JSON text + arg to JSON.

Ported from tidwall/gjson (and tidwall/pretty for `@pretty`/`@ugly`); registered into
`_gjson_core.MODIFIERS` at import time.
"""

from __future__ import annotations

import re

from ringdesk.expressions._gjson_path import MODIFIERS
from ringdesk.expressions._gjson_scan import get
from ringdesk.expressions._gjson_text import (
    Result,
    append_json_string,
    for_each,
    parse,
    unwrap,
    valid,
)

__all__ = ["pretty", "ugly"]

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
    o = opts or _PrettyOpts()
    buf: list[str] = [o.prefix] if o.prefix else []
    p = _Pretty(s, o)
    p.any(buf, 0, True, 0, 0, -1)
    out = "".join(buf)
    return out + "\n" if out else out


class _Pretty:
    def __init__(self, s: str, o: _PrettyOpts) -> None:
        self.s = s
        self.o = o

    def any(
        self, buf: list[str], i: int, pretty: bool, tabs: int, nl: int, mx: int
    ) -> tuple[int, int, bool]:
        s = self.s
        n = len(s)
        while i < n:
            c = s[i]
            if c <= " ":
                i += 1
                continue
            if c == '"':
                return self.string(buf, i), nl, True
            if c.isdigit() or c == "-" or s.startswith(("NaN", "Inf", "+Inf"), i):
                return self.number(buf, i), nl, True
            if c in "{[":
                return self.obj(buf, i, c, pretty, tabs, nl, mx)
            for lit in ("true", "false", "null"):
                if c == lit[0]:
                    buf.append(lit)
                    return i + len(lit), nl, True
            i += 1
        return i, nl, True

    def string(self, buf: list[str], i: int) -> int:
        m = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL).match(self.s, i)
        assert m is not None  # noqa: S101  # the pattern always matches at a quote
        buf.append(m.group())
        return m.end()

    def number(self, buf: list[str], i: int) -> int:
        m = re.compile(r"[^\x00-\x20,:\]}]*").match(self.s, i)
        assert m is not None  # noqa: S101  # the pattern always matches
        buf.append(m.group())
        return m.end()

    def _length(self, buf: list[str]) -> int:
        return sum(len(x) for x in buf)

    def obj(  # a port of one tidwall/pretty function
        self, buf: list[str], i: int, open_: str, pretty: bool, tabs: int, nl: int, mx: int
    ) -> tuple[int, int, bool]:
        o = self.o
        s = self.s
        close = "}" if open_ == "{" else "]"
        if o.width > 0:
            if pretty and open_ == "[" and mx == -1:
                flat = "".join(buf)
                room = o.width - (len(flat) - nl)
                if room > 3:
                    trial: list[str] = [flat]
                    saved = _Pretty(s, _PrettyOpts())
                    saved.o.width = o.width
                    saved.o.prefix = o.prefix
                    saved.o.indent = ""
                    saved.o.sort_keys = o.sort_keys
                    j, _, ok = saved.obj(trial, i, "[", False, 0, 0, room)
                    t = "".join(trial)
                    if ok and len(t) - len(flat) <= room:
                        buf[:] = [t]
                        return j, nl, True
            elif mx != -1 and open_ == "{":
                return i, nl, False
        buf.append(open_)
        i += 1
        count = 0
        pairs: list[tuple[str, str]] = []
        n = len(s)
        while i < n:
            c = s[i]
            if c <= " ":
                i += 1
                continue
            if c == close:
                if pretty:
                    if open_ == "{" and o.sort_keys and pairs:
                        self._sort_pairs(buf, pairs)
                    if count > 0:
                        flat = "".join(buf)
                        flat = flat[:-1] + "\n" if flat.endswith(" ") else flat + "\n"
                        buf[:] = [flat]
                        nl = len(flat)
                    if not "".join(buf).endswith(open_):
                        self._tabs(buf, tabs)
                buf.append(close)
                return i + 1, nl, open_ != "{"
            if open_ == "[" or c == '"':
                if count > 0:
                    buf.append(",")
                    if o.width != -1 and open_ == "[":
                        buf.append(" ")
                start_len = 0
                if pretty:
                    flat = "".join(buf)
                    flat = flat[:-1] + "\n" if flat.endswith(" ") else flat + "\n"
                    buf[:] = [flat]
                    nl = len(flat)
                    start_len = nl
                    self._tabs(buf, tabs + 1)
                if open_ == "{":
                    i = self.string(buf, i)
                    buf.append(":")
                    if pretty:
                        buf.append(" ")
                i, nl, ok = self.any(buf, i, pretty, tabs + 1, nl, mx)
                if mx != -1 and not ok:
                    return i, nl, False
                if pretty and open_ == "{" and o.sort_keys:
                    flat = "".join(buf)
                    buf[:] = [flat]
                    pairs.append((flat[:start_len], flat[start_len:]))
                i -= 1
                count += 1
            i += 1
        return i, nl, open_ != "{"

    def _sort_pairs(self, buf: list[str], pairs: list[tuple[str, str]]) -> None:
        flat = "".join(buf)
        head = pairs[0][0]
        items = [p[1] for p in pairs]
        cleaned = [
            it.rstrip(",").rstrip() if k < len(items) - 1 else it for k, it in enumerate(items)
        ]

        def key(item: str) -> tuple[str, str]:
            body = item.strip()
            k = parse(body)
            return (k.str, body)

        cleaned.sort(key=key)
        indent_items = ",\n".join(x.rstrip(",").rstrip("\n") for x in cleaned)
        del flat
        buf[:] = [head + indent_items]

    def _tabs(self, buf: list[str], tabs: int) -> None:
        if self.o.prefix:
            buf.append(self.o.prefix)
        buf.append(self.o.indent * tabs)


def _clean_ws(s: str) -> str:
    return "".join(c for c in s if c in " \t\n\r")


def _mod_pretty(s: str, arg: str) -> str:
    if arg:
        o = _PrettyOpts()
        for k, v in for_each(parse(arg)):
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
        vals = [v.raw for _, v in for_each(res)]
        return "[" + ",".join(reversed(vals)) + "]"
    if res.is_object():
        kvs = [k.raw + ":" + v.raw for k, v in for_each(res)]
        return "{" + ",".join(reversed(kvs)) + "}"
    return s


def _mod_flatten(s: str, arg: str) -> str:
    res = parse(s)
    if not res.is_array():
        return s
    deep = any(k.text == "deep" and v.bool() for k, v in for_each(parse(arg))) if arg else False
    out: list[str] = []
    for _, v in for_each(res):
        if v.is_array():
            raw = unwrap(_mod_flatten(v.raw, arg)) if deep else unwrap(v.raw)
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
    return "[" + ",".join(k.raw if obj else "null" for k, _ in for_each(v)) + "]"


def _mod_values(s: str, arg: str) -> str:
    v = parse(s)
    if not v.exists:
        return "[]"
    if v.is_array():
        return s
    return "[" + ",".join(val.raw for _, val in for_each(v)) + "]"


def _mod_join(s: str, arg: str) -> str:
    res = parse(s)
    if not res.is_array():
        return s
    preserve = (
        any(k.text == "preserve" and v.bool() for k, v in for_each(parse(arg))) if arg else False
    )
    if preserve:
        parts = [unwrap(v.raw) for _, v in for_each(res) if v.is_object()]
        return "{" + ",".join(parts) + "}"
    keys: list[Result] = []
    kvals: dict[str, Result] = {}
    for _, obj in for_each(res):
        if not obj.is_object():
            continue
        for k, v in for_each(obj):
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
    for k, v in for_each(res):
        if not v.is_array():
            continue
        for idx, (_, item) in enumerate(for_each(v)):
            if idx == len(groups):
                groups.append([])
            groups[idx].append(k.raw + ":" + item.raw)
    return "[" + ",".join("{" + ",".join(g) + "}" for g in groups) + "]"


def _dig(out: list[str], parent: Result, path: str) -> None:
    res = get(parent.raw, path)
    if res.exists:
        out.append(res.raw)
    if parent.is_array() or parent.is_object():
        for _, v in for_each(parent):
            _dig(out, v, path)


def _mod_dig(s: str, arg: str) -> str:
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
