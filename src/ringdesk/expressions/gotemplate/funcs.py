r"""Functions callable from templates: Go's built-ins and the ringdesk/PBX helpers.

Each function takes the evaluation environment first, then the template arguments. They raise
`ExpressionError` for bad arguments (Go reports those at execution time too) and `ValueTooLong`
instead of building text longer than the budget's `max_value`. `and`/`or` are evaluated lazily
by the executor; their entries here serve the name table and eager calls.

Go's built-ins: `and or not eq ne lt le gt ge len index slice print printf println html js
urlquery`. ringdesk's (variables.md):

* `TimeFormat unix pattern [utc]`, `ToMillis unix` — PBX time stamps;
* `Capitalize text` — the first letter upper-cased;
* `UrlEncode text` — every byte outside A–Z a–z 0–9 `-._~` percent-encoded; with
  `escape="url"` its result is inserted as is wherever it lands;
* `RawPath text` — for a template author who means a value as a path of several segments
  (`{{.base_url}}/files/{{RawPath .folder}}`): with `escape="url"` its `/` are kept, while `?`,
  `#`, `\`, a `%` that does not start a valid `%XX` escape and anything a path segment may
  not hold are percent-encoded and a `.` or `..` segment becomes `%2E` / `%2E%2E`, so the
  value cannot add a query or climb out of the path. Without RawPath a value in a path is
  one segment (its `/` encoded as `%2F`). In a query or fragment RawPath's text is encoded
  like any query value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote_plus

from ringdesk.expressions import ExpressionError
from ringdesk.expressions.gotemplate._fmt import (
    NO_LIMIT,
    ValueTooLong,
    format_value,
    go_type,
    sprint,
    sprintf,
    sprintln,
)
from ringdesk.expressions.gotemplate._url import (
    EncodedPath,
    SafeStr,
    raw_path,
    url_quote,
    well_formed,
)
from ringdesk.expressions.gotemplate.timeformat import format_unix, to_millis

__all__ = ["FUNCS", "Env", "SafeStr", "check_arity", "truth", "url_quote", "well_formed"]


@dataclass(frozen=True, slots=True)
class Env:
    """What functions may see besides their arguments: the integration's time zone and the
    longest text a function may build (`Budget.max_value`; longer raises ValueTooLong)."""

    tz: str = "UTC"
    max_value: int = NO_LIMIT


def truth(value: Any) -> bool:
    """Go's notion of truth: false, 0, nil, and empty strings, lists and maps are false."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, (str, Mapping, Sequence)):
        return len(value) > 0
    return True


# -- comparison ---------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "nil"
    return "other"


_NUMBERS = ("int", "float")


def _comparable(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Operands coerced as Go would allow, plus two ringdesk rules: unset (nil) counts as ""
    next to a string, and an int and a float compare by value. JSON has no int/float
    distinction (`3` and `3.0` are one number), so `eq .count 3.0` and `lt .score 4` compare
    numbers; Go refuses them ("incompatible types for comparison")."""
    ka, kb = _kind(a), _kind(b)
    if ka == "nil" and kb == "string":
        return "", b
    if kb == "nil" and ka == "string":
        return a, ""
    if ka in _NUMBERS and kb in _NUMBERS:
        return a, b  # Python compares int and float exactly
    if ka == "other" or kb == "other":
        raise ExpressionError(
            f"{op}: invalid type for comparison: {go_type(a if ka == 'other' else b)}"
        )
    if ka != kb:
        raise ExpressionError(
            f"{op}: incompatible types for comparison: {go_type(a)} and {go_type(b)}"
        )
    return a, b


def _eq(env: Env, arg1: Any, *args: Any) -> bool:
    """True when the first argument equals any of the others (Go's `eq`).

    Values must be of comparable kinds (numbers with numbers, strings with strings); an unset
    variable counts as `""` (Go: only nil equals nil).

    `{{eq 1 1}}` → `true`
    `{{eq "b" "a" "b"}}` → `true`
    `{{eq .Unset ""}}` → `true`
    """
    if not args:
        raise ExpressionError("eq: missing argument for comparison")
    for arg in args:
        if arg1 is None or arg is None:
            # Go: nil equals only nil; ringdesk: unset also equals "" (it renders as "").
            if arg1 is arg or "" in (arg1, arg):
                return True
            continue
        a, b = _comparable(arg1, arg, "eq")
        if a == b:
            return True
    return False


def _ne(env: Env, arg1: Any, arg2: Any) -> bool:
    """True when the two arguments differ (Go's `ne`).

    `{{ne 1 2}}` → `true`
    """
    return not _eq(env, arg1, arg2)


def _ordered(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    a, b = _comparable(a, b, op)
    if isinstance(a, bool) or a is None:
        raise ExpressionError(f"{op}: invalid type for comparison: {go_type(a)}")
    return a, b


def _lt(env: Env, a: Any, b: Any) -> bool:
    """True when the first argument is less than the second (numbers or strings).

    `{{lt 1 2}}` → `true`
    """
    x, y = _ordered("lt", a, b)
    return bool(x < y)


def _le(env: Env, a: Any, b: Any) -> bool:
    """True when the first argument is less than or equal to the second.

    `{{le 2 2}}` → `true`
    """
    x, y = _ordered("le", a, b)
    return bool(x <= y)


def _gt(env: Env, a: Any, b: Any) -> bool:
    """True when the first argument is greater than the second.

    `{{gt 3 2}}` → `true`
    """
    x, y = _ordered("gt", a, b)
    return bool(x > y)


def _ge(env: Env, a: Any, b: Any) -> bool:
    """True when the first argument is greater than or equal to the second.

    `{{ge 2 3}}` → `false`
    """
    x, y = _ordered("ge", a, b)
    return bool(x >= y)


def _and(env: Env, arg0: Any, *args: Any) -> Any:
    """The first empty argument, or the last one if none is empty (Go's `and`).

    Evaluation stops at the first empty argument. Empty means false, 0, unset, or an empty
    string, list or map.

    `{{if and 1 "x"}}both{{else}}not both{{end}}` → `both`
    `{{and "a" 0 "b"}}` → `0`
    """
    for value in (arg0, *args):
        if not truth(value):
            return value
    return (arg0, *args)[-1]


def _or(env: Env, arg0: Any, *args: Any) -> Any:
    """The first non-empty argument, or the last one if all are empty (Go's `or`).

    Handy for defaults: evaluation stops at the first non-empty argument.

    `{{or .Unset "fallback"}}` → `fallback`
    """
    for value in (arg0, *args):
        if truth(value):
            return value
    return (arg0, *args)[-1]


def _not(env: Env, arg: Any) -> bool:
    """True when its single argument is empty (false, 0, unset, "").

    `{{not .Unset}}` → `true`
    """
    return not truth(arg)


# -- containers ---------------------------------------------------------------------------------
def _len(env: Env, item: Any) -> int:
    """The length of a string (in UTF-8 bytes, as in Go), list or map.

    `{{len "héllo"}}` → `6`
    """
    if isinstance(item, str):
        return len(item.encode())  # Go counts bytes
    if isinstance(item, (Mapping, list, tuple)):
        return len(item)
    raise ExpressionError(f"len of type {go_type(item)}")


def _int_index(value: Any, length: int, cap: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpressionError(f"cannot index slice/array with type {go_type(value)}")
    if value < 0 or value >= (length if cap is None else cap + 1):
        raise ExpressionError(f"index out of range: {value}")
    return value


def _index(env: Env, item: Any, *indexes: Any) -> Any:
    """Looks up keys (maps) or 0-based positions (lists, strings) one after another.

    `{{index .Data "key"}}` is `.Data.key`, and also works for keys that are not names.
    `index "abc" 0` gives the byte value `97`, as in Go.

    `{{index "abc" 1}}` → `98`
    """
    for idx in indexes:
        if isinstance(item, Mapping):
            if not isinstance(idx, str):
                raise ExpressionError(f"value has type {go_type(idx)}; should be string")
            item = item.get(idx)
        elif isinstance(item, str):
            data = item.encode()
            item = data[_int_index(idx, len(data))]
        elif isinstance(item, (list, tuple)):
            item = item[_int_index(idx, len(item))]
        elif item is None:
            raise ExpressionError("index of untyped nil")
        else:
            raise ExpressionError(f"can't index item of type {go_type(item)}")
    return item


def _slice(env: Env, item: Any, *indexes: Any) -> Any:
    """A part of a string (by UTF-8 byte positions) or list: `slice X start [end]`.

    `{{slice "abcdef" 1 3}}` → `bc`
    """
    if not isinstance(item, (str, list, tuple)):
        raise ExpressionError(f"can't slice item of type {go_type(item)}")
    if len(indexes) > 2 + (not isinstance(item, str)):
        raise ExpressionError("too many slice indexes")
    data: Any = item.encode() if isinstance(item, str) else item
    bounds = [_int_index(i, len(data), len(data)) for i in indexes]
    start = bounds[0] if bounds else 0
    end = bounds[1] if len(bounds) > 1 else len(data)
    if start > end or (len(bounds) == 3 and end > bounds[2]):
        raise ExpressionError(f"invalid slice indexes: {bounds}")
    part = data[start:end]
    return part.decode(errors="replace") if isinstance(item, str) else list(part)


# -- printing -----------------------------------------------------------------------------------
def _printf(env: Env, fmt: Any, *args: Any) -> str:
    """Formats its arguments with a Go `fmt` format: `%s %d %v %q %x %f %05d %-8s`...

    `{{printf "%05d" 42}}` → `00042`
    `{{printf "%s-%s" "a" "b"}}` → `a-b`
    """
    if not isinstance(fmt, str):
        raise ExpressionError(f"printf: format has type {go_type(fmt)}; should be string")
    return sprintf(fmt, args, env.max_value)


def _print(env: Env, *args: Any) -> str:
    """Its arguments written one after another, a space between two non-strings (Go's `fmt.Sprint`).

    `{{print "a" 1 2 "b"}}` → `a1 2b`
    """
    return sprint(args, env.max_value)


def _println(env: Env, *args: Any) -> str:
    """Its arguments separated by spaces, with a newline at the end (Go's `fmt.Sprintln`)."""
    return sprintln(args, env.max_value)


def _text_arg(env: Env, args: Sequence[Any]) -> str:
    """The arguments as one text (Go's evalArgs + fmt.Sprint). Escaping functions never make
    text shorter, so input over the limit is refused before any work is done."""
    single = len(args) == 1 and isinstance(args[0], str)
    text = args[0] if single else sprint(args, env.max_value)
    if len(text) > env.max_value:
        raise ValueTooLong(env.max_value)
    return text


_HTML = {'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\0": "\ufffd"}
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026"}
_JS["="] = "\\u003D"


def _html(env: Env, *args: Any) -> str:
    """HTML-escapes its argument (`< > & ' "`).

    `{{html "<a&b>"}}` → `&lt;a&amp;b&gt;`
    """
    return "".join(_HTML.get(c, c) for c in _text_arg(env, args))


def _js(env: Env, *args: Any) -> str:
    """Escapes its argument for a JavaScript string (quotes, `<`, `>`, `&`, `=`, controls)."""
    out = []
    for c in _text_arg(env, args):
        if c in _JS:
            out.append(_JS[c])
        elif ord(c) < 0x20 or not c.isprintable():
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def _urlquery(env: Env, *args: Any) -> str:
    """Encodes its argument for a URL query value the form way: space becomes `+`.

    Values inserted into a URL are already encoded by ringdesk; use this (or `UrlEncode`) only
    to build a query string inside a value that is not escaped for a URL.

    `{{urlquery "a b&c"}}` → `a+b%26c`
    """
    return quote_plus(well_formed(_text_arg(env, args)), safe="")


# -- ringdesk / PBX helpers (variables.md) -----------------------------------------------------
def _time_format(env: Env, unix: Any, pattern: Any, utc: Any = None) -> str:
    """Formats a Unix time (seconds; a number or numeric string) with a .NET-style pattern.

    Tokens: `yyyy` year, `yy`, `MM` month 01–12, `M`, `dd` day, `d`, `HH` hour 00–23, `hh` hour
    01–12, `h`, `mm` minutes, `ss` seconds, `fff` or a literal `.000` milliseconds, `tt`
    AM/PM, `-z` signed offset `+08:00` (the `-` stands for the sign), `Zz` `Z` at offset 0
    else `+08:00`, bare `z` / `zzz` `+08:00`. Every other character is copied as is.
    With a third argument `'1'` the time is shown in UTC; without it, in the integration's
    time zone (option `timezone`, daylight saving applied).

    `{{TimeFormat 1704164645 'yyyy-MM-ddTHH:mm:ss-z' '1'}}` → `2024-01-02T03:04:05+00:00`
    `{{TimeFormat 1704164645 'yyyy-MM-ddTHH:mm:ss.000Zz' '1'}}` → `2024-01-02T03:04:05.000Z`
    `{{TimeFormat 1704164645 'dd/MM/yyyy hh:mm tt' '1'}}` → `02/01/2024 03:04 AM`
    """
    return format_unix(unix, _str(env, pattern), utc, tz=env.tz)


def _to_millis(env: Env, unix: Any) -> str:
    """Unix seconds (a number or numeric string) as Unix milliseconds, in plain digits.

    `{{ToMillis 1704164645}}` → `1704164645000`
    `{{ToMillis "1704164645.5"}}` → `1704164645500`
    """
    return to_millis(unix)


def _str(env: Env, value: Any) -> str:
    text = "" if value is None else format_value(value, env.max_value)
    if len(text) > env.max_value:
        raise ValueTooLong(env.max_value)
    return text


def _capitalize(env: Env, text: Any) -> str:
    """Its argument with the first letter in upper case.

    `{{Capitalize "inbound"}}` → `Inbound`
    """
    s = _str(env, text)
    return s[:1].upper() + s[1:]


def _url_encode(env: Env, text: Any) -> SafeStr:
    """Percent-encodes every byte outside `A–Z a–z 0–9 - _ . ~` (space is `%20`).

    Inside a URL, the result is inserted as it is (not encoded a second time).

    `{{UrlEncode "a b+c!"}}` → `a%20b%2Bc%21`
    """
    return SafeStr(url_quote(_str(env, text)))


def _raw_path(env: Env, text: Any) -> EncodedPath:
    """Its argument as a URL path whose `/` separate segments (a value is otherwise one segment).

    Valid `%XX` escapes are kept; `?`, `#` and the like are encoded; a `.` or `..` segment is
    written `%2E` / `%2E%2E`, so the path never climbs up.

    `{{RawPath "a b/c.txt"}}` → `a%20b/c.txt`
    """
    return raw_path(_str(env, text))


FUNCS: dict[str, Callable[..., Any]] = {
    "and": _and,
    "or": _or,
    "not": _not,
    "eq": _eq,
    "ne": _ne,
    "lt": _lt,
    "le": _le,
    "gt": _gt,
    "ge": _ge,
    "len": _len,
    "index": _index,
    "slice": _slice,
    "printf": _printf,
    "print": _print,
    "println": _println,
    "html": _html,
    "js": _js,
    "urlquery": _urlquery,
    "TimeFormat": _time_format,
    "ToMillis": _to_millis,
    "Capitalize": _capitalize,
    "UrlEncode": _url_encode,
    "RawPath": _raw_path,
}


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@cache
def _arity(name: str) -> tuple[int, int | None]:
    """(fewest, most or None) arguments `name` takes after its Env; binding a signature on
    every call cost more than most functions themselves."""
    fewest = most = 0
    for parameter in list(inspect.signature(FUNCS[name]).parameters.values())[1:]:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return fewest, None
        if parameter.kind in _POSITIONAL:
            most += 1
            fewest += parameter.default is inspect.Parameter.empty
    return fewest, most


def check_arity(name: str, args: Sequence[Any]) -> None:
    """Raise ExpressionError when `name` cannot take `len(args)` arguments (Go's message)."""
    fewest, most = _arity(name)
    if len(args) < fewest or (most is not None and len(args) > most):
        raise ExpressionError(f"wrong number of args for {name}: got {len(args)}")
