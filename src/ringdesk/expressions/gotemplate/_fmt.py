"""Go `fmt` formatting for template values: `%v` printing and a `printf` verb subset.

Values are JSON-like Python values (str, int, float, bool, None, list, dict). Output follows Go:
floats print in shortest `%g` form (`1e+06`), lists as `[a b]`, maps as `map[k:v]` with sorted
keys, `nil` as `<nil>`; bad verbs print `%!d(string=x)` instead of failing, like Go.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["format_value", "go_quote", "go_type", "sprint", "sprintf", "sprintln"]


def go_type(value: Any) -> str:
    """The Go type name a JSON-like value would have in a `map[string]any`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return "[]interface {}"


def format_value(value: Any) -> str:
    """Go's `%v` for `value` (`<nil>` for None)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float_g(value, -1)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{format_value(k)}:{format_value(v)}" for k, v in items) + "]"
    if isinstance(value, Sequence):
        return "[" + " ".join(format_value(v) for v in value) + "]"
    return str(value)


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def _digits(value: float) -> tuple[str, int]:
    """Shortest decimal digits of a finite non-zero |value| and the decimal point position."""
    dec = Decimal(repr(abs(value))).normalize()
    _, digits, exponent = dec.as_tuple()
    exponent = int(exponent)  # finite by contract
    text = "".join(map(str, digits))
    return text, len(text) + exponent


def format_float_g(value: float, prec: int) -> str:
    """strconv.FormatFloat(value, 'g', prec, 64)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    if prec < 0:
        digits, dp = _digits(value)
        eprec = 6
    else:
        prec = max(prec, 1)
        mantissa, _, exp = f"{abs(value):.{prec - 1}e}".partition("e")
        digits = mantissa.replace(".", "").rstrip("0") or "0"
        dp = int(exp) + 1
        eprec = prec
        if eprec > len(digits) and len(digits) >= dp:
            eprec = len(digits)
    exp10 = dp - 1
    if exp10 < -4 or exp10 >= eprec:
        frac = digits[1:]
        mant = digits[0] + ("." + frac if frac else "")
        esign = "-" if exp10 < 0 else "+"
        return f"{sign}{mant}e{esign}{abs(exp10):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return f"{sign}{digits}{'0' * (dp - len(digits))}"
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """strconv.Quote: a double-quoted Go string literal."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def sprint(args: Sequence[Any]) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(format_value(arg))
    return "".join(out)


def sprintln(args: Sequence[Any]) -> str:
    """fmt.Sprintln: operands separated by spaces, then a newline."""
    return " ".join(format_value(a) for a in args) + "\n"


_SPEC = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])")


def sprintf(fmt: str, args: Sequence[Any]) -> str:
    """fmt.Sprintf for verbs %v %s %d %q %x %X %o %b %c %t %f %e %g %T and %%."""
    out: list[str] = []
    pos = 0
    argi = 0
    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        if (width and len(width) > 4) or (prec and len(prec) > 4):
            # Go prints %!(BADWIDTH) past 1e6; ringdesk caps lower so no template builds huge text.
            out.append("%!(BADWIDTH)" if width and len(width) > 4 else "%!(BADPREC)")
            continue
        precision = None if prec is None else int(prec or "0")
        body = _format_one(verb, arg, flags, precision)
        out.append(_pad(body, flags, int(width) if width else 0, verb, arg))
    out.append(fmt[pos:])
    if argi < len(args):
        extra = ", ".join(f"{go_type(a)}={format_value(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _pad(body: str, flags: str, width: int, verb: str, arg: Any) -> str:
    if len(body) >= width:
        return body
    if "-" in flags:
        return body.ljust(width)
    numeric = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if "0" in flags and numeric and verb not in "sqvT":
        sign = body[0] if body[:1] in "+- " else ""
        return sign + body[len(sign) :].rjust(width - len(sign), "0")
    if "0" in flags and verb in "sqv" and not numeric:
        return body.rjust(width, "0")
    return body.rjust(width)


def _sign(value: float, flags: str) -> str:
    if value < 0 or (value == 0 and math.copysign(1, value) < 0):
        return "-"
    return "+" if "+" in flags else (" " if " " in flags else "")


def _format_one(verb: str, arg: Any, flags: str, prec: int | None) -> str:
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    if verb == "T":
        return go_type(arg)
    if verb == "v":
        if isinstance(arg, float) and prec is not None:
            return _sign(arg, flags) + format_float_g(abs(arg), prec)
        if is_int and "+" in flags and arg >= 0:
            return "+" + str(arg)
        return format_value(arg)
    if verb == "t" and isinstance(arg, bool):
        return "true" if arg else "false"
    if verb == "s" and isinstance(arg, str):
        return arg if prec is None else arg[:prec]
    if verb == "s" and not isinstance(arg, (int, float)):
        return format_value(arg)
    if verb == "q" and isinstance(arg, str):
        if "#" in flags and "`" not in arg and arg.isprintable():
            return f"`{arg}`"
        return go_quote(arg)
    if verb == "q" and is_int:
        return "'" + go_quote(chr(arg))[1:-1].replace('\\"', '"') + "'"
    if verb == "c" and is_int:
        return chr(arg)
    if is_int and verb in "dxXob":
        base = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb]
        digits = format(abs(arg), base)
        if prec is not None:
            digits = digits.rjust(prec, "0")
        prefix = ""
        if "#" in flags:
            prefix = {"x": "0x", "X": "0X", "o": "0", "b": ""}.get(verb, "")
        return _sign(arg, flags) + prefix + digits
    if verb in "xX" and isinstance(arg, str):
        hexed = arg.encode().hex()
        return hexed.upper() if verb == "X" else hexed
    if isinstance(arg, float) or (is_int and verb in "feEgG"):
        number = float(arg)
        if verb in "fF":
            return _sign(number, flags) + f"{abs(number):.{6 if prec is None else prec}f}"
        if verb in "eE":
            text = f"{abs(number):.{6 if prec is None else prec}e}"
            return _sign(number, flags) + (text.upper() if verb == "E" else text)
        if verb in "gG" and isinstance(arg, float):
            text = format_float_g(abs(number), -1 if prec is None else prec)
            return _sign(number, flags) + (text.upper() if verb == "G" else text)
    return f"%!{verb}({go_type(arg)}={format_value(arg)})"
