"""GJSON raw-text primitives: `Result`, scanning of JSON tokens, unescaping, `parse`, `for_each`.

Ported from tidwall/gjson; everything works on the document text and slices it, so a
`Result.raw` is always the exact text of the document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from ringdesk.expressions import BudgetExceeded
from ringdesk.expressions.budget import DEFAULT_BUDGET, describe

__all__ = [
    "FALSE",
    "JSON",
    "NULL",
    "NUMBER",
    "STRING",
    "STR_END",
    "TRUE",
    "Result",
    "append_json_string",
    "deeper_than",
    "for_each",
    "format_float",
    "parse",
    "parse_any",
    "parse_bool",
    "parse_float",
    "parse_literal",
    "parse_number",
    "parse_squash",
    "parse_string",
    "scan_once",
    "squash",
    "squash_from_lead",
    "trim",
    "unescape",
    "unwrap",
    "valid",
]

NULL, FALSE, NUMBER, STRING, TRUE, JSON = range(6)

_NUM_START = frozenset("+-0123456789iIN")
STR_END = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SQ_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}()]', re.DOTALL)
_NUM_END = re.compile(r"[\x00-\x20,\]}]")
_LIT_END = re.compile(r"[^a-z]")
_INT_RE = re.compile(r"-?[0-9]+")
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # C scanner, undeclared in typeshed
scan_once = _scan_once  # json's C scanner: (value, end) of the strict JSON value at an index


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
        """The Python value: str, int/float, bool, None, list or dict (first key wins).

        Raises BudgetExceeded for text `json` cannot read (lenient JSON, or nesting deeper
        than it recurses) that is nested deeper than the default budget's `max_depth`."""
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
            return parse_bool(self.str.lower()) is True
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

    def array(self) -> list[Result]:
        """GJSON `Array()`: the elements of an array (each with its raw text); a missing
        result gives [], any other single value gives [self]."""
        if self.type == NULL and not self.raw:
            return []
        if not self.is_array():
            return [self]
        return [v for _, v in for_each(self)]

    def get(self, path: str) -> Result:
        """GJSON `Result.Get`: evaluate `path` against this result's raw text."""
        from ringdesk.expressions._gjson_scan import get  # scan imports us

        return get(self.raw, path)


def _first_key_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _json_value(raw: str, depth: int = 0) -> Any:
    try:
        return json.loads(raw, object_pairs_hook=_first_key_wins)
    except (ValueError, RecursionError):
        if depth == 0 and deeper_than(raw, DEFAULT_BUDGET.max_depth):
            raise _too_deep() from None
        return _lenient_value(raw, depth)


def _too_deep() -> BudgetExceeded:
    return BudgetExceeded(describe(DEFAULT_BUDGET, "max_depth"), limit="max_depth")


def _lenient_value(raw: str, depth: int) -> Any:
    """Port of GJSON's arrayOrMap(valueize) for JSON that `json.loads` refuses (lenient or
    nested too deep for it); nesting beyond the default budget raises BudgetExceeded."""
    if depth >= DEFAULT_BUDGET.max_depth:
        raise _too_deep()
    r = parse(raw)
    if r.is_object():
        out: dict[str, Any] = {}
        for k, v in for_each(r):
            if k.str not in out:
                out[k.str] = _json_value(v.raw, depth + 1) if v.type == JSON else v.value
        return out
    if r.is_array():
        return [
            _json_value(v.raw, depth + 1) if v.type == JSON else v.value for _, v in for_each(r)
        ]
    return None


def parse_bool(s: str) -> bool | None:
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
    m = STR_END.match(s, i)
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
    return _squash_tokens(s, i + 1, i)


def _squash_tokens(s: str, j: int, start: int) -> tuple[int, str]:
    """Go's depth-counting loop: depth 1 at `j`; returns (end, s[start:end])."""
    depth = 1
    for m in _SQ_TOKEN.finditer(s, j):
        c = m.group()[0]
        if c == '"':
            continue
        if c in "[{(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                end = m.end()
                return end, s[start:end]
    return len(s), s[start:]


_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_AS_PARENS = str.maketrans("[{]}", "(())")


def deeper_than(s: str, limit: int) -> bool:
    """True when the brackets of the JSON text `s` (outside strings) nest deeper than
    `limit`. Runs at C speed: strings and everything but brackets are dropped, then each
    pass removes the innermost pairs; a deep document is told after `limit` passes."""
    if s.count("[") + s.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", s)).translate(_AS_PARENS)
    for _ in range(limit):
        inner = brackets.replace("()", "")
        if inner == brackets:
            return False
        brackets = inner
    return "()" in brackets


def squash(s: str) -> str:
    """Raw text of the leading value of `s` ('[', '{', '(' or '"')."""
    if not s:
        return s
    if s[0] == '"':
        return parse_string(s, 1)[1]
    if s[0] in "[{(":
        return parse_squash(s, 0)[1]
    return squash_from_lead(s)


def squash_from_lead(s: str) -> str:
    """Go's squash/parseSquash quirk: the lead character counts as an opening bracket."""
    return _squash_tokens(s, 1, 0)[1]


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
            return Result(STRING, raw, unescape(inner) if esc or "\\" in inner else inner)
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
    s = trim(s)
    if len(s) >= 2 and s[0] in "[{":
        s = s[1:-1]
    return s


def trim(s: str) -> str:
    a = 0
    b = len(s)
    while a < b and s[a] <= " ":
        a += 1
    while b > a and s[b - 1] <= " ":
        b -= 1
    return s[a:b]
