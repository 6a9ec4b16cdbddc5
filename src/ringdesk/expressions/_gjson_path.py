"""GJSON path components: splitting a path into object/array steps, queries and pipes.

Ported from tidwall/gjson (`parseObjectPath`, `parseArrayPath`, `parseQuery`, ...) plus the
wildcard matcher of tidwall/match and the query comparison rules. Parsed steps are cached.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ringdesk.expressions._gjson_text import (
    FALSE,
    NULL,
    NUMBER,
    STRING,
    TRUE,
    Result,
    parse_bool,
    parse_float,
    squash,
    trim,
    unescape,
)

__all__ = [
    "MODIFIERS",
    "ArrayPath",
    "ObjectPath",
    "match",
    "parse_array_path",
    "parse_object_path",
    "parse_query",
    "query_matches",
    "split_possible_pipe",
]

# a query path of plain keys/indexes, evaluated on the parsed element (see _gjson_scan)
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")

#: name -> fn(json, arg) -> json; filled by `_gjson_modifiers` at import time.
MODIFIERS: dict[str, Callable[[str, str], str]] = {}


class ObjectPath:
    __slots__ = ("more", "part", "path", "pipe", "piped", "wild")

    def __init__(self) -> None:
        self.part = ""
        self.path = ""
        self.pipe = ""
        self.piped = False
        self.wild = False
        self.more = False


def _is_dot_piper_char(s: str) -> bool:
    c = s[0]
    if c == "@":
        i = 1
        while i < len(s) and s[i] not in ".|:":
            i += 1
        return s[1:i] in MODIFIERS
    return c in "[{"


@functools.lru_cache(maxsize=4096)
def parse_object_path(path: str) -> ObjectPath:
    r = ObjectPath()
    n = len(path)
    i = 0
    while i < n:
        c = path[i]
        if c == "|":
            r.part, r.pipe, r.piped = path[:i], path[i + 1 :], True
            return r
        if c == ".":
            r.part = path[:i]
            if i < n - 1 and _is_dot_piper_char(path[i + 1 :]):
                r.pipe, r.piped = path[i + 1 :], True
            else:
                r.path, r.more = path[i + 1 :], True
            return r
        if c in "*?":
            r.wild = True
            i += 1
            continue
        if c == "\\":
            epart = [path[:i]]
            i += 1
            if i < n:
                epart.append(path[i])
                i += 1
                while i < n:
                    c = path[i]
                    if c == "\\":
                        i += 1
                        if i < n:
                            epart.append(path[i])
                        i += 1
                        continue
                    if c == ".":
                        r.part = "".join(epart)
                        if i < n - 1 and _is_dot_piper_char(path[i + 1 :]):
                            r.pipe, r.piped = path[i + 1 :], True
                        else:
                            r.path, r.more = path[i + 1 :], True
                        return r
                    if c == "|":
                        r.part, r.pipe, r.piped = "".join(epart), path[i + 1 :], True
                        return r
                    if c in "*?":
                        r.wild = True
                    epart.append(c)
                    i += 1
            r.part = "".join(epart)
            return r
        i += 1
    r.part = path
    return r


class ArrayPath:
    __slots__ = (
        "alogkey",
        "alogok",
        "arrch",
        "more",
        "part",
        "path",
        "pipe",
        "piped",
        "q_all",
        "q_on",
        "q_op",
        "q_parts",
        "q_path",
        "q_value",
    )

    def __init__(self) -> None:
        self.part = ""
        self.path = ""
        self.pipe = ""
        self.piped = False
        self.more = False
        self.alogok = False
        self.arrch = False
        self.alogkey = ""
        self.q_on = False
        self.q_all = False
        self.q_path = ""
        self.q_parts: tuple[str, ...] | None = None
        self.q_op = ""
        self.q_value = ""

    def copy(self) -> ArrayPath:
        c = ArrayPath()
        for name in self.__slots__:
            setattr(c, name, getattr(self, name))
        return c


@functools.lru_cache(maxsize=4096)
def parse_array_path(path: str) -> ArrayPath:
    r = ArrayPath()
    n = len(path)
    i = 0
    while i < n:
        c = path[i]
        if c == "|":
            r.part, r.pipe, r.piped = path[:i], path[i + 1 :], True
            return r
        if c == ".":
            r.part = path[:i]
            if not r.arrch and i < n - 1 and _is_dot_piper_char(path[i + 1 :]):
                r.pipe, r.piped = path[i + 1 :], True
            else:
                r.path, r.more = path[i + 1 :], True
            return r
        if c == "#":
            r.arrch = True
            if i == 0 and n > 1:
                if path[1] == ".":
                    r.alogok = True
                    r.alogkey = path[2:]
                    r.path = path[:1]
                elif path[1] in "[(":
                    r.q_on = True
                    q = parse_query(path[i:])
                    if q is None:
                        break
                    qpath, op, value, _, fi, vesc, _ = q
                    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                        value = value[1:-1]
                        if vesc:
                            value = unescape(value)
                    r.q_path, r.q_op, r.q_value = qpath, op, value
                    if _PLAIN_PATH.fullmatch(qpath):
                        r.q_parts = tuple(qpath.split("."))
                    i = fi - 1
                    if i + 1 < n and path[i + 1] == "#":
                        r.q_all = True
            i += 1
            continue
        i += 1
    r.part = path
    r.path = ""
    return r


def parse_query(query: str) -> tuple[str, str, str, str, int, bool, int] | None:
    """Split `#(path op value)rest` into (path, op, value, rest, end, value escaped, op index)."""
    if len(query) < 2 or query[0] != "#" or query[1] not in "([":
        return None
    i = 2
    j = 0
    depth = 1
    vesc = False
    n = len(query)
    while i < n:
        c = query[i]
        if depth == 1 and j == 0 and c in "!=<>%":
            j = i
            i += 1
            continue
        if c == "\\":
            i += 1
        elif c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0:
                break
        elif c == '"':
            i += 1
            while i < n:
                if query[i] == "\\":
                    vesc = True
                    i += 1
                elif query[i] == '"':
                    break
                i += 1
        i += 1
    if depth > 0:
        return None
    if j > 0:
        path = trim(query[2:j])
        value = trim(query[j:i])
        remain = query[i + 1 :]
        opsz = 0
        two = value[:2]
        if len(value) == 1:
            opsz = 1
        elif two in ("!=", "!%", "<=", ">="):
            opsz = 2
        elif two == "==":
            value = value[1:]
            opsz = 1
        elif value[0] in "<>=%":
            opsz = 1
        op = value[:opsz]
        value = trim(value[opsz:])
    else:
        path = trim(query[2:i])
        remain = query[i + 1 :]
        op = value = ""
    return path, op, value, remain, i + 1, vesc, j


def split_possible_pipe(path: str) -> tuple[str, str] | None:
    if "|" not in path:
        return None
    if path[:1] == "{":
        sq = squash(path[1:])
        if len(sq) < len(path) - 1:
            sq = path[: len(sq) + 1]
            remain = path[len(sq) :]
            if remain[0] == "|":
                return sq, remain[1:]
        return None
    n = len(path)
    i = 0
    while i < n:
        c = path[i]
        if c == "\\":
            i += 1
        elif c == ".":
            if i == n - 1:
                return None
            if path[i + 1] == "#":
                i += 2
                if i == n:
                    return None
                if path[i] in "[(":
                    start, end = ("[", "]") if path[i] == "[" else ("(", ")")
                    i += 1
                    depth = 1
                    while i < n:
                        c = path[i]
                        if c == "\\":
                            i += 1
                        elif c == start:
                            depth += 1
                        elif c == end:
                            depth -= 1
                            if depth == 0:
                                break
                        elif c == '"':
                            i += 1
                            while i < n:
                                if path[i] == "\\":
                                    i += 1
                                elif path[i] == '"':
                                    break
                                i += 1
                        i += 1
        elif c == "|":
            return path[:i], path[i + 1 :]
        i += 1
    return None


# ---------------------------------------------------------------------------------------------
# matching


_STAR = object()
_ANY = object()
_Token = object | str


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> tuple[tuple[_Token, ...], re.Pattern[str] | None] | None:
    """Tokens of a tidwall/match pattern (None: a dangling escape never matches), plus a
    regex when it has at most one '*' (regex backtracking is linear then)."""
    tokens: list[_Token] = []
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if not tokens or tokens[-1] is not _STAR:
                tokens.append(_STAR)
                out.append(".*")
        elif c == "?":
            tokens.append(_ANY)
            out.append(".")
        else:
            if c == "\\":
                i += 1
                if i == n:
                    return None
                c = pattern[i]
            tokens.append(c)
            out.append(re.escape(c))
        i += 1
    regex = re.compile("".join(out), re.DOTALL) if tokens.count(_STAR) <= 1 else None
    return tuple(tokens), regex


def match(s: str, pattern: str) -> bool:
    """tidwall/match: `*` any run, `?` any one character, `\\` escapes the next one.

    Patterns come from templates, so the matcher is O(len(s) * len(pattern)) whatever the
    pattern (no regex backtracking blow-up; Go bounds its matcher the same way).
    """
    glob = _glob(pattern)
    if glob is None:
        return False
    tokens, regex = glob
    if regex is not None:
        return regex.fullmatch(s) is not None
    si = ti = 0
    star = -1
    mark = 0
    n, m = len(s), len(tokens)
    while si < n:
        if ti < m and tokens[ti] is not _STAR and (tokens[ti] is _ANY or tokens[ti] == s[si]):
            si += 1
            ti += 1
        elif ti < m and tokens[ti] is _STAR:
            star, mark = ti, si
            ti += 1
        elif star >= 0:
            ti = star + 1
            mark += 1
            si = mark
        else:
            return False
    while ti < m and tokens[ti] is _STAR:
        ti += 1
    return ti == m


def query_matches(rp: ArrayPath, value: Result) -> bool:
    rpv = rp.q_value
    if rpv[:1] == "~":
        rpv = rpv[1:]
        ish: bool | None = None
        if rpv == "*":
            ish = value.exists
        elif rpv == "null":
            ish = value.type == NULL
        elif rpv == "true":
            ish = _trueish(value)
        elif rpv == "false":
            ish = _falseish(value)
        if ish is not None:
            rpv = "true"
            value = Result(TRUE) if ish else Result(FALSE)
        else:
            rpv = ""
            value = Result()
    if not value.exists:
        return False
    op = rp.q_op
    if op == "":
        return True
    t = value.type
    if t == STRING:
        v = value.str
        if op == "=":
            return v == rpv
        if op == "!=":
            return v != rpv
        if op == "<":
            return _go_less(v, rpv)
        if op == "<=":
            return v == rpv or _go_less(v, rpv)
        if op == ">":
            return _go_less(rpv, v)
        if op == ">=":
            return v == rpv or _go_less(rpv, v)
        if op == "%":
            return match(v, rpv)
        if op == "!%":
            return not match(v, rpv)
        return False
    if t == NUMBER:
        x = value.num
        y = parse_float(rpv)
        if op == "=":
            return x == y
        if op == "!=":
            return x != y
        if op == "<":
            return x < y
        if op == "<=":
            return x <= y
        if op == ">":
            return x > y
        if op == ">=":
            return x >= y
        return False
    if t == TRUE:
        return {"=": rpv == "true", "!=": rpv != "true", ">": rpv == "false", ">=": True}.get(
            op, False
        )
    if t == FALSE:
        return {"=": rpv == "false", "!=": rpv != "false", "<": rpv == "true", "<=": True}.get(
            op, False
        )
    return False


def _go_less(a: str, b: str) -> bool:
    # Go compares strings bytewise (UTF-8); code-point order is the same except surrogates.
    return a < b


def _trueish(t: Result) -> bool:
    if t.type == TRUE:
        return True
    if t.type == STRING:
        return parse_bool(t.str.lower()) is True
    if t.type == NUMBER:
        return t.num != 0
    return False


def _falseish(t: Result) -> bool:
    if t.type in (NULL, FALSE):
        return True
    if t.type == STRING:
        return parse_bool(t.str.lower()) is False
    if t.type == NUMBER:
        return t.num == 0
    return False
