"""Go's `fmt` printer state and value formatting (print.go `pp`, format.go `fmt`).

`Printer` formats one JSON-like value (str, int, float, bool, None, list, dict) the way Go's
`fmt` formats it inside a `map[string]interface{}`: flags, width and precision, every verb,
verbs applied to the elements of lists and maps, and Go's `%!verb(type=value)` for a verb
that does not fit. It writes into a buffer bounded by a limit and raises `ValueTooLong`
before going over it. `_fmt` drives it for `print`, `println` and `printf`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ringdesk.expressions import ExpressionError
from ringdesk.expressions.gotemplate._strconv import (
    can_backquote,
    format_float,
    is_print,
    quote,
    quote_rune,
    well_formed_rune,
)

__all__ = ["NO_LIMIT", "Printer", "ValueTooLong", "go_type"]

NO_LIMIT = 1 << 62
_MASK64 = (1 << 64) - 1


class ValueTooLong(ExpressionError):
    """Formatting would build text longer than the caller's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a value would exceed {limit} characters")
        self.limit = limit


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


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


class Printer:
    """Go's `pp` and `fmt` state for one call."""

    def __init__(self, limit: int) -> None:
        self.buf: list[str] = []
        self.size = 0
        self.limit = limit
        self.clear_flags()
        self.reordered = False
        self.good_arg_num = True

    def clear_flags(self) -> None:
        self.wid = self.prec = 0
        self.wid_present = self.prec_present = False
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.plus_v = self.sharp_v = False

    def text(self) -> str:
        return "".join(self.buf)

    def write(self, s: str) -> None:
        self.size += len(s)
        if self.size > self.limit:
            raise ValueTooLong(self.limit)
        self.buf.append(s)

    # -- fmt: padding --------------------------------------------------------------------------
    def write_padding(self, n: int) -> None:
        if n > 0:
            if self.size + n > self.limit:
                raise ValueTooLong(self.limit)
            self.write(("0" if self.zero else " ") * n)

    def pad(self, s: str) -> None:
        if not self.wid_present or self.wid == 0:
            self.write(s)
            return
        width = self.wid - len(s)
        if self.minus:
            self.write(s)
            self.write_padding(width)
        else:
            self.write_padding(width)
            self.write(s)

    def pad_unzeroed(self, s: str) -> None:
        zero, self.zero = self.zero, False
        self.pad(s)
        self.zero = zero

    # -- fmt: values ---------------------------------------------------------------------------
    def fmt_integer(self, value: int, base: int, verb: str) -> None:
        negative = value < 0
        u = -value if negative else value
        prec = 0
        if self.prec_present:
            prec = self.prec
            if prec == 0 and u == 0:
                zero, self.zero = self.zero, False
                self.write_padding(self.wid)
                self.zero = zero
                return
        elif self.zero and self.wid_present:
            prec = self.wid
            if negative or self.plus or self.space:
                prec -= 1  # leave room for the sign
        digits = format(u, {10: "d", 8: "o", 2: "b"}.get(base, "X" if verb == "X" else "x"))
        if len(digits) < prec:
            digits = "0" * (prec - len(digits)) + digits
        if self.sharp:
            if base == 2:
                digits = "0b" + digits
            elif base == 8 and digits[0] != "0":
                digits = "0" + digits
            elif base == 16:
                digits = ("0X" if verb == "X" else "0x") + digits
        if verb == "O":
            digits = "0o" + digits
        if negative:
            digits = "-" + digits
        elif self.plus:
            digits = "+" + digits
        elif self.space:
            digits = " " + digits
        self.pad_unzeroed(digits)

    def fmt_unicode(self, value: int) -> None:
        u = value & _MASK64
        prec = self.prec if self.prec_present and self.prec > 4 else 4
        tail = ""
        if self.sharp and u <= 0x10FFFF and is_print(chr(u)):
            tail = f" '{chr(u)}'"
        self.pad_unzeroed(f"U+{u:0{prec}X}{tail}")

    def truncate(self, s: str) -> str:
        return s[: self.prec] if self.prec_present else s

    def fmt_sx(self, s: str, upper: bool) -> None:
        data = s.encode("utf-8", errors="replace")
        length = min(len(data), self.prec) if self.prec_present else len(data)
        width = 2 * length
        if width <= 0:
            if self.wid_present:
                self.write_padding(self.wid)
            return
        if self.space:
            if self.sharp:
                width *= 2
            width += length - 1
        elif self.sharp:
            width += 2
        if self.wid_present and self.wid > width and not self.minus:
            self.write_padding(self.wid - width)
        x = "X" if upper else "x"
        hexed = data[:length].hex()
        if upper:
            hexed = hexed.upper()
        pairs = [hexed[k : k + 2] for k in range(0, len(hexed), 2)]
        if self.space:
            lead = "0" + x if self.sharp else ""
            self.write(" ".join(lead + pair for pair in pairs))
        else:
            self.write(("0" + x if self.sharp else "") + hexed)
        if self.wid_present and self.wid > width and self.minus:
            self.write_padding(self.wid - width)

    def fmt_q(self, s: str) -> None:
        s = self.truncate(s)
        if self.sharp and can_backquote(s):
            self.pad("`" + s + "`")
        else:
            self.pad(quote(s, ascii_only=self.plus))

    def fmt_float(self, value: float, verb: str, prec: int) -> None:
        if self.prec_present:
            prec = self.prec
        num = format_float(value, verb, prec)
        if num[0] not in "+-":
            num = "+" + num
        if self.space and num[0] == "+" and not self.plus:
            num = " " + num[1:]
        if num[1] in "IN":  # infinities and NaN are not padded with zeros
            if num[1] == "N" and not self.space and not self.plus:
                num = num[1:]
            self.pad_unzeroed(num)
            return
        if self.sharp and verb != "b":
            num = self._sharp_float(num, verb, prec)
        if self.plus or num[0] != "+":
            if self.zero and self.wid_present and self.wid > len(num):
                self.write(num[0])
                self.write_padding(self.wid - len(num))
                self.write(num[1:])
                return
            self.pad(num)
            return
        self.pad(num[1:])

    @staticmethod
    def _sharp_float(num: str, verb: str, prec: int) -> str:
        """The '#' flag: always a decimal point, and %g keeps its trailing zeros."""
        digits = 0
        if verb in "vgGx":
            digits = 6 if prec == -1 else prec
        tail = ""
        has_point = saw_nonzero = False
        body = num
        i = 1
        while i < len(body):
            c = body[i]
            if c == ".":
                has_point = True
            elif c in "pP" or (c in "eE" and verb not in "xX"):
                tail = body[i:]
                body = body[:i]
                break
            else:
                if c != "0":
                    saw_nonzero = True
                if saw_nonzero:
                    digits -= 1
            i += 1
        if not has_point:
            if len(body) == 2 and body[1] == "0":
                digits -= 1
            body += "."
        if digits > 0:
            body += "0" * digits
        return body + tail

    # -- pp: arguments -------------------------------------------------------------------------
    def bad_verb(self, verb: str, value: Any, top: bool) -> None:
        self.write("%!" + verb + "(")
        if value is None and top:
            self.write("<nil>")
        else:
            self.write(go_type(value) + "=")
            self.print_arg(value, "v")
        self.write(")")

    def print_arg(self, arg: Any, verb: str) -> None:
        if arg is None:
            if verb in "Tv":
                self.pad("<nil>")
            else:
                self.bad_verb(verb, None, True)
            return
        if verb == "T":
            self.pad(self.truncate(go_type(arg)))
            return
        self.print_value(arg, verb)

    def print_value(self, value: Any, verb: str) -> None:
        if isinstance(value, bool):
            if verb in "tv":
                self.pad("true" if value else "false")
            else:
                self.bad_verb(verb, value, False)
        elif isinstance(value, int):
            self.print_int(value, verb)
        elif isinstance(value, float):
            self.print_float(value, verb)
        elif isinstance(value, str):
            self.print_str(value, verb)
        elif isinstance(value, Mapping):
            self.print_map(value, verb)
        elif isinstance(value, Sequence):
            self.print_list(value, verb)
        else:
            self.print_str(str(value), verb)

    def print_int(self, value: int, verb: str) -> None:
        if verb in "vd":
            self.fmt_integer(value, 10, verb)
        elif verb == "b":
            self.fmt_integer(value, 2, verb)
        elif verb in "oO":
            self.fmt_integer(value, 8, verb)
        elif verb in "xX":
            self.fmt_integer(value, 16, verb)
        elif verb == "c":
            self.pad(chr(well_formed_rune(value if value <= 0x10FFFF else -1)))
        elif verb == "q":
            self.pad(quote_rune(value if value <= 0x10FFFF else -1, ascii_only=self.plus))
        elif verb == "U":
            self.fmt_unicode(value)
        else:
            self.bad_verb(verb, value, False)

    def print_float(self, value: float, verb: str) -> None:
        if verb == "v":
            self.fmt_float(value, "g", -1)
        elif verb in "bgGxX":
            self.fmt_float(value, verb, -1)
        elif verb in "feE":
            self.fmt_float(value, verb, 6)
        elif verb == "F":
            self.fmt_float(value, "f", 6)
        else:
            self.bad_verb(verb, value, False)

    def print_str(self, value: str, verb: str) -> None:
        if verb == "v":
            if self.sharp_v:
                self.fmt_q(value)
            else:
                self.pad(self.truncate(value))
        elif verb == "s":
            self.pad(self.truncate(value))
        elif verb in "xX":
            self.fmt_sx(value, verb == "X")
        elif verb == "q":
            self.fmt_q(value)
        else:
            self.bad_verb(verb, value, False)

    def print_elem(self, value: Any, verb: str) -> None:
        """An element of a list or map: an `interface{}` that may hold nil."""
        if value is None:
            self.write("interface {}(nil)" if self.sharp_v else "<nil>")
        else:
            self.print_value(value, verb)

    def print_map(self, value: Mapping[Any, Any], verb: str) -> None:
        self.write("map[string]interface {}{" if self.sharp_v else "map[")
        for i, key in enumerate(sorted(value, key=_sort_key)):
            if i:
                self.write(", " if self.sharp_v else " ")
            self.print_value(key if isinstance(key, str) else str(key), verb)
            self.write(":")
            self.print_elem(value[key], verb)
        self.write("}" if self.sharp_v else "]")

    def print_list(self, value: Sequence[Any], verb: str) -> None:
        self.write("[]interface {}{" if self.sharp_v else "[")
        for i, elem in enumerate(value):
            if i:
                self.write(", " if self.sharp_v else " ")
            self.print_elem(elem, verb)
        self.write("}" if self.sharp_v else "]")
