"""GJSON evaluation: the scanner over the raw JSON text and `get`, ported from tidwall/gjson.

The scanner never parses a whole document: it walks the text the way the Go implementation
does (`parseObject`, `parseArray`, `Get`) and slices the raw text of the match, so
`Result.raw` is exactly the document's text. Where json's C scanner provably gives Go's
answer faster, the loops hand over to `_gjson_fast`; modifiers, literals and multipaths are
split off by `_gjson_selectors`.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from ringdesk.expressions import BudgetExceeded
from ringdesk.expressions._gjson_fast import (
    MEMBER,
    array_fast,
    as_result,
    scan_first_wins,
    skip_elements,
    walk_value,
)
from ringdesk.expressions._gjson_path import (
    ArrayPath,
    match,
    parse_array_path,
    parse_object_path,
    query_matches,
    split_possible_pipe,
)
from ringdesk.expressions._gjson_selectors import (
    exec_modifier,
    exec_static,
    is_simple_name,
    name_of_last,
    parse_sub_selectors,
)
from ringdesk.expressions._gjson_text import (
    FALSE,
    JSON,
    NULL,
    NUMBER,
    STR_END,
    STRING,
    TRUE,
    Result,
    append_json_string,
    parse,
    parse_any,
    parse_float,
    parse_literal,
    parse_number,
    parse_squash,
    parse_string,
    unescape,
    valid,
)
from ringdesk.expressions.budget import DEFAULT_BUDGET, Budget, Meter, describe

__all__ = ["METER", "current_meter", "evaluate", "get"]

_KEY_OR_CLOSE = re.compile(r'["}]')
_OBJ_VALUE = re.compile(r'["{\[ntf+\-0-9iIN]')
_ARR_VALUE = re.compile(r'["{\[\]ntf+\-0-9iIN]')
_FIRST_CONTAINER = re.compile(r"[{\[]")


class _Ctx:
    __slots__ = ("json", "meter", "pipe", "piped", "value")

    def __init__(self, s: str, meter: Meter) -> None:
        self.json = s
        self.value = Result()
        self.pipe = ""
        self.piped = False
        self.meter = meter


def _parse_object(c: _Ctx, i: int, path: str) -> tuple[int, bool]:
    s = c.json
    n = len(s)
    rp = parse_object_path(path)
    if not rp.more and rp.piped:
        c.pipe = rp.pipe
        c.piped = True
    part = rp.part
    wild = rp.wild
    while i < n:
        # fast path: a well-formed member whose key does not match is skipped in one step
        fm = MEMBER.match(s, i)
        if fm is not None:
            key = fm.group(1)
            if "\\" in key:
                key = unescape(key)
            if not (match(key, part) if wild else part == key):
                i = fm.end() if fm.group(2) is None else parse_squash(s, fm.end() - 1)[0]
                continue
            i = fm.start(1) - 1
        m = _KEY_OR_CLOSE.search(s, i)
        if m is None:
            return n, False
        i = m.start()
        if s[i] == "}":
            return i + 1, False
        km = STR_END.match(s, i + 1)
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
                c.meter.enter()
                i, hit = _parse_object(c, i + 1, rp.path)
                c.meter.leave()
                if hit:
                    return i, True
            else:
                i, val = parse_squash(s, i)
                if hit:
                    c.value = Result(JSON, val)
                    return i, True
        elif ch == "[":
            if pmatch and not hit:
                c.meter.enter()
                i, hit = _parse_array(c, i + 1, rp.path)
                c.meter.leave()
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
    if not rp.arrch:
        return _parse_array_index(c, i, rp.path, rp.more, partidx)
    multires: list[str] = []
    alog: list[int] = []
    alog_raws: list[str] = []  # the elements' raw text, seen while skipping them
    state = {"rp": rp}

    def proc_query(qval: Result, parsed: Result | None = None) -> bool:
        rp_ = state["rp"]
        if parsed is not None:
            res = parsed
        elif qval.type == JSON:
            res = get(qval.raw, rp_.q_path)
        else:
            if rp_.q_path != "":
                return False
            res = qval
        if query_matches(rp_, res):
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

    if rp.q_on or rp.part == "#":
        fast = array_fast(c, s, i, rp, state, multires, proc_query, get)
        if fast is not None:
            return fast
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
                if rp.alogok:
                    alog_raws.append(val)
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
                        c.meter.enter()
                        i, hit = _parse_object(c, i + 1, rp.path)
                        c.meter.leave()
                    else:
                        c.meter.enter()
                        i, hit = _parse_array(c, i + 1, rp.path)
                        c.meter.leave()
                    if hit:
                        if rp.alogok:
                            break
                        return i, True
                else:
                    parsed = None
                    if rp.q_parts is not None:
                        # fast path: parse the element once with json's C scanner and read
                        # the plain query path from it (first duplicate key wins, as in Go)
                        try:
                            obj, end = scan_first_wins(s, i)
                        except (StopIteration, ValueError, RecursionError):
                            pass
                        else:
                            parsed = as_result(walk_value(obj, rp.q_parts))
                            i, val = end, s[i:end]
                    if parsed is None:
                        i, val = parse_squash(s, i)
                    if rp.alogok:
                        alog_raws.append(val)
                    if rp.q_on:
                        if proc_query(Result(JSON, val), parsed):
                            return i, True
                    elif hit:
                        if rp.alogok:
                            break
                        c.value = Result(JSON, val)
                        return i, True
            elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
                i, val = parse_literal(s, i)
                typ = TRUE if ch == "t" else FALSE if ch == "f" else NULL
                if rp.alogok:
                    alog_raws.append(val)
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
                        _alog_result(c, rp, alog, alog_raws)
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
                if rp.alogok:
                    alog_raws.append(val)
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


def _parse_array_index(c: _Ctx, i: int, path: str, more: bool, idx: int) -> tuple[int, bool]:
    """`_parse_array` for a plain index step (`items.3`): the same scan, without the
    query/`#` machinery."""
    s = c.json
    n = len(s)
    h = 0
    i, h, close = skip_elements(s, i, idx)
    if close >= 0:
        return close, False
    while True:
        m = _ARR_VALUE.search(s, i)
        if m is None:
            return n + 1, False
        i = m.start()
        ch = s[i]
        if ch == "]":
            return i + 1, False
        target = h == idx
        h += 1
        if ch == '"':
            i, val, vesc, ok = parse_string(s, i + 1)
            if not ok:
                return i, False
            if target and not more:
                inner = val[1:-1]
                c.value = Result(STRING, val, unescape(inner) if vesc else inner)
                return i, True
        elif ch in "{[":
            if target and more:
                if ch == "{":
                    c.meter.enter()
                    i, hit = _parse_object(c, i + 1, path)
                    c.meter.leave()
                else:
                    c.meter.enter()
                    i, hit = _parse_array(c, i + 1, path)
                    c.meter.leave()
                if hit:
                    return i, True
            else:
                i, val = parse_squash(s, i)
                if target:
                    c.value = Result(JSON, val)
                    return i, True
        elif ch in "tf" or (ch == "n" and not (i + 1 < n and s[i + 1] != "u")):
            i, val = parse_literal(s, i)
            if target and not more:
                c.value = Result(TRUE if ch == "t" else FALSE if ch == "f" else NULL, val)
                return i, True
        else:
            i, val = parse_number(s, i)
            if target and not more:
                c.value = Result(NUMBER, val, num=parse_float(val))
                return i, True


def _alog_result(c: _Ctx, rp: ArrayPath, alog: list[int], raws: list[str]) -> None:
    s = c.json
    key = rp.alogkey
    split = split_possible_pipe(key)
    if split is not None:
        key = split[0]
        c.pipe = split[1]
        c.piped = True
    parts: list[str] = []
    n = len(s)
    last = alog[-1]
    while last < n and s[last] in " \t\r\n":
        last += 1
    if last >= n or s[last] == "]":
        # the usual case: each element was seen once while skipping it
        for raw in raws:
            sub = get(raw, key)
            if sub.exists:
                parts.append(sub.raw or sub.text)
        c.value = Result(JSON, "[" + ",".join(parts) + "]")
        return
    # Go re-reads each element from its recorded start; after a trailing comma that
    # re-read runs past the ']' (a quirk we keep), so do exactly the same here
    for idx in alog:
        while idx < n and s[idx] in " \t\r\n":
            idx += 1
        if idx < n and s[idx] != "]":
            _, res = parse_any(s, idx)
            if res is not None:
                sub = get(res.raw, key)
                if sub.exists:
                    parts.append(sub.raw or sub.text)
    c.value = Result(JSON, "[" + ",".join(parts) + "]")


METER: ContextVar[Meter | None] = ContextVar("ringdesk_gjson_meter", default=None)


def evaluate(s: str, path: str, budget: Budget) -> Result:
    """`get` with a fresh meter for `budget` (raises BudgetExceeded beyond it)."""
    token = METER.set(Meter(budget))
    try:
        return get(s, path)
    except RecursionError:  # a last resort: the meter bounds every recursion we know of
        raise BudgetExceeded(describe(budget, "max_depth"), limit="max_depth") from None
    finally:
        METER.reset(token)


def current_meter() -> Meter:
    """The meter of the evaluation running now (a fresh default one outside any)."""
    return METER.get() or Meter(DEFAULT_BUDGET)


def get(s: str, path: str) -> Result:
    """GJSON `Get` over the raw text `s`, within the running evaluation's budget (a default
    budget when called on its own): each nested `get` is one level deeper."""
    meter = METER.get()
    if meter is None:
        return evaluate(s, path, DEFAULT_BUDGET)
    meter.enter()
    if len(s) > 4096:
        meter.check_time()  # a scan of this much text is worth a look at the clock
    else:
        meter.poll()
    try:
        return _get(s, path, meter)
    finally:
        meter.leave()


def _get(s: str, path: str, meter: Meter) -> Result:  # a faithful port of one Go function
    if len(path) > 1:
        p0 = path[0]
        if p0 in "@!":
            ex = exec_modifier(s, path) if p0 == "@" else exec_static(path)
            if ex is not None:
                npath, rjson = ex
                if npath[:1] in ("|", "."):
                    return get(rjson, npath[1:])
                return parse(rjson)
        if p0 in "[{":
            sub = parse_sub_selectors(path)
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
                                last = name_of_last(spath)
                                key = append_json_string(last if is_simple_name(last) else "_")
                            out.append(key + ":" + raw)
                        else:
                            out.append(raw)
                    close = "}" if p0 == "{" else "]"
                    result = Result(JSON, p0 + ",".join(out) + close)
                    if rest:
                        result = get(result.raw, rest[1:])
                    return result
                # Go quirk: a selector list followed by anything else leaves only the rest
                path = rest
    c = _Ctx(s, meter)
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
