"""Go `fmt` printing for template values: `%v`, `print`, `println` and `printf`.

A port of Go's `fmt` (print.go `doPrintf`, `doPrint`, `doPrintln`) for JSON-like values as Go
sees them in a `map[string]interface{}`: argument indexes (`%[2]s`), `*` widths and
precisions, every flag, and Go's error forms (`%!(EXTRA …)`, `%!s(MISSING)`,
`%!(BADINDEX)`, `%!(NOVERB)`); `_printer.Printer` formats each value.
tests/expressions/data/gotemplate_go_recorded.json holds the answers of real Go this port is
tested against.

Every function takes a `limit`: building text longer than that many characters stops with
`ValueTooLong` before the text exists, so a template cannot make a huge string (the
executor turns it into a located `BudgetExceeded`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ringdesk.expressions.gotemplate._printer import NO_LIMIT, Printer, ValueTooLong, go_type
from ringdesk.expressions.gotemplate._strconv import format_float

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

_TOO_LARGE = 1_000_000  # Go's limit for widths and precisions (fmt.tooLarge)


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
    p = Printer(limit)
    p.print_arg(value, "v")
    return p.text()


def sprint(args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    p = Printer(limit)
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            p.write(" ")
        p.print_arg(arg, "v")
    return p.text()


def sprintln(args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprintln: operands separated by spaces, then a newline."""
    p = Printer(limit)
    for i, arg in enumerate(args):
        if i > 0:
            p.write(" ")
        p.print_arg(arg, "v")
    p.write("\n")
    return p.text()


def sprintf(fmt: str, args: Sequence[Any], limit: int = NO_LIMIT) -> str:
    """fmt.Sprintf, verbs and flags as in Go."""
    p = Printer(limit)
    _do_printf(p, fmt, args)
    return p.text()


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


def _arg_number(p: Printer, arg_num: int, fmt: str, i: int, num_args: int) -> tuple[int, int, bool]:
    """An explicit `[n]` argument index at `fmt[i]`: (argument, index after, found)."""
    if i >= len(fmt) or fmt[i] != "[":
        return arg_num, i, False
    p.reordered = True
    close = fmt.find("]", i + 1)
    if len(fmt) - i < 3 or close < 0:
        p.good_arg_num = False
        return arg_num, i + 1, False
    width, ok, newi = _parsenum(fmt, i + 1, close)
    if not ok or newi != close:
        p.good_arg_num = False
        return arg_num, close + 1, False
    if 0 <= width - 1 < num_args:
        return width - 1, close + 1, True
    p.good_arg_num = False
    return arg_num, close + 1, True


def _int_from_arg(args: Sequence[Any], arg_num: int) -> tuple[int, bool, int]:
    if arg_num >= len(args):
        return 0, False, arg_num
    value = args[arg_num]
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _TOO_LARGE:
        return 0, False, arg_num + 1
    return value, True, arg_num + 1


def _do_printf(p: Printer, fmt: str, args: Sequence[Any]) -> None:  # a port of one Go function
    end = len(fmt)
    arg_num = 0
    after_index = False
    i = 0
    while i < end:
        p.good_arg_num = True
        pct = fmt.find("%", i)
        if pct < 0:
            p.write(fmt[i:])
            break
        if pct > i:
            p.write(fmt[i:pct])
        i = pct + 1
        p.clear_flags()
        while i < end:
            c = fmt[i]
            if c == "#":
                p.sharp = True
            elif c == "0":
                p.zero = not p.minus  # only pad with zeros to the left
            elif c == "+":
                p.plus = True
            elif c == "-":
                p.minus = True
                p.zero = False
            elif c == " ":
                p.space = True
            else:
                break
            i += 1
        arg_num, i, after_index = _arg_number(p, arg_num, fmt, i, len(args))
        if i < end and fmt[i] == "*":
            i += 1
            p.wid, p.wid_present, arg_num = _int_from_arg(args, arg_num)
            if not p.wid_present:
                p.write("%!(BADWIDTH)")
            if p.wid < 0:
                p.wid = -p.wid
                p.minus = True
                p.zero = False
            after_index = False
        else:
            p.wid, p.wid_present, i = _parsenum(fmt, i, end)
            if after_index and p.wid_present:  # "%[3]2d"
                p.good_arg_num = False
        if i + 1 < end and fmt[i] == ".":
            i += 1
            if after_index:  # "%[3].2d"
                p.good_arg_num = False
            arg_num, i, after_index = _arg_number(p, arg_num, fmt, i, len(args))
            if i < end and fmt[i] == "*":
                i += 1
                p.prec, p.prec_present, arg_num = _int_from_arg(args, arg_num)
                if p.prec < 0:
                    p.prec = 0
                    p.prec_present = False
                if not p.prec_present:
                    p.write("%!(BADPREC)")
                after_index = False
            else:
                p.prec, p.prec_present, i = _parsenum(fmt, i, end)
                if not p.prec_present:
                    p.prec = 0
                    p.prec_present = True
        if not after_index:
            arg_num, i, after_index = _arg_number(p, arg_num, fmt, i, len(args))
        if i >= end:
            p.write("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":  # absorbs no operand and ignores width and precision
            p.write("%")
        elif not p.good_arg_num:
            p.write("%!" + verb + "(BADINDEX)")
        elif arg_num >= len(args):
            p.write("%!" + verb + "(MISSING)")
        else:
            if verb == "v":
                p.sharp_v, p.sharp = p.sharp, False
                p.plus_v, p.plus = p.plus, False
            p.print_arg(args[arg_num], verb)
            arg_num += 1
    if not p.reordered and arg_num < len(args):
        p.clear_flags()
        p.write("%!(EXTRA ")
        for k, arg in enumerate(args[arg_num:]):
            if k:
                p.write(", ")
            if arg is None:
                p.write("<nil>")
            else:
                p.write(go_type(arg) + "=")
                p.print_arg(arg, "v")
        p.write(")")
