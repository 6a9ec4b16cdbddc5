"""GJSON fast paths: well-formed arrays and members split by json's C scanner.

Python cannot walk text character by character fast, so `_gjson_scan` (the port of Go's
scanner) hands these helpers the cases where json's C scanner provably finds what Go's loop
would: well-formed arrays are split one element per scanner call (`skip_elements`,
`array_fast`), plain paths are read from parsed values where that gives Go's exact answer
(first of duplicate keys, raw text of escaped strings and -0 are checked against the text).
Each helper returns None (nothing changed) when Go's own loop must run instead.
tests/expressions/test_gjson_fast.py compares both on tricky texts.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from typing import Any, Protocol

from ringdesk.expressions._gjson_path import ArrayPath, query_matches, split_possible_pipe
from ringdesk.expressions._gjson_text import (
    FALSE,
    JSON,
    NULL,
    NUMBER,
    STRING,
    TRUE,
    Result,
)
from ringdesk.expressions._gjson_text import (
    scan_once as _scan_once,
)

__all__ = [
    "MEMBER",
    "Ctx",
    "array_fast",
    "as_result",
    "scan_first_wins",
    "skip_elements",
    "walk_value",
]

Getter = Callable[[str, str], Result]


class Ctx(Protocol):
    """What the fast paths read and set of the scanner's per-`get` context."""

    value: Result
    pipe: str
    piped: bool


# one well-formed object member (key, then a scalar or the opening bracket of a container),
# so `_parse_object` skips a member whose key does not match in one regex step
MEMBER = re.compile(
    r'[ \t\r\n,]*+"((?:[^"\\]|\\.)*+)"[ \t\r\n]*+:[ \t\r\n]*+'
    r'(?:"(?:[^"\\]|\\.)*+"|-?[0-9][0-9.eE+\-]*+|true|false|null|([\[{]))'
    r"(?(2)|(?=[ \t\r\n,}\]]))",
    re.DOTALL,
)


_LEAD_WS = re.compile(r"[ \t\r\n]*+")
_NEXT_ELEMENT = re.compile(r"[ \t\r\n]*+([,\]])[ \t\r\n]*+")
_ELEMENT_START = frozenset('{["tfn-0123456789')


def skip_elements(s: str, i: int, count: int) -> tuple[int, int, int]:
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


def array_fast(
    c: Ctx,
    s: str,
    i: int,
    rp: ArrayPath,
    state: dict[str, ArrayPath],
    multires: list[str],
    proc_query: Callable[[Result, Result | None], bool],
    get: Getter,
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
            out = _query_fast(c, s, i, rp, multires, proc_query, careful, get)
            if out is None or out is _RETRY:
                c.pipe, c.piped, c.value = saved
                multires.clear()
                state["rp"] = rp
            if out is not _RETRY:
                return out  # type: ignore[return-value]  # not _RETRY
        return None
    if rp.alogok:
        out = _alog_fast(c, s, i, rp, False, get)
        if out is _RETRY:
            out = _alog_fast(c, s, i, rp, True, get)
        return out  # type: ignore[return-value]  # not _RETRY
    if i > 0 and s[i - 1] == "[":
        arr = None
        with contextlib.suppress(StopIteration, ValueError, RecursionError):
            arr, end = _scan_once(s, i - 1)  # a strict JSON array: the count is its length
        if type(arr) is list:
            c.value = Result(NUMBER, str(len(arr)), num=float(len(arr)))
            return end, True
    return None


def _whole_fast(c: Ctx, s: str, i: int, rp: ArrayPath) -> tuple[int, bool] | None:
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
            w = walk_value(v, q_parts, keys)
            if not (
                w == eq if eq is not None and type(w) is str else query_matches(rp, as_result(w))
            ):
                walk_value(v, sub, keys)  # every element's steps count (see _keys_exact)
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
    c: Ctx,
    s: str,
    i: int,
    rp: ArrayPath,
    multires: list[str],
    proc_query: Callable[[Result, Result | None], bool],
    careful: bool,
    get: Getter,
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
                w = walk_value(v, q_parts, keys)
            elif _dup_safe(s, j, end, q_parts):
                w = walk_value(v, q_parts)
            else:
                w = walk_value(scan_first_wins(s, j)[0], q_parts)
            if w == eq if eq is not None and type(w) is str else query_matches(rp, as_result(w)):
                if rp.q_all:  # the whole array is checked at its end
                    if sub is None:
                        proc_query(Result(JSON, s[j:end]), as_result(w))
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
                        if proc_query(Result(JSON, s[j:end]), as_result(w)):
                            return end, True
                    else:
                        c.value = get(s[j:end], rp.path)
                        return end, True
            elif keys is not None and sub is not None and rp.q_all:
                walk_value(v, sub, keys)  # every element's steps count (see _keys_exact)
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


def _alog_fast(c: Ctx, s: str, i: int, rp: ArrayPath, careful: bool, get: Getter) -> object:
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
        v = walk_value(v, parts)
    else:
        v = walk_value(v, parts, keys)
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


scan_first_wins: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]  # C scanner, undeclared in typeshed
    object_pairs_hook=_first_wins
).scan_once


_MISSING = object()


def walk_value(obj: Any, parts: tuple[str, ...], keys: dict[str, int] | None = None) -> Any:
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


def as_result(obj: Any) -> Result:
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
