"""GJSON evaluation: the scanner over the raw JSON text and `get`, ported from tidwall/gjson.

The scanner never parses a whole document: it walks the text the way the Go implementation
does and slices the raw text of the match, so `Result.raw` is exactly the document's text.

Speed: Python cannot walk text character by character fast, so well-formed arrays are split
with json's C scanner (`_skip_elements`, `_query_fast`, `_alog_fast`, `_whole_fast`) and plain
paths are read from the parsed values where that provably gives Go's answer (first of duplicate
keys, raw text of escaped strings and -0 are checked against the text); anything unusual runs
Go's own loop. tests/expressions/test_gjson_fast.py compares both on tricky texts.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from ringdesk.expressions._gjson_path import (
    MODIFIERS,
    ArrayPath,
    match,
    parse_array_path,
    parse_object_path,
    query_matches,
    split_possible_pipe,
)
from ringdesk.expressions._gjson_text import (
    FALSE,
    JSON,
    NULL,
    NUMBER,
    STR_END,
    STRING,
    TRUE,
    Result,
    append_json_string,
    parse,
    parse_any,
    parse_float,
    parse_literal,
    parse_number,
    parse_squash,
    parse_string,
    squash,
    squash_from_lead,
    unescape,
    valid,
)
from ringdesk.expressions._gjson_text import (
    scan_once as _scan_once,
)

__all__ = ["exec_static", "get", "split_modifier"]

_KEY_OR_CLOSE = re.compile(r'["}]')
_OBJ_VALUE = re.compile(r'["{\[ntf+\-0-9iIN]')
_ARR_VALUE = re.compile(r'["{\[\]ntf+\-0-9iIN]')
_FIRST_CONTAINER = re.compile(r"[{\[]")
_MEMBER = re.compile(
    r'[ \t\r\n,]*+"((?:[^"\\]|\\.)*+)"[ \t\r\n]*+:[ \t\r\n]*+'
    r'(?:"(?:[^"\\]|\\.)*+"|-?[0-9][0-9.eE+\-]*+|true|false|null|([\[{]))'
    r"(?(2)|(?=[ \t\r\n,}\]]))",
    re.DOTALL,
)


class _Ctx:
    __slots__ = ("json", "pipe", "piped", "value")

    def __init__(self, s: str) -> None:
        self.json = s
        self.value = Result()
        self.pipe = ""
        self.piped = False


def _parse_object(c: _Ctx, i: int, path: str) -> tuple[int, bool]:
    s = c.json
    n = len(s)
    rp = parse_object_path(path)
    if not rp.more and rp.piped:
        c.pipe = rp.pipe
        c.piped = True
    part = rp.part
    wild = rp.wild
    while i < n:
        # fast path: a well-formed member whose key does not match is skipped in one step
        fm = _MEMBER.match(s, i)
        if fm is not None:
            key = fm.group(1)
            if "\\" in key:
                key = unescape(key)
            if not (match(key, part) if wild else part == key):
                i = fm.end() if fm.group(2) is None else parse_squash(s, fm.end() - 1)[0]
                continue
            i = fm.start(1) - 1
        m = _KEY_OR_CLOSE.search(s, i)
        if m is None:
            return n, False
        i = m.start()
        if s[i] == "}":
            return i + 1, False
        km = STR_END.match(s, i + 1)
        if km is None:
            return n, False
        key = s[i + 1 : km.end() - 1]
        i = km.end()
        if "\\" in key:
            key = unescape(key)
        pmatch = match(key, part) if rp.wild else part == key
        hit = pmatch and not rp.more
        m = _OBJ_VALUE.search(s, i)
        if m is None:
            return n, False
        i = m.start()
        ch = s[i]
        if ch == '"':
            i, val, vesc, ok = parse_string(s, i + 1)
            if not ok:
                return i, False
            if hit:
                inner = val[1:-1]
                c.value = Result(STRING, val, unescape(inner) if vesc else inner)
                return i, True
        elif ch == "{":
            if pmatch and not hit:
                i, hit = _parse_object(c, i + 1, rp.path)
                if hit:
                    return i, True
            else:
                i, val = parse_squash(s, i)
                if hit:
                    c.value = Result(JSON, val)
                    return i, True
        elif ch == "[":
            if pmatch and not hit:
                i, hit = _parse_array(c, i + 1, rp.path)
                if hit:
                    return i, True
            else:
                i, val = parse_squash(s, i)
                if hit:
                    c.value = Result(JSON, val)
                    return i, True
        elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
            i, val = parse_literal(s, i)
            if hit:
                c.value = Result(TRUE if ch == "t" else FALSE if ch == "f" else NULL, val)
                return i, True
        else:
            i, val = parse_number(s, i)
            if hit:
                c.value = Result(NUMBER, val, num=parse_float(val))
                return i, True
    return i, False


def _parse_array(
    c: _Ctx, i: int, path: str
) -> tuple[int, bool]:  # a faithful port of one Go function
    s = c.json
    n = len(s)
    rp = parse_array_path(path)
    partidx = -1
    if not rp.arrch and rp.part.isascii() and rp.part.isdigit():
        partidx = int(rp.part)
    if not rp.more and rp.piped:
        c.pipe = rp.pipe
        c.piped = True
    if not rp.arrch:
        return _parse_array_index(c, i, rp.path, rp.more, partidx)
    multires: list[str] = []
    alog: list[int] = []
    alog_raws: list[str] = []  # the elements' raw text, seen while skipping them
    state = {"rp": rp}

    def proc_query(qval: Result, parsed: Result | None = None) -> bool:
        rp_ = state["rp"]
        if parsed is not None:
            res = parsed
        elif qval.type == JSON:
            res = get(qval.raw, rp_.q_path)
        else:
            if rp_.q_path != "":
                return False
            res = qval
        if query_matches(rp_, res):
            if rp_.more:
                split = split_possible_pipe(rp_.path)
                if split is not None:
                    rp_ = rp_.copy()
                    rp_.path = split[0]
                    state["rp"] = rp_
                    c.pipe = split[1]
                    c.piped = True
                res = get(qval.raw, rp_.path)
            else:
                res = qval
            if rp_.q_all:
                raw = res.raw or res.text
                if raw:
                    multires.append(raw)
            else:
                c.value = res
                return True
        return False

    if rp.q_on or rp.part == "#":
        fast = _array_fast(c, s, i, rp, state, multires, proc_query)
        if fast is not None:
            return fast
    h = 0
    pmatch = hit = False
    while i < n + 1:
        if not rp.arrch:
            pmatch = partidx == h
            hit = pmatch and not rp.more
        h += 1
        if rp.alogok:
            alog.append(i)
        while True:
            if i > n:
                break
            m = _ARR_VALUE.search(s, i)
            if m is None:
                i = n
                ch = "]"
            else:
                i = m.start()
                ch = s[i]
            rp = state["rp"]
            if ch == '"':
                i, val, vesc, ok = parse_string(s, i + 1)
                if not ok:
                    return i, False
                if rp.alogok:
                    alog_raws.append(val)
                if rp.q_on:
                    inner = val[1:-1]
                    if proc_query(Result(STRING, val, unescape(inner) if vesc else inner)):
                        return i, True
                elif hit:
                    if rp.alogok:
                        break
                    inner = val[1:-1]
                    c.value = Result(STRING, val, unescape(inner) if vesc else inner)
                    return i, True
            elif ch in "{[":
                if pmatch and not hit:
                    if ch == "{":
                        i, hit = _parse_object(c, i + 1, rp.path)
                    else:
                        i, hit = _parse_array(c, i + 1, rp.path)
                    if hit:
                        if rp.alogok:
                            break
                        return i, True
                else:
                    parsed = None
                    if rp.q_parts is not None:
                        # fast path: parse the element once with json's C scanner and read
                        # the plain query path from it (first duplicate key wins, as in Go)
                        try:
                            obj, end = _scan_first_wins(s, i)
                        except (StopIteration, ValueError, RecursionError):
                            pass
                        else:
                            parsed = _as_result(_walk_value(obj, rp.q_parts))
                            i, val = end, s[i:end]
                    if parsed is None:
                        i, val = parse_squash(s, i)
                    if rp.alogok:
                        alog_raws.append(val)
                    if rp.q_on:
                        if proc_query(Result(JSON, val), parsed):
                            return i, True
                    elif hit:
                        if rp.alogok:
                            break
                        c.value = Result(JSON, val)
                        return i, True
            elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
                i, val = parse_literal(s, i)
                typ = TRUE if ch == "t" else FALSE if ch == "f" else NULL
                if rp.alogok:
                    alog_raws.append(val)
                if rp.q_on:
                    if proc_query(Result(typ, val)):
                        return i, True
                elif hit:
                    if rp.alogok:
                        break
                    c.value = Result(typ, val)
                    return i, True
            elif ch == "]":
                if rp.arrch and rp.part == "#":
                    if rp.alogok:
                        _alog_result(c, rp, alog, alog_raws)
                        return i + 1, True
                    c.value = Result(NUMBER, str(h - 1), num=float(h - 1))
                    return i + 1, True
                if not c.value.exists:
                    if multires:
                        c.value = Result(JSON, "[" + ",".join(multires) + "]")
                    elif rp.q_all:
                        c.value = Result(JSON, "[]")
                return i + 1, False
            else:
                i, val = parse_number(s, i)
                num = Result(NUMBER, val, num=parse_float(val))
                if rp.alogok:
                    alog_raws.append(val)
                if rp.q_on:
                    if proc_query(num):
                        return i, True
                elif hit:
                    if rp.alogok:
                        break
                    c.value = num
                    return i, True
            break
    return i, False


def _parse_array_index(c: _Ctx, i: int, path: str, more: bool, idx: int) -> tuple[int, bool]:
    """`_parse_array` for a plain index step (`items.3`): the same scan, without the
    query/`#` machinery."""
    s = c.json
    n = len(s)
    h = 0
    i, h, close = _skip_elements(s, i, idx)
    if close >= 0:
        return close, False
    while True:
        m = _ARR_VALUE.search(s, i)
        if m is None:
            return n + 1, False
        i = m.start()
        ch = s[i]
        if ch == "]":
            return i + 1, False
        target = h == idx
        h += 1
        if ch == '"':
            i, val, vesc, ok = parse_string(s, i + 1)
            if not ok:
                return i, False
            if target and not more:
                inner = val[1:-1]
                c.value = Result(STRING, val, unescape(inner) if vesc else inner)
                return i, True
        elif ch in "{[":
            if target and more:
                if ch == "{":
                    i, hit = _parse_object(c, i + 1, path)
                else:
                    i, hit = _parse_array(c, i + 1, path)
                if hit:
                    return i, True
            else:
                i, val = parse_squash(s, i)
                if target:
                    c.value = Result(JSON, val)
                    return i, True
        elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
            i, val = parse_literal(s, i)
            if target and not more:
                c.value = Result(TRUE if ch == "t" else FALSE if ch == "f" else NULL, val)
                return i, True
        else:
            i, val = parse_number(s, i)
            if target and not more:
                c.value = Result(NUMBER, val, num=parse_float(val))
                return i, True


_LEAD_WS = re.compile(r"[ \t\r\n]*+")
_NEXT_ELEMENT = re.compile(r"[ \t\r\n]*+([,\]])[ \t\r\n]*+")
_ELEMENT_START = frozenset('{["tfn-0123456789')


def _skip_elements(s: str, i: int, count: int) -> tuple[int, int, int]:
    """Skip up to `count` well-formed array elements from `i` with json's C scanner:
    (index, elements skipped, index after ']' or -1). It stops at anything unusual, where
    Go's loop resumes at the same element."""
    h = 0
    scan = _scan_once
    nxt = _NEXT_ELEMENT.match
    n = len(s)
    i = _LEAD_WS.match(s, i).end()  # type: ignore[union-attr]  # always matches
    while h < count and i < n and s[i] in _ELEMENT_START:
        try:
            v, end = scan(s, i)
        except (StopIteration, ValueError, RecursionError):
            break
        if type(v) is float and not math.isfinite(v):
            break
        m = nxt(s, end)
        if m is None:
            break
        if m.group(1) == "]":
            return i, h, m.start(1) + 1
        i = m.end()
        h += 1
    return i, h, -1


def _array_fast(
    c: _Ctx,
    s: str,
    i: int,
    rp: ArrayPath,
    state: dict[str, ArrayPath],
    multires: list[str],
    proc_query: Callable[[Result, Result | None], bool],
) -> tuple[int, bool] | None:
    """`_parse_array` for `#`, `#.path` and `#(query)` over a well-formed array, one json C
    scanner call per element; None (nothing changed) when Go's lenient loop must run.

    Each element must be strict JSON followed by ',' or ']', so its end is where Go's scanner
    stops too; NaN/Infinity (which json accepts) are left to Go's loop.
    """
    whole = _whole_fast(c, s, i, rp)
    if whole is not None:
        return whole
    if rp.q_on:
        saved = (c.pipe, c.piped, c.value)
        for careful in (False, True):
            out = _query_fast(c, s, i, rp, multires, proc_query, careful)
            if out is None or out is _RETRY:
                c.pipe, c.piped, c.value = saved
                multires.clear()
                state["rp"] = rp
            if out is not _RETRY:
                return out  # type: ignore[return-value]  # not _RETRY
        return None
    if rp.alogok:
        out = _alog_fast(c, s, i, rp, False)
        if out is _RETRY:
            out = _alog_fast(c, s, i, rp, True)
        return out  # type: ignore[return-value]  # not _RETRY
    if i > 0 and s[i - 1] == "[":
        arr = None
        with contextlib.suppress(StopIteration, ValueError, RecursionError):
            arr, end = _scan_once(s, i - 1)  # a strict JSON array: the count is its length
        if type(arr) is list:
            c.value = Result(NUMBER, str(len(arr)), num=float(len(arr)))
            return end, True
    return None


def _whole_fast(c: _Ctx, s: str, i: int, rp: ArrayPath) -> tuple[int, bool] | None:
    """`#.a.b` and `#(a.b op v)#.c` with plain paths over a strict JSON array
    of objects/arrays, when every answer is a value whose raw text the parsed value settles
    (`_plain_raw`): one json C scanner call for the whole array and no element positions.
    None (nothing changed) otherwise."""
    sub: tuple[str, ...] | None = None
    if rp.q_on:
        # a first-match query stops at its match in the per-element scan, which on average
        # beats parsing the whole array; `#(..)#.path` reads every element anyway
        if not rp.q_all or rp.q_parts is None or not rp.more or not _PLAIN_KEY.fullmatch(rp.path):
            return None
        sub = tuple(rp.path.split("."))
    elif rp.alogok and _PLAIN_KEY.fullmatch(rp.alogkey):
        sub = tuple(rp.alogkey.split("."))
    else:
        return None
    if i == 0 or s[i - 1] != "[":
        return None
    try:
        arr, close = _scan_once(s, i - 1)
    except (StopIteration, ValueError, RecursionError):
        return None
    if type(arr) is not list:
        return None
    q_parts = rp.q_parts or ()
    keys = dict.fromkeys(q_parts, 0)
    keys.update(dict.fromkeys(sub, 0))
    out: list[str] = []
    single = sub[0] if len(sub) == 1 else None
    eq = rp.q_value if rp.q_op == "=" and rp.q_value[:1] != "~" else None
    for v in arr:
        if type(v) is not dict and type(v) is not list:
            if rp.q_on:
                return None  # primitives keep Go's own string/number decoding
            continue  # Go's `get` on a number/literal finds nothing; a string may: bail below
        if rp.q_on:
            w = _walk_value(v, q_parts, keys)
            if not (
                w == eq if eq is not None and type(w) is str else query_matches(rp, _as_result(w))
            ):
                _walk_value(v, sub, keys)  # every element's steps count (see _keys_exact)
                continue
        if single is not None and type(v) is dict:  # `#.key`: the common case, inline
            x = v.get(single, _MISSING)
            if x is _MISSING:
                continue
            keys[single] += 1
            if type(x) is str and _SAFE_STR.fullmatch(x) is not None:
                out.append('"' + x + '"')
                continue
            got = _leaf_raw(x, keys)
        else:
            got = _plain_raw(v, s, i, close, sub, keys)
        if got is None:
            return None
        if got:
            out.append(got)
    if rp.alogok and any(type(v) is str for v in arr):
        return None
    if not _keys_exact(s, i, close, keys):
        return None
    if rp.alogok:
        c.value = Result(JSON, "[" + ",".join(out) + "]")
        return close, True
    if not c.value.exists:  # `#(..)#.path`, as at the end of Go's loop
        c.value = Result(JSON, "[" + ",".join(out) + "]")
    return close, False


def _query_fast(
    c: _Ctx,
    s: str,
    i: int,
    rp: ArrayPath,
    multires: list[str],
    proc_query: Callable[[Result, Result | None], bool],
    careful: bool,
) -> object:
    """`#(query)` over an array of objects/arrays (a primitive element returns None: Go's
    own string/number decoding decides those). A plain query path is read from the parsed
    element; a plain path after the query (`#(..)#.id`) from the parsed match when exact.

    json's dicts keep the last of duplicate keys, Go the first. `careful` checks each element
    for a possible duplicate; otherwise the dict steps taken are counted and checked once
    against the text (`_keys_exact`), and `_RETRY` asks for the careful pass when unsure."""
    q_parts = rp.q_parts
    eq = rp.q_value if rp.q_op == "=" and rp.q_value[:1] != "~" else None
    sub: tuple[str, ...] | None = None
    if rp.more and _PLAIN_KEY.fullmatch(rp.path):
        sub = tuple(rp.path.split("."))
    keys: dict[str, int] | None = None
    if not careful:
        keys = dict.fromkeys(q_parts or (), 0)
        if sub is not None and rp.q_all:
            keys.update(dict.fromkeys(sub, 0))
    scan = _scan_once
    nxt = _NEXT_ELEMENT.match
    n = len(s)
    j = _LEAD_WS.match(s, i).end()  # type: ignore[union-attr]  # always matches
    close = j + 1 if s.startswith("]", j) else -1
    while close < 0:
        if j >= n or s[j] not in "{[":
            return None
        try:
            v, end = scan(s, j)
        except (StopIteration, ValueError, RecursionError):
            return None
        m = nxt(s, end)
        if m is None:
            return None
        if q_parts is None:
            if proc_query(Result(JSON, s[j:end]), None):
                return end, True
        else:
            if keys is not None:
                w = _walk_value(v, q_parts, keys)
            elif _dup_safe(s, j, end, q_parts):
                w = _walk_value(v, q_parts)
            else:
                w = _walk_value(_scan_first_wins(s, j)[0], q_parts)
            if w == eq if eq is not None and type(w) is str else query_matches(rp, _as_result(w)):
                if rp.q_all:  # the whole array is checked at its end
                    if sub is None:
                        proc_query(Result(JSON, s[j:end]), _as_result(w))
                    else:
                        got = _plain_raw(v, s, j, end, sub, keys)
                        if got is None:
                            res = get(s[j:end], rp.path)
                            got = res.raw or res.text
                        if got:
                            multires.append(got)
                else:
                    if keys is not None and not _keys_exact(s, i, end, keys):
                        return _RETRY
                    if sub is None:
                        if proc_query(Result(JSON, s[j:end]), _as_result(w)):
                            return end, True
                    else:
                        c.value = get(s[j:end], rp.path)
                        return end, True
            elif keys is not None and sub is not None and rp.q_all:
                _walk_value(v, sub, keys)  # every element's steps count (see _keys_exact)
        if m.group(1) == "]":
            close = m.start(1) + 1
        else:
            j = m.end()
    if keys is not None and not _keys_exact(s, i, close, keys):
        return _RETRY
    if not c.value.exists:
        if multires:
            c.value = Result(JSON, "[" + ",".join(multires) + "]")
        elif rp.q_all:
            c.value = Result(JSON, "[]")
    return close, False


def _alog_fast(c: _Ctx, s: str, i: int, rp: ArrayPath, careful: bool) -> object:
    """`#.path` (Go's `_alog_result`) over a well-formed array: a plain path is read from each
    parsed element when that settles the raw text exactly, else by the scanner. Returns
    (end, True), None for Go's loop, or `_RETRY` (see `_query_fast`) for the careful pass."""
    key = rp.alogkey
    pipe: tuple[str, str] | None = None
    plain: tuple[str, ...] | None = None
    keys: dict[str, int] | None = None
    if _PLAIN_KEY.fullmatch(key):
        plain = tuple(key.split("."))
        if not careful:
            keys = dict.fromkeys(plain, 0)
    else:
        pipe = split_possible_pipe(key)
        if pipe is not None:
            key = pipe[0]
    parts: list[str] = []
    scan = _scan_once
    nxt = _NEXT_ELEMENT.match
    n = len(s)
    j = _LEAD_WS.match(s, i).end()  # type: ignore[union-attr]  # always matches
    close = j + 1 if s.startswith("]", j) else -1
    while close < 0:
        if j >= n or s[j] not in _ELEMENT_START:
            return None
        try:
            v, end = scan(s, j)
        except (StopIteration, ValueError, RecursionError):
            return None
        if type(v) is float and not math.isfinite(v):
            return None
        m = nxt(s, end)
        if m is None:
            return None
        got = None
        if plain is not None and (type(v) is dict or type(v) is list):
            got = _plain_raw(v, s, j, end, plain, keys)
        if got is None:
            res = get(s[j:end], key)
            if res.exists:
                parts.append(res.raw or res.text)
        elif got:
            parts.append(got)
        if m.group(1) == "]":
            close = m.start(1) + 1
        else:
            j = m.end()
    if keys is not None and not _keys_exact(s, i, close, keys):
        return _RETRY
    if pipe is not None:
        c.pipe = pipe[1]
        c.piped = True
    c.value = Result(JSON, "[" + ",".join(parts) + "]")
    return close, True


def _dup_safe(s: str, start: int, end: int, parts: tuple[str, ...]) -> bool:
    """True when no object in the element `s[start:end]` can hold two keys equal to a path
    part, so json's last-key-wins dicts answer as Go's first-key-wins scan does: each part's
    quoted text occurs at most once and no \\u escape could spell it otherwise (parts are
    plain names)."""
    if s.find("\\u", start, end) >= 0:
        return False
    for p in parts:  # noqa: SIM110  # a plain loop: no generator per element
        if s.count('"' + p + '"', start, end) > 1:
            return False
    return True


_RETRY = object()


def _keys_exact(s: str, start: int, end: int, keys: dict[str, int]) -> bool:
    """True when the dict steps counted in `keys` (name -> objects stepped through by that
    key) account for every quoted occurrence of the names in `s[start:end]`, with no \\u or
    \\/ escape that could spell a name or a string differently: then every object stepped
    through held the key once, so json's last-key-wins dicts answered as Go does, and each
    string read was written without escapes."""
    backslashes = s.count("\\", start, end)  # fast (one character); usually all \"
    escapes = backslashes and backslashes != s.count('\\"', start, end)
    if escapes and (s.find("\\u", start, end) >= 0 or s.find("\\/", start, end) >= 0):
        return False
    for p, k in keys.items():
        if not p:  # a 0 was read as "0": no number in the text may be -0
            if _MINUS_ZERO.search(s, start, end) is not None:
                return False
        elif k and s.count('"' + p + '"', start, end) != k:  # k == 0: no object relied on
            return False
    return True


# a number -0 (after ':', ',', '[' or a space), not "-0" inside a word; the leading
# literal lets the regex engine search fast
_MINUS_ZERO = re.compile(r"-0(?![0-9.eE])(?<=[:,\[ \t\r\n]-0)")


_SAFE_STR = re.compile(r'[^"\\\x00-\x1f]*+')


def _plain_raw(
    v: Any, s: str, start: int, end: int, parts: tuple[str, ...], keys: dict[str, int] | None
) -> str | None:
    """The raw text Go finds at the plain path `parts` in the element `s[start:end]` (json
    value `v`): "" when missing, None when only the exact scan can tell (floats, containers,
    strings that may have been written with escapes, possible duplicate keys). With `keys`
    the duplicate and escape checks are left to `_keys_exact` over the whole array."""
    if keys is None:
        if not _dup_safe(s, start, end, parts):
            return None
        v = _walk_value(v, parts)
    else:
        v = _walk_value(v, parts, keys)
    if v is _MISSING:
        return ""
    if isinstance(v, str) and keys is None and s.find("\\/", start, end) >= 0:
        return None
    return _leaf_raw(v, keys)


def _leaf_raw(v: Any, keys: dict[str, int] | None) -> str | None:
    """The raw text of a parsed leaf when it has one spelling (see `_plain_raw`)."""
    if isinstance(v, str):
        if _SAFE_STR.fullmatch(v) is None:
            return None
        return '"' + v + '"'
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if type(v) is int:  # JSON integers have one spelling, except 0 / -0
        if v:
            return str(v)
        if keys is not None:
            keys[""] = 1  # `_keys_exact` rules out a -0 in the text
            return "0"
    return None


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k not in out:
            out[k] = v
    return out


_scan_first_wins: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]  # C scanner, undeclared in typeshed
    object_pairs_hook=_first_wins
).scan_once


_MISSING = object()


def _walk_value(obj: Any, parts: tuple[str, ...], keys: dict[str, int] | None = None) -> Any:
    """The parsed value at a plain path inside a parsed element (`_MISSING` when absent);
    each step through an object by key `p` adds 1 to `keys[p]` when `keys` is given."""
    for part in parts:
        if type(obj) is dict:
            obj = obj.get(part, _MISSING)
            if obj is _MISSING:
                return obj
            if keys is not None:
                keys[part] += 1
        elif type(obj) is list and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return _MISSING
    return obj


def _as_result(obj: Any) -> Result:
    """A parsed query value as a comparable Result."""
    if obj is _MISSING:
        return Result()
    if isinstance(obj, str):
        return Result(STRING, '""', obj)
    if obj is True:
        return Result(TRUE, "true")
    if obj is False:
        return Result(FALSE, "false")
    if obj is None:
        return Result(NULL, "null")
    if isinstance(obj, int | float):
        try:
            num = float(obj)
        except OverflowError:  # a huge integer: Go's ParseFloat gives ±Inf
            num = math.inf if obj > 0 else -math.inf
        return Result(NUMBER, "0", num=num)
    return Result(JSON, "{}")


def _alog_result(c: _Ctx, rp: ArrayPath, alog: list[int], raws: list[str]) -> None:
    s = c.json
    key = rp.alogkey
    split = split_possible_pipe(key)
    if split is not None:
        key = split[0]
        c.pipe = split[1]
        c.piped = True
    parts: list[str] = []
    n = len(s)
    last = alog[-1]
    while last < n and s[last] in " \t\r\n":
        last += 1
    if last >= n or s[last] == "]":
        # the usual case: each element was seen once while skipping it
        for raw in raws:
            sub = get(raw, key)
            if sub.exists:
                parts.append(sub.raw or sub.text)
        c.value = Result(JSON, "[" + ",".join(parts) + "]")
        return
    # Go re-reads each element from its recorded start; after a trailing comma that
    # re-read runs past the ']' (a quirk we keep), so do exactly the same here
    for idx in alog:
        while idx < n and s[idx] in " \t\r\n":
            idx += 1
        if idx < n and s[idx] != "]":
            _, res = parse_any(s, idx)
            if res is not None:
                sub = get(res.raw, key)
                if sub.exists:
                    parts.append(sub.raw or sub.text)
    c.value = Result(JSON, "[" + ",".join(parts) + "]")


def _exec_static(path: str) -> tuple[str, str] | None:
    name = path[1:]
    if name and name[0] in '{["+-0123456789':
        # Go's parseSquash: the lead character opens depth 1, whatever it is
        res = parse_squash(name, 0)[1] if name[0] in "{[" else squash_from_lead(name)
        return name[len(res) :], res
    path_out = ""
    for i in range(1, len(path)):
        if path[i] in "|.":
            path_out = path[i:]
            name = path[1:i]
            break
    if name.lower() in ("true", "false", "null", "nan", "inf"):
        return path_out, name
    return None


def split_modifier(path: str) -> tuple[str, str, str]:
    """Split `@name:args rest` (path starts with '@') into (name, args, rest) like gjson."""
    name = path[1:]
    path_out = ""
    has_args = False
    for i in range(1, len(path)):
        ch = path[i]
        if ch == ":":
            path_out = path[i + 1 :]
            name = path[1:i]
            has_args = len(path_out) > 0
            break
        if ch in "|.":
            path_out = path[i:]
            name = path[1:i]
            break
    args = ""
    if has_args:
        if path_out[0] in '{["' and parse(path_out).exists:
            args = squash(path_out)
            path_out = path_out[len(args) :]
        else:
            i = 0
            while i < len(path_out):
                ch = path_out[i]
                if ch == "|":
                    break
                if ch in '{["(':
                    i += len(squash(path_out[i:])) - 1
                i += 1
            args = path_out[:i]
            path_out = path_out[i:]
    return name, args, path_out


def _exec_modifier(s: str, path: str) -> tuple[str, str] | None:
    name, args, path_out = split_modifier(path)
    fn = MODIFIERS.get(name)
    if fn is None:
        return None
    return path_out, fn(s, args)


def exec_static(path: str) -> tuple[str, str] | None:
    """A `!literal` path (starts with '!'): (rest of the path, literal JSON) or None."""
    return _exec_static(path)


def _parse_sub_selectors(path: str) -> tuple[list[tuple[str, str]], str] | None:
    sels: list[tuple[str, str]] = []
    modifier = 0
    depth = 1
    colon = 0
    start = 1
    i = 1
    n = len(path)

    def push() -> None:
        nonlocal colon, modifier, start
        if colon == 0:
            sels.append(("", path[start:i]))
        else:
            sels.append((path[start:colon], path[colon + 1 : i]))
        colon = 0
        modifier = 0
        start = i + 1

    while i < n:
        ch = path[i]
        if ch == "\\":
            i += 1
        elif ch == "@":
            if modifier == 0 and i > 0 and path[i - 1] in ".|":
                modifier = i
        elif ch == ":":
            if modifier == 0 and colon == 0 and depth == 1:
                colon = i
        elif ch == ",":
            if depth == 1:
                push()
        elif ch == '"':
            i += 1
            while i < n:
                if path[i] == "\\":
                    i += 1
                elif path[i] == '"':
                    break
                i += 1
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
            if depth == 0:
                push()
                return sels, path[i + 1 :]
        i += 1
    return None


def _name_of_last(path: str) -> str:
    for i in range(len(path) - 1, -1, -1):
        if path[i] in "|.":
            if i > 0 and path[i - 1] == "\\":
                continue
            return path[i + 1 :]
    return path


def _is_simple_name(component: str) -> bool:
    return not any(ch < " " or ch in "[]{}()#|!" for ch in component)


def get(s: str, path: str) -> Result:  # a faithful port of one Go function
    """GJSON `Get` over the raw text `s`."""
    if len(path) > 1:
        p0 = path[0]
        if p0 in "@!":
            ex = _exec_modifier(s, path) if p0 == "@" else _exec_static(path)
            if ex is not None:
                npath, rjson = ex
                if npath[:1] in ("|", "."):
                    return get(rjson, npath[1:])
                return parse(rjson)
        if p0 in "[{":
            sub = _parse_sub_selectors(path)
            if sub is not None:
                sels, rest = sub
                if rest == "" or rest[0] in "|.":
                    out: list[str] = []
                    for name, spath in sels:
                        res = get(s, spath)
                        if not res.exists:
                            continue
                        raw = res.raw or res.text or "null"
                        if p0 == "{":
                            if name:
                                if name[0] == '"' and valid(name):
                                    key = name
                                else:
                                    key = append_json_string(name)
                            else:
                                last = _name_of_last(spath)
                                key = append_json_string(last if _is_simple_name(last) else "_")
                            out.append(key + ":" + raw)
                        else:
                            out.append(raw)
                    close = "}" if p0 == "{" else "]"
                    result = Result(JSON, p0 + ",".join(out) + close)
                    if rest:
                        result = get(result.raw, rest[1:])
                    return result
                # Go quirk: a selector list followed by anything else leaves only the rest
                path = rest
    c = _Ctx(s)
    if path[:2] == "..":
        _parse_array(c, 0, path[2:])
    else:
        m = _FIRST_CONTAINER.search(s)
        if m is not None:
            i = m.start()
            if s[i] == "{":
                _parse_object(c, i + 1, path)
            else:
                _parse_array(c, i + 1, path)
    if c.piped:
        return get(c.value.raw, c.pipe)
    return c.value
