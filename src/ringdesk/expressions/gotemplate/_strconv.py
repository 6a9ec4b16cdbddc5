"""Go's `strconv` number and string formatting, as `fmt` uses it (`FormatFloat`, `Quote`).

A port of the parts of Go's strconv that `printf` reaches: floats in every `fmt` form
(`e E f g G x X b`, shortest or with a precision, correctly rounded like Go) and Go string
and rune quoting (`Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`). Python's `repr`
and `%e`/`%f` formatting give the same correctly rounded digits as Go's Ryu and big-decimal
paths, so only the layout is ported.
"""

from __future__ import annotations

import math
import struct

__all__ = [
    "can_backquote",
    "format_float",
    "is_print",
    "quote",
    "quote_rune",
    "well_formed_rune",
]

_MAX_RUNE = 0x10FFFF
_RUNE_ERROR = 0xFFFD
_MASK64 = (1 << 64) - 1


def format_float(value: float, fmt: str, prec: int) -> str:
    """strconv.FormatFloat(value, fmt, prec, 64); `prec` < 0 is the shortest exact form."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    neg = math.copysign(1.0, value) < 0
    if fmt == "b":
        return _fmt_b(value)
    if fmt in "xX":
        return _fmt_x(value, prec, fmt)
    sign = "-" if neg else ""
    a = abs(value)
    if prec >= 0 and fmt in "eE":
        return sign + (f"{a:.{prec}e}" if fmt == "e" else f"{a:.{prec}E}")
    if prec >= 0 and fmt == "f":
        return sign + f"{a:.{prec}f}"
    shortest = prec < 0
    if shortest:
        digits, dp = _shortest_digits(a)
        if fmt in "eE":
            prec = max(len(digits) - 1, 0)
        elif fmt == "f":
            prec = max(len(digits) - dp, 0)
        else:
            prec = len(digits)
    else:  # 'g' / 'G' with a precision: round to `prec` significant digits
        prec = max(prec, 1)
        digits, dp = _rounded_digits(a, prec)
    return sign + _format_digits(digits, dp, shortest, prec, fmt)


def _shortest_digits(a: float) -> tuple[str, int]:
    """Shortest decimal digits that read back as `a` (>= 0) and the decimal point position."""
    if a == 0:
        return "", 0
    mantissa, _, exponent = repr(a).partition("e")
    whole, _, frac = mantissa.partition(".")
    frac = frac.rstrip("0") if frac != "0" else ""
    digits = (whole + frac).lstrip("0")
    lead = len(whole + frac) - len((whole + frac).lstrip("0"))
    dp = len(whole) - lead + (int(exponent) if exponent else 0)
    return digits.rstrip("0"), dp


def _rounded_digits(a: float, count: int) -> tuple[str, int]:
    """`a` (>= 0) rounded to `count` significant digits (trailing zeros trimmed, as Go's
    decimal type keeps them) and the decimal point position."""
    if a == 0:
        return "", 0
    mantissa, _, exponent = f"{a:.{count - 1}e}".partition("e")
    digits = mantissa.replace(".", "").rstrip("0")
    return digits, int(exponent) + 1


def _format_digits(digits: str, dp: int, shortest: bool, prec: int, fmt: str) -> str:
    """Go's formatDigits for the 'e', 'f' and 'g' families."""
    if fmt in "eE":
        return _fmt_e(digits, dp, prec, fmt)
    if fmt == "f":
        return _fmt_f(digits, dp, prec)
    eprec = prec
    if eprec > len(digits) and len(digits) >= dp:
        eprec = len(digits)
    if shortest:
        eprec = 6  # %e is used when the exponent is below -4 or at least this
    exp = dp - 1
    if exp < -4 or exp >= eprec:
        if prec > len(digits):
            prec = len(digits)
        return _fmt_e(digits, dp, prec - 1, "e" if fmt == "g" else "E")
    if prec > dp:
        prec = len(digits)
    return _fmt_f(digits, dp, max(prec - dp, 0))


def _fmt_e(digits: str, dp: int, prec: int, fmt: str) -> str:
    first = digits[:1] or "0"
    out = first
    if prec > 0:
        out += "." + digits[1 : 1 + prec].ljust(prec, "0")
    exp = dp - 1 if digits else 0
    sign = "-" if exp < 0 else "+"
    return f"{out}{fmt}{sign}{abs(exp):02d}"


def _fmt_f(digits: str, dp: int, prec: int) -> str:
    whole = digits[:dp].ljust(dp, "0") if dp > 0 else "0"
    if prec <= 0:
        return whole
    frac = "".join(digits[j] if 0 <= j < len(digits) else "0" for j in range(dp, dp + prec))
    return whole + "." + frac


def _bits(value: float) -> tuple[bool, int, int]:
    """(negative, mantissa with the implicit bit, binary exponent) of a finite float."""
    (bits,) = struct.unpack("<Q", struct.pack("<d", value))
    neg = bool(bits >> 63)
    exp = (bits >> 52) & 0x7FF
    mant = bits & ((1 << 52) - 1)
    if exp == 0:
        exp += 1  # denormalised
    else:
        mant |= 1 << 52
    return neg, mant, exp - 1023


def _fmt_b(value: float) -> str:
    neg, mant, exp = _bits(value)
    exp -= 52
    return f"{'-' if neg else ''}{mant}p{'+' if exp >= 0 else ''}{exp}"


def _fmt_x(value: float, prec: int, fmt: str) -> str:
    """Go's fmtX: %x of a float, a hexadecimal mantissa and a binary exponent."""
    neg, mant, exp = _bits(value)
    if mant == 0:
        exp = 0
    mant <<= 60 - 52  # the leading 1 (if any) at bit 60
    while mant != 0 and mant & (1 << 60) == 0:
        mant <<= 1
        exp -= 1
    if 0 <= prec < 15:
        shift = prec * 4
        extra = (mant << shift) & ((1 << 60) - 1)
        mant >>= 60 - shift
        if extra | (mant & 1) > 1 << 59:
            mant += 1
        mant <<= 60 - shift
        if mant & (1 << 61):  # wrapped around
            mant >>= 1
            exp += 1
    hexdigits = "0123456789ABCDEF" if fmt == "X" else "0123456789abcdef"
    out = ["-" if neg else "", "0", fmt, str((mant >> 60) & 1)]
    mant = (mant << 4) & _MASK64
    if prec < 0 and mant != 0:
        out.append(".")
        while mant != 0:
            out.append(hexdigits[(mant >> 60) & 15])
            mant = (mant << 4) & _MASK64
    elif prec > 0:
        out.append(".")
        for _ in range(prec):
            out.append(hexdigits[(mant >> 60) & 15])
            mant = (mant << 4) & _MASK64
    out.append("P" if fmt == "X" else "p")
    out.append("-" if exp < 0 else "+")
    out.append(f"{abs(exp):02d}")
    return "".join(out)


def is_print(ch: str) -> bool:
    """strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space
    (Python's `isprintable` is the same definition)."""
    return ch.isprintable()


def well_formed_rune(code: int) -> int:
    """A code point Go can encode: out-of-range values and surrogates become U+FFFD."""
    if code < 0 or code > _MAX_RUNE or 0xD800 <= code <= 0xDFFF:
        return _RUNE_ERROR
    return code


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES["\v"] = "\\v"


def _escaped_rune(ch: str, quote: str, ascii_only: bool) -> str:
    if ch == quote or ch == "\\":
        return "\\" + ch
    if ascii_only:
        if ch < "\x80" and is_print(ch):
            return ch
    elif is_print(ch):
        return ch
    simple = _ESCAPES.get(ch)
    if simple is not None:
        return simple
    code = well_formed_rune(ord(ch))
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(text: str, *, ascii_only: bool = False) -> str:
    """strconv.Quote (or QuoteToASCII): a double-quoted Go string literal."""
    return '"' + "".join(_escaped_rune(ch, '"', ascii_only) for ch in text) + '"'


def quote_rune(code: int, *, ascii_only: bool = False) -> str:
    """strconv.QuoteRune (or QuoteRuneToASCII): a single-quoted Go rune literal."""
    return "'" + _escaped_rune(chr(well_formed_rune(code)), "'", ascii_only) + "'"


def can_backquote(text: str) -> bool:
    """strconv.CanBackquote: `text` fits in a raw string literal unchanged."""
    return not any(ch == "\ufeff" or ch in "`\x7f" or (ch < " " and ch != "\t") for ch in text)
