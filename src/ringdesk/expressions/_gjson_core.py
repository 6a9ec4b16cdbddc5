"""GJSON evaluation core: a scanner over the raw JSON text, ported from tidwall/gjson.

The scanner never parses a whole document: it walks the text the way the Go implementation
does and slices the raw text of the match, so `Result.raw` is exactly the document's text.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

__all__ = [
    "FALSE",
    "JSON",
    "MODIFIERS",
    "NULL",
    "NUMBER",
    "STRING",
    "TRUE",
    "Result",
    "append_json_string",
    "for_each",
    "get",
    "parse",
    "squash",
    "unescape",
    "unwrap",
    "valid",
]

NULL, FALSE, NUMBER, STRING, TRUE, JSON = range(6)

#: name -> fn(json, arg) -> json; filled by `_gjson_modifiers` at import time.
MODIFIERS: dict[str, Callable[[str, str], str]] = {}

_NUM_START = frozenset("+-0123456789iIN")
_STR_END = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SQ_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}()]', re.DOTALL)
_NUM_END = re.compile(r"[\x00-\x20,\]}]")
_LIT_END = re.compile(r"[^a-z]")
_KEY_OR_CLOSE = re.compile(r'["}]')
_OBJ_VALUE = re.compile(r'["{\[ntf+\-0-9iIN]')
_ARR_VALUE = re.compile(r'["{\[\]ntf+\-0-9iIN]')
_INT_RE = re.compile(r"-?[0-9]+")
_FIRST_CONTAINER = re.compile(r"[{\[]")
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # C scanner, undeclared in typeshed


class Result:
    """One GJSON match: `raw` JSON text ("" when missing), `text` (GJSON String()), `value`."""

    __slots__ = ("num", "raw", "str", "type")

    def __init__(
        self, type: int = NULL, raw: str = "", str: str = "", num: float = 0.0
    ):  # mirrors the Go field names
        self.type = type
        self.raw = raw
        self.str = str
        self.num = num

    def __repr__(self) -> str:
        return f"Result(raw={self.raw!r})"

    @property
    def exists(self) -> bool:
        """True when the path matched something."""
        return self.type != NULL or len(self.raw) != 0

    @property
    def text(self) -> str:
        """GJSON `String()`: strings unquoted, numbers/literals as written, arrays/objects raw."""
        t = self.type
        if t == STRING:
            return self.str
        if t == JSON:
            return self.raw
        if t == NUMBER:
            raw = self.raw
            if not raw:
                return format_float(self.num)
            digits = raw[1:] if raw[0] == "-" else raw
            if digits.isascii() and (digits.isdigit() or not digits):
                return raw
            return format_float(self.num)
        if t == TRUE:
            return "true"
        if t == FALSE:
            return "false"
        return ""

    @property
    def value(self) -> Any:
        """The Python value: str, int/float, bool, None, list or dict (first key wins)."""
        t = self.type
        if t == STRING:
            return self.str
        if t == NUMBER:
            raw = self.raw
            if _INT_RE.fullmatch(raw):
                return int(raw)
            return self.num
        if t == TRUE:
            return True
        if t == FALSE:
            return False
        if t == JSON:
            return _json_value(self.raw)
        return None

    def is_array(self) -> bool:
        return self.type == JSON and self.raw[:1] == "["

    def is_object(self) -> bool:
        return self.type == JSON and self.raw[:1] == "{"

    def bool(self) -> bool:
        """GJSON `Bool()`."""
        t = self.type
        if t == TRUE:
            return True
        if t == STRING:
            return _parse_bool(self.str.lower()) is True
        if t == NUMBER:
            return self.num != 0
        return False

    def int(self) -> int:
        """GJSON `Int()` (simplified: truncates the float value)."""
        if self.type == TRUE:
            return 1
        if self.type == STRING:
            n = parse_float(self.str)
        elif self.type == NUMBER:
            n = self.num
        else:
            return 0
        if math.isnan(n) or math.isinf(n):
            return 0
        return int(n)

    def get(self, path: str) -> Result:
        return get(self.raw, path)


def _first_key_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _json_value(raw: str) -> Any:
    try:
        return json.loads(raw, object_pairs_hook=_first_key_wins)
    except (ValueError, RecursionError):
        return _lenient_value(raw)


def _lenient_value(raw: str) -> Any:
    """Port of GJSON's arrayOrMap(valueize) for JSON that `json.loads` refuses."""
    r = parse(raw)
    if r.is_object():
        out: dict[str, Any] = {}
        for k, v in for_each(r):
            out.setdefault(k.str, v.value)
        return out
    if r.is_array():
        return [v.value for _, v in for_each(r)]
    return None


def _parse_bool(s: str) -> bool | None:
    if s in ("1", "t", "true"):
        return True
    if s in ("0", "f", "false"):
        return False
    return None


def parse_float(s: str) -> float:
    """Go's strconv.ParseFloat with errors ignored (0 on syntax errors, ±Inf on range)."""
    if "_" in s or not s:
        return 0.0
    try:
        return float(s)
    except ValueError:
        try:
            return float.fromhex(s) if "0x" in s.lower() else 0.0
        except ValueError:
            return 0.0


def format_float(f: float) -> str:
    """Go's strconv.FormatFloat(f, 'f', -1, 64): shortest repr, never an exponent."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    if f == int(f) and abs(f) < 1e16:
        return str(int(f))
    s = format(Decimal(repr(f)), "f")
    return s


# ---------------------------------------------------------------------------------------------
# raw text scanning


def parse_string(s: str, i: int) -> tuple[int, str, bool, bool]:
    """`i` is just past the opening quote; returns (end, raw with quotes, escaped, ok)."""
    m = _STR_END.match(s, i)
    if m is None:
        return len(s), s[i - 1 :], False, False
    end = m.end()
    raw = s[i - 1 : end]
    return end, raw, "\\" in raw, True


def parse_number(s: str, i: int) -> tuple[int, str]:
    m = _NUM_END.search(s, i + 1)
    end = m.start() if m else len(s)
    return end, s[i:end]


def parse_literal(s: str, i: int) -> tuple[int, str]:
    m = _LIT_END.search(s, i + 1)
    end = m.start() if m else len(s)
    return end, s[i:end]


def parse_squash(s: str, i: int) -> tuple[int, str]:
    """Skip the value opening at `s[i]` ('[', '{' or '('); returns (end, raw)."""
    if s[i] != "(":
        try:
            _, end = _scan_once(s, i)
        except (StopIteration, ValueError, RecursionError):
            pass
        else:
            return end, s[i:end]
    depth = 0
    for m in _SQ_TOKEN.finditer(s, i):
        c = m.group()[0]
        if c == '"':
            continue
        if c in "[{(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                end = m.end()
                return end, s[i:end]
    return len(s), s[i:]


def squash(s: str) -> str:
    """Raw text of the leading value of `s` ('[', '{', '(' or '"')."""
    if not s:
        return s
    if s[0] == '"':
        return parse_string(s, 1)[1]
    return parse_squash(s, 0)[1]


def unescape(s: str) -> str:
    """GJSON's unescape: JSON escapes decoded; stops at a control char or a bad escape."""
    if "\\" not in s and not any(c < " " for c in s):
        return s
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c < " ":
            break
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        e = s[i]
        simple = _SIMPLE_ESCAPES.get(e)
        if simple is not None:
            out.append(simple)
            i += 1
            continue
        if e != "u" or i + 5 > n:
            break
        r = _hex4(s[i + 1 : i + 5])
        i += 5
        if 0xD800 <= r < 0xE000 and s[i : i + 2] == "\\u" and len(s) - i >= 6:
            r2 = _hex4(s[i + 2 : i + 6])
            i += 6
            if 0xD800 <= r < 0xDC00 and 0xDC00 <= r2 < 0xE000:
                r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00)
            else:
                r = 0xFFFD
        elif 0xD800 <= r < 0xE000:
            r = 0xFFFD
        out.append(chr(r))
    return "".join(out)


_SIMPLE_ESCAPES = {
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    '"': '"',
}


def _hex4(h: str) -> int:
    try:
        return int(h, 16) if len(h) == 4 and h.isascii() and h.isalnum() else 0
    except ValueError:
        return 0


def parse(s: str) -> Result:
    """GJSON `Parse`: the leading value of `s` (objects/arrays take the entire rest)."""
    for i, c in enumerate(s):
        if c in "{[":
            return Result(JSON, s[i:])
        if c <= " ":
            continue
        if c in _NUM_START:
            raw = _tonum(s, i)
            return Result(NUMBER, raw, num=parse_float(raw))
        if c == "n":
            if i + 1 < len(s) and s[i + 1] != "u":
                raw = _tonum(s, i)
                return Result(NUMBER, raw, num=parse_float(raw))
            return Result(NULL, parse_literal(s, i)[1])
        if c == "t":
            return Result(TRUE, parse_literal(s, i)[1])
        if c == "f":
            return Result(FALSE, parse_literal(s, i)[1])
        if c == '"':
            _, raw, esc, ok = parse_string(s, i + 1)
            inner = raw[1:-1] if ok else raw[1:]
            return Result(STRING, raw, unescape(inner) if esc else inner)
        return Result()
    return Result()


def _tonum(s: str, i: int) -> str:
    for j in range(i + 1, len(s)):
        c = s[j]
        if c <= "-":
            if c <= " " or c == ",":
                return s[i:j]
        elif c in "]}":
            return s[i:j]
    return s[i:]


def parse_any(s: str, i: int) -> tuple[int, Result | None]:
    """Next value at or after `i`; returns (end, result) or (i, None) when there is none."""
    n = len(s)
    while i < n:
        c = s[i]
        if c in "{[":
            end, raw = parse_squash(s, i)
            return end, Result(JSON, raw)
        if c <= " ":
            i += 1
            continue
        if c == '"':
            end, raw, esc, ok = parse_string(s, i + 1)
            if not ok:
                return end, None
            inner = raw[1:-1]
            return end, Result(STRING, raw, unescape(inner) if esc else inner)
        if c == "n" and not (i + 1 < n and s[i + 1] != "u"):
            end, raw = parse_literal(s, i)
            return end, Result(NULL, raw)
        if c in "tf":
            end, raw = parse_literal(s, i)
            return end, Result(TRUE if c == "t" else FALSE, raw)
        if c in _NUM_START or c == "n":
            end, raw = parse_number(s, i)
            return end, Result(NUMBER, raw, num=parse_float(raw))
        i += 1
    return i, None


def for_each(t: Result) -> Iterator[tuple[Result, Result]]:
    """GJSON `ForEach`: (key, value) pairs of an object, (index, value) of an array."""
    if not t.exists:
        return
    if t.type != JSON:
        yield Result(), t
        return
    s = t.raw
    n = len(s)
    i = 0
    obj = False
    while i < n:
        c = s[i]
        if c == "{":
            obj = True
            i += 1
            break
        if c == "[":
            i += 1
            break
        if c > " ":
            return
        i += 1
    idx = -1
    while i < n:
        if obj:
            if s[i] != '"':
                i += 1
                continue
            i, raw, esc, ok = parse_string(s, i + 1)
            if not ok:
                return
            inner = raw[1:-1]
            key = Result(STRING, raw, unescape(inner) if esc else inner)
        else:
            idx += 1
            key = Result(NUMBER, str(idx), num=float(idx))
        while i < n and (s[i] <= " " or s[i] in ",:"):
            i += 1
        i, value = parse_any(s, i)
        if value is None:
            return
        yield key, value
        # the Go loop increments i after each value (skipping the separator)
        i += 1


# ---------------------------------------------------------------------------------------------
# path components


class _ObjectPath:
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
def parse_object_path(path: str) -> _ObjectPath:
    r = _ObjectPath()
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


class _ArrayPath:
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
        self.q_op = ""
        self.q_value = ""

    def copy(self) -> _ArrayPath:
        c = _ArrayPath()
        for name in self.__slots__:
            setattr(c, name, getattr(self, name))
        return c


@functools.lru_cache(maxsize=4096)
def parse_array_path(path: str) -> _ArrayPath:
    r = _ArrayPath()
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
        path = _trim(query[2:j])
        value = _trim(query[j:i])
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
        value = _trim(value[opsz:])
    else:
        path = _trim(query[2:i])
        remain = query[i + 1 :]
        op = value = ""
    return path, op, value, remain, i + 1, vesc, j


def _trim(s: str) -> str:
    a = 0
    b = len(s)
    while a < b and s[a] <= " ":
        a += 1
    while b > a and s[b - 1] <= " ":
        b -= 1
    return s[a:b]


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


@functools.lru_cache(maxsize=1024)
def _wild_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def match(s: str, pattern: str) -> bool:
    """tidwall/match: `*` any run, `?` any one character, `\\` escapes."""
    return _wild_regex(pattern).fullmatch(s) is not None


def _query_matches(rp: _ArrayPath, value: Result) -> bool:
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
        return _parse_bool(t.str.lower()) is True
    if t.type == NUMBER:
        return t.num != 0
    return False


def _falseish(t: Result) -> bool:
    if t.type in (NULL, FALSE):
        return True
    if t.type == STRING:
        return _parse_bool(t.str.lower()) is False
    if t.type == NUMBER:
        return t.num == 0
    return False


# ---------------------------------------------------------------------------------------------
# the scanner


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
    while i < n:
        m = _KEY_OR_CLOSE.search(s, i)
        if m is None:
            return n, False
        i = m.start()
        if s[i] == "}":
            return i + 1, False
        km = _STR_END.match(s, i + 1)
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
    multires: list[str] = []
    alog: list[int] = []
    state = {"rp": rp}

    def proc_query(qval: Result) -> bool:
        rp_ = state["rp"]
        if qval.type == JSON:
            res = get(qval.raw, rp_.q_path)
        else:
            if rp_.q_path != "":
                return False
            res = qval
        if _query_matches(rp_, res):
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
                    i, val = parse_squash(s, i)
                    if rp.q_on:
                        if proc_query(Result(JSON, val)):
                            return i, True
                    elif hit:
                        if rp.alogok:
                            break
                        c.value = Result(JSON, val)
                        return i, True
            elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
                i, val = parse_literal(s, i)
                typ = TRUE if ch == "t" else FALSE if ch == "f" else NULL
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
                        _alog_result(c, rp, alog)
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


def _alog_result(c: _Ctx, rp: _ArrayPath, alog: list[int]) -> None:
    s = c.json
    key = rp.alogkey
    split = split_possible_pipe(key)
    if split is not None:
        key = split[0]
        c.pipe = split[1]
        c.piped = True
    parts: list[str] = []
    n = len(s)
    for idx in alog:
        while idx < n and s[idx] in " \t\r\n":
            idx += 1
        if idx < n and s[idx] != "]":
            _, res = parse_any(s, idx)
            if res is not None:
                sub = get(res.raw, key) if res.type == JSON else _get_scalar(res, key)
                if sub.exists:
                    parts.append(sub.raw or sub.text)
    c.value = Result(JSON, "[" + ",".join(parts) + "]")


def _get_scalar(res: Result, path: str) -> Result:
    return get(res.raw, path)


# ---------------------------------------------------------------------------------------------
# Get


def append_json_string(s: str) -> str:
    """GJSON AppendJSONString: JSON string with <, >, & and U+2028/9 escaped."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if o < 0x20:
            esc = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}.get(ch)
            out.append("\\" + esc if esc else f"\\u{o:04x}")
        elif ch in "<>&":
            out.append(f"\\u{o:04x}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch in "\u2028\u2029":
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o < 0xE000:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def valid(s: str) -> bool:
    """GJSON `Valid`: strict JSON (no NaN/Infinity)."""
    try:
        json.loads(s, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def unwrap(s: str) -> str:
    s = _trim(s)
    if len(s) >= 2 and s[0] in "[{":
        s = s[1:-1]
    return s


def _exec_static(path: str) -> tuple[str, str] | None:
    name = path[1:]
    if name and name[0] in '{["+-0123456789':
        if name[0] in "{[":
            res = parse_squash(name, 0)[1]
        elif name[0] == '"':
            res = squash(name)
        else:
            res = _squash_scalar(name)
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


def _squash_scalar(s: str) -> str:
    # Go's parseSquash on a number: no brackets, runs to the end of the text.
    depth = 1
    for i, ch in enumerate(s[1:], 1):
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
            if depth == 0:
                return s[: i + 1]
        elif ch == '"':
            pass
    return s


def _exec_modifier(s: str, path: str) -> tuple[str, str] | None:
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
    fn = MODIFIERS.get(name)
    if fn is None:
        return None
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
                    i += (
                        len(squash(path_out[i:]) if ch != "(" else parse_squash(path_out, i)[1]) - 1
                    )
                i += 1
            args = path_out[:i]
            path_out = path_out[i:]
    return path_out, fn(s, args)


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
