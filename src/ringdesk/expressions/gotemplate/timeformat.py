"""`TimeFormat` and `ToMillis`: the PBX's .NET-style date patterns over Unix seconds (pure).

Tokens (variables.md): `yyyy yy MM M dd d HH hh h mm ss fff` and a literal `.000` (milliseconds),
`tt` (AM/PM), `-z` (signed offset `+08:00`; the `-` stands for the sign), `Zz` (`Z` at offset 0,
else `+08:00`), bare `z`/`zzz` (`+08:00`); every other character is copied as is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringdesk.expressions import ExpressionError

__all__ = ["format_unix", "to_millis", "unix_value"]

_MAX_UNIX = Decimal(10) ** 11

# Longest tokens first so `yyyy` wins over `yy`, `-z` over a literal `-`, `zzz` over `z`.
_TOKENS = (
    "yyyy",
    "yy",
    "MM",
    "M",
    "dd",
    "d",
    "HH",
    "hh",
    "h",
    "mm",
    "ss",
    "fff",
    ".000",
    "tt",
    "-z",
    "Zz",
    "zzz",
    "z",
)


def _not_unix(value: Any) -> str:
    # The value itself stays out of the message: it may be a secret, and errors reach logs.
    return f"not a Unix time ({type(value).__name__} of {len(str(value))} characters)"


def unix_value(value: Any) -> Decimal:
    """Unix seconds from an int, float or numeric string; ExpressionError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ExpressionError(f"not a Unix time: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ExpressionError(_not_unix(value)) from None
    # Unix seconds beyond ±1e11 (year ~5000) are not times; the bound also keeps huge exponents
    # such as "1e999999999" from turning into a billion-digit integer.
    if not number.is_finite() or number.adjusted() > 11 or abs(number) > _MAX_UNIX:
        raise ExpressionError(_not_unix(value))
    return number


def to_millis(value: Any) -> str:
    """Unix milliseconds as decimal digits (never exponent form), e.g. `1704164645000`."""
    millis = (unix_value(value) * 1000).to_integral_value()
    return str(int(millis))


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExpressionError(f"unknown time zone {tz!r}") from None


@lru_cache(maxsize=256)
def _split(pattern: str) -> tuple[str, ...]:
    """The pattern as a sequence of tokens and literal characters."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        for token in _TOKENS:
            if pattern.startswith(token, i):
                parts.append(token)
                i += len(token)
                break
        else:
            parts.append(pattern[i])
            i += 1
    return tuple(parts)


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def format_unix(value: Any, pattern: str, utc: Any = None, *, tz: str = "UTC") -> str:
    """Format Unix seconds `value` with `pattern` in UTC (flag `'1'`) or the zone `tz`."""
    seconds = unix_value(value)
    zone = UTC if str(utc) == "1" else _zone(tz)
    whole = int(seconds.to_integral_value(rounding="ROUND_FLOOR"))
    millis = int((seconds - whole) * 1000)
    try:
        moment = datetime.fromtimestamp(whole, zone)
    except (OverflowError, OSError, ValueError):
        raise ExpressionError(f"Unix time out of range: {value!r}") from None
    return "".join(_token(part, moment, millis) for part in _split(pattern))


def _token(part: str, moment: datetime, millis: int) -> str:
    """One pattern token's text (a literal character stands for itself); only the tokens a
    pattern uses are computed."""
    match part:
        case "yyyy":
            return f"{moment.year:04d}"
        case "yy":
            return f"{moment.year % 100:02d}"
        case "MM":
            return f"{moment.month:02d}"
        case "M":
            return str(moment.month)
        case "dd":
            return f"{moment.day:02d}"
        case "d":
            return str(moment.day)
        case "HH":
            return f"{moment.hour:02d}"
        case "hh":
            return f"{moment.hour % 12 or 12:02d}"
        case "h":
            return str(moment.hour % 12 or 12)
        case "mm":
            return f"{moment.minute:02d}"
        case "ss":
            return f"{moment.second:02d}"
        case "fff":
            return f"{millis:03d}"
        case ".000":
            return f".{millis:03d}"
        case "tt":
            return "AM" if moment.hour < 12 else "PM"
        case "-z" | "zzz" | "z":
            return _offset(moment)
        case "Zz":
            return "Z" if not moment.utcoffset() else _offset(moment)
        case _:
            return part
