"""Go `fmt` printing for template values: `%v`, `print`, `println` and `printf`.

A port of Go's `fmt` printer (print.go `doPrintf`, `printArg`, `printValue`; format.go) for
JSON-like values (str, int, float, bool, None, list, dict) as Go sees them in a
`map[string]interface{}`: argument indexes (`%[2]s`), `*` widths and precisions, every flag,
verbs applied inside lists and maps, and Go's error forms (`%!d(string=x)`, `%!(EXTRA …)`,
`%!s(MISSING)`, `%!(BADINDEX)`). tests/expressions/data/gotemplate_go_recorded.json holds the
answers of real Go this port is tested against.

Every function takes a `limit`: building text longer than that many characters stops with
`ValueTooLong` before the text exists, so a template cannot make a huge string (the
executor turns it into a located `BudgetExceeded`).
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

__all__ = [
    "NO_LIMIT",
    "ValueTooLong",
    "format_float_g",
    "format_value",
    "go_type",
    "sprint",
    "sprintf",
    "sprintln",
]

NO_LIMIT = 1 << 62
_MASK64 = (1 << 64) - 1
_TOO_LARGE = 1_000_000  # Go's limit for widths and precisions (fmt.tooLarge)


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


def format_float_g(value: float, prec: int) -> str:
    """strconv.FormatFloat(value, 'g', prec, 64)."""
    return format_float(value, "g", prec)


def format_value(value: Any, limit: int = NO_LIMIT) -> str:
    """Go's `%v` for `value` (`<nil>` for None)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value, "g", -1)
    p = _Printer(limit)
    p.print_arg(value, "v")
    return p.text()


def sprint(args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    p = _Printer(limit)
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            p.write(" ")
        p.print_arg(arg, "v")
    return p.text()


def sprintln(args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprintln: operands separated by spaces, then a newline."""
    p = _Printer(limit)
    for i, arg in enumerate(args):
        if i > 0:
            p.write(" ")
        p.print_arg(arg, "v")
    p.write("\n")
    return p.text()


def sprintf(fmt: str, args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprintf, verbs and flags as in Go."""
    p = _Printer(limit)
    p.do_printf(fmt, args)
    return p.text()


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def _parsenum(s: str, start: int, end: int) -> tuple[int, bool, int]:
    """(number, found, index after it); an overflowing number consumes the rest, as in Go."""
    num = 0
    found = False
    i = start
    while i < end and "0" <= s[i] <= "9":
        if num > _TOO_LARGE:
            return 0, False, end  # crazy long number: Go gives up on the format
        num = num * 10 + ord(s[i]) - 48
        found = True
        i += 1
    return num, found, i


class _Printer:
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

    # -- pp: the format string -----------------------------------------------------------------
    def arg_number(self, arg_num: int, fmt: str, i: int, num_args: int) -> tuple[int, int, bool]:
        """An explicit `[n]` argument index at `fmt[i]`: (argument, index after, found)."""
        if i >= len(fmt) or fmt[i] != "[":
            return arg_num, i, False
        self.reordered = True
        close = fmt.find("]", i + 1)
        if len(fmt) - i < 3 or close < 0:
            self.good_arg_num = False
            return arg_num, i + 1, False
        width, ok, newi = _parsenum(fmt, i + 1, close)
        if not ok or newi != close:
            self.good_arg_num = False
            return arg_num, close + 1, False
        if 0 <= width - 1 < num_args:
            return width - 1, close + 1, True
        self.good_arg_num = False
        return arg_num, close + 1, True

    @staticmethod
    def int_from_arg(args: Sequence[Any], arg_num: int) -> tuple[int, bool, int]:
        if arg_num >= len(args):
            return 0, False, arg_num
        value = args[arg_num]
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _TOO_LARGE:
            return 0, False, arg_num + 1
        return value, True, arg_num + 1

    def do_printf(self, fmt: str, args: Sequence[Any]) -> None:  # a port of one Go function
        end = len(fmt)
        arg_num = 0
        after_index = False
        i = 0
        while i < end:
            self.good_arg_num = True
            pct = fmt.find("%", i)
            if pct < 0:
                self.write(fmt[i:])
                break
            if pct > i:
                self.write(fmt[i:pct])
            i = pct + 1
            self.clear_flags()
            while i < end:
                c = fmt[i]
                if c == "#":
                    self.sharp = True
                elif c == "0":
                    self.zero = not self.minus  # only pad with zeros to the left
                elif c == "+":
                    self.plus = True
                elif c == "-":
                    self.minus = True
                    self.zero = False
                elif c == " ":
                    self.space = True
                else:
                    break
                i += 1
            arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(args))
            if i < end and fmt[i] == "*":
                i += 1
                self.wid, self.wid_present, arg_num = self.int_from_arg(args, arg_num)
                if not self.wid_present:
                    self.write("%!(BADWIDTH)")
                if self.wid < 0:
                    self.wid = -self.wid
                    self.minus = True
                    self.zero = False
                after_index = False
            else:
                self.wid, self.wid_present, i = _parsenum(fmt, i, end)
                if after_index and self.wid_present:  # "%[3]2d"
                    self.good_arg_num = False
            if i + 1 < end and fmt[i] == ".":
                i += 1
                if after_index:  # "%[3].2d"
                    self.good_arg_num = False
                arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(args))
                if i < end and fmt[i] == "*":
                    i += 1
                    self.prec, self.prec_present, arg_num = self.int_from_arg(args, arg_num)
                    if self.prec < 0:
                        self.prec = 0
                        self.prec_present = False
                    if not self.prec_present:
                        self.write("%!(BADPREC)")
                    after_index = False
                else:
                    self.prec, self.prec_present, i = _parsenum(fmt, i, end)
                    if not self.prec_present:
                        self.prec = 0
                        self.prec_present = True
            if not after_index:
                arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(args))
            if i >= end:
                self.write("%!(NOVERB)")
                break
            verb = fmt[i]
            i += 1
            if verb == "%":  # absorbs no operand and ignores width and precision
                self.write("%")
            elif not self.good_arg_num:
                self.write("%!" + verb + "(BADINDEX)")
            elif arg_num >= len(args):
                self.write("%!" + verb + "(MISSING)")
            else:
                if verb == "v":
                    self.sharp_v, self.sharp = self.sharp, False
                    self.plus_v, self.plus = self.plus, False
                self.print_arg(args[arg_num], verb)
                arg_num += 1
        if not self.reordered and arg_num < len(args):
            self.clear_flags()
            self.write("%!(EXTRA ")
            for k, arg in enumerate(args[arg_num:]):
                if k:
                    self.write(", ")
                if arg is None:
                    self.write("<nil>")
                else:
                    self.write(go_type(arg) + "=")
                    self.print_arg(arg, "v")
            self.write(")")
