"""GJSON path queries (tidwall/gjson syntax) over raw JSON text: `get`, `compile`, `escape`.

`get(document, path)` scans the document text like the Go implementation (a port of
tidwall/gjson, modifiers and tidwall/pretty included), so `Result.raw` is the match's exact
text ("" when missing), `Result.text` is Go's `String()`, `Result.exists` Go's `Exists()`.
`Result.value` is the Python value: unlike Go's float64 everywhere, integers stay `int`; a
duplicate object key resolves to its first occurrence, as `get` does. Mapping paths such as
`data.#.id` give one array; `split_alternatives` splits C4's "path1, path2" lists.

Paths are validated once (`compile`, cached; `get` validates too). gjson accepts any string,
but we refuse paths that are clearly malformed, raising ExpressionError with a 0-based
`position`:

* a dangling escape (a path ending in a lone backslash);
* an unbalanced query `#(` / `#[`, or a multipath `[` / `{` without its closing bracket;
* a query operator other than `== = != < <= > >= % !%`;
* an unknown modifier name (`@nope`): a key that starts with `@` must be escaped (`\\@type`),
  which `escape()` does. Custom modifiers (Go's AddModifier) are not supported.

* a path nested deeper than 100 levels (queries and multipaths inside each other).

Evaluation runs within a `Budget` (`get(..., budget=...)`, default `DEFAULT_BUDGET`): nested
paths, pipes and queries and the data modifiers recurse into count against `max_depth`, the
values modifiers visit (`@dig`, `@flatten`, ...) against `max_steps`, and the wall time
against `max_seconds`; going over raises `BudgetExceeded` (an ExpressionError).

Conformance: tests/expressions/test_gjson_conformance.py replays the calls of tidwall/gjson's
own test suite (99 % identical; the rest are the two rules above) and random paths answered by
the Go code.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ringdesk.expressions import BudgetExceeded, ExpressionError
from ringdesk.expressions import _gjson_modifiers as _modifiers
from ringdesk.expressions._gjson_path import MODIFIERS, parse_query
from ringdesk.expressions._gjson_scan import evaluate
from ringdesk.expressions._gjson_selectors import exec_static, split_modifier
from ringdesk.expressions._gjson_text import Result
from ringdesk.expressions.budget import DEFAULT_BUDGET, Budget

__all__ = [
    "MAX_NESTING",
    "Budget",
    "BudgetExceeded",
    "CompiledPath",
    "Result",
    "compile",
    "escape",
    "get",
    "split_alternatives",
]

del _modifiers  # imported for its side effect: registering the modifiers

_OPS = frozenset({"=", "==", "!=", "<", "<=", ">", ">=", "%", "!%"})
MAX_NESTING = 100  # queries and multipaths inside each other; deeper paths are refused


class CompiledPath:
    """A validated GJSON path; `get(document)` evaluates it."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def get(self, document: str | bytes, *, budget: Budget = DEFAULT_BUDGET) -> Result:
        """Evaluate against JSON text; a missing match has `exists` False and `raw` "".

        Raises BudgetExceeded when the evaluation goes over `budget`."""
        if isinstance(document, bytes | bytearray | memoryview):
            document = bytes(document).decode("utf-8", errors="replace")
        return evaluate(document, self.path, budget)

    def __repr__(self) -> str:
        return f"CompiledPath({self.path!r})"


@functools.lru_cache(maxsize=2048)
def compile(path: str) -> CompiledPath:  # shadows the builtin: the contract names it so
    """Validate `path` (raises ExpressionError with `.position`) and return a CompiledPath."""
    _check_nesting(path)
    _validate(path, 0, path)
    return CompiledPath(path)


def get(document: str | bytes, path: str, *, budget: Budget = DEFAULT_BUDGET) -> Result:
    """Evaluate the GJSON `path` against the JSON text `document`; raises ExpressionError for
    a malformed path and BudgetExceeded when the evaluation goes over `budget`."""
    return compile(path).get(document, budget=budget)


def _is_safe_key_char(c: str) -> bool:
    return (c.isascii() and (c.isalnum() or c in "_-:")) or c <= " " or c > "~"


def escape(component: str) -> str:
    """Escape GJSON special characters so `component` matches literally as one key."""
    return "".join(c if _is_safe_key_char(c) else "\\" + c for c in component)


def split_alternatives(text: str) -> list[str]:
    """Split "path1, path2" (C4: first non-empty wins) on top-level commas only.

    Commas inside multipaths `[a,b]`/`{a,b}`, queries `#(...)`, quoted strings or escaped
    (`\\,`) stay in their path; surrounding whitespace is trimmed and empty parts dropped.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c in "[({":
            depth += 1
        elif c in "])}":
            depth = max(depth - 1, 0)
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _fail(message: str, position: int, expression: str) -> Any:
    raise ExpressionError(message, position=position, expression=expression)


_NEST = re.compile(r'\\.|"(?:[^"\\]|\\.)*+"?|[\[\](){}]', re.DOTALL)


def _check_nesting(path: str) -> None:
    """Refuse brackets nested deeper than MAX_NESTING before the (recursive) grammar walk."""
    depth = 0
    for m in _NEST.finditer(path):
        c = m.group()[0]
        if c in "[({":
            depth += 1
            if depth > MAX_NESTING:
                _fail(f"path nested deeper than {MAX_NESTING} levels", m.start(), path)
        elif c in "])}":
            depth -= 1


def _validate(path: str, base: int, whole: str, nesting: int = 0) -> None:  # one grammar walk
    if nesting > MAX_NESTING:
        _fail(f"path nested deeper than {MAX_NESTING} levels", base, whole)
    n = len(path)
    i = 0
    at_start = True
    while i < n:
        c = path[i]
        if c == "\\":
            if i + 1 >= n:
                _fail("dangling escape '\\'", base + i, whole)
            i += 2
            at_start = False
            continue
        if c in ".|":
            i += 1
            at_start = True
            continue
        if at_start and c == "#" and i + 1 < n and path[i + 1] in "([":
            q = parse_query(path[i:])
            if q is None:
                _fail(f"unbalanced '{path[i + 1]}' in query", base + i + 1, whole)
            assert q is not None  # noqa: S101  # _fail raised otherwise
            qpath, op, _, _, end, _, opat = q
            if op:
                start = i + opat
                run = _op_run(path, start)
                if run not in _OPS:
                    _fail(f"bad query operator {run!r}", base + start, whole)
            if qpath:
                _validate(qpath, base + path.find(qpath, i + 2), whole, nesting + 1)
            i += end
            at_start = False
            continue
        if at_start and c == "@":
            name, _, rest = split_modifier(path[i:])
            if name not in MODIFIERS:
                _fail(f"unknown modifier '@{name}'", base + i, whole)
            i = n - len(rest)
            at_start = False
            continue
        if at_start and c == "!":
            static = exec_static(path[i:])
            if static is not None:
                i = n - len(static[0])
                at_start = False
                continue
        if at_start and c in "[{" and (i == 0 or path[i - 1] in ".|"):
            i = _validate_multipath(path, i, base, whole, nesting)
            at_start = False
            continue
        at_start = False
        i += 1


def _op_run(path: str, i: int) -> str:
    j = i
    while j < len(path) and path[j] in "!=<>%":
        j += 1
    return path[i:j]


def _skip_string(path: str, i: int) -> int:
    i += 1
    while i < len(path):
        if path[i] == "\\":
            i += 2
            continue
        if path[i] == '"':
            return i + 1
        i += 1
    return i


def _validate_multipath(path: str, i: int, base: int, whole: str, nesting: int) -> int:
    """Validate `[a,b]` / `{k:a,b}` starting at `path[i]`; returns the index after it."""
    n = len(path)
    depth = 0
    start = i + 1
    colon = -1
    modifier = False
    j = i
    while j < n:
        c = path[j]
        if c == "@" and path[j - 1] in ".|":
            modifier = True  # as in gjson: a ':' after a modifier is its argument
        if c == "\\":
            j += 2
            continue
        if c == '"':
            j = _skip_string(path, j)
            continue
        if c in "[({":
            depth += 1
        elif c in "])}":
            depth -= 1
            if depth == 0:
                _validate_selector(path, start, j, colon, base, whole, nesting)
                return j + 1
        elif c == "," and depth == 1:
            _validate_selector(path, start, j, colon, base, whole, nesting)
            start, colon, modifier = j + 1, -1, False
        elif c == ":" and depth == 1 and colon < 0 and not modifier and path[i] == "{":
            colon = j
        j += 1
    return _fail(f"unbalanced '{path[i]}' in multipath", base + i, whole)  # type: ignore[no-any-return]


def _validate_selector(
    path: str, start: int, end: int, colon: int, base: int, whole: str, nesting: int
) -> None:
    s = colon + 1 if colon >= 0 else start
    sub = path[s:end]
    lead = len(sub) - len(sub.lstrip())
    if sub.strip():
        _validate(sub.strip(), base + s + lead, whole, nesting + 1)
