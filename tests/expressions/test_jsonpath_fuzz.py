"""Fuzzing JSONPath: any query over any document gives a list or raises ExpressionError.

Queries come from RFC 9535's grammar (segments, selectors, slices, filters, functions) and
from raw characters. `RINGDESK_FUZZ=deep` runs 10,000+ examples (tests/expressions/conftest.py).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import ExpressionError, jsonpath

pytestmark = pytest.mark.fuzz
FUZZ = settings(settings.get_profile("ringdesk-fuzz"))

NAMES = st.sampled_from(["a", "b", "id", "x y", "é", "", "'", '"', "\\"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=20,
)

INTS = st.sampled_from(["0", "1", "-1", "2", "-3", "", "9007199254740991", "-9007199254740992"])
COMPARABLES = st.sampled_from(
    ["@", "@.a", "@['b']", "$.a", "1", "-1.5e2", "'x'", '"y"', "true", "null", "length(@)",
     "value(@..a)", "count(@.*)"]
)  # fmt: skip
OPERATORS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def filters(depth: int) -> st.SearchStrategy[str]:
    comparison = st.builds(lambda a, op, b: f"{a} {op} {b}", COMPARABLES, OPERATORS, COMPARABLES)
    tests = st.sampled_from(
        ["@.a", "!@.b", "@[0]", "$", "match(@.a, 'a.*')", "search(@, '[0-9]+')", "@..id"]
    )
    base = comparison | tests
    if depth <= 0:
        return base
    inner = st.deferred(lambda: filters(depth - 1))
    return base | st.builds(
        lambda a, op, b, paren: f"({a} {op} {b})" if paren else f"{a} {op} {b}",
        inner,
        st.sampled_from(["&&", "||"]),
        inner,
        st.booleans(),
    )


def selectors() -> st.SearchStrategy[str]:
    name = NAMES.map(lambda n: "'" + n.replace("\\", "\\\\").replace("'", "\\'") + "'")
    slice_ = st.builds(lambda a, b, c: f"{a}:{b}" + (f":{c}" if c else ""), INTS, INTS, INTS)
    return name | INTS.filter(bool) | slice_ | st.just("*") | filters(2).map(lambda f: "?" + f)


SEGMENTS = (
    st.builds(lambda sels, desc: ("..[" if desc else "[") + ", ".join(sels) + "]",
              st.lists(selectors(), min_size=1, max_size=3), st.booleans())
    | st.sampled_from([".a", ".b", ".*", "..*", "..a", ".id", ".é"])
)  # fmt: skip
QUERIES = st.lists(SEGMENTS, max_size=5).map(lambda segments: "$" + "".join(segments))
RAW_QUERIES = st.text(alphabet=st.sampled_from(list("$@.[]()?*:,'\"=<>!&|-01ab ")), max_size=24)


@st.composite
def documents(draw: Any) -> Any:
    value = draw(VALUES)
    form = draw(st.sampled_from(["value", "text", "bytes", "broken", "deep"]))
    if form == "text":
        return json.dumps(value)
    if form == "bytes":
        return json.dumps(value).encode()
    if form == "broken":
        text = json.dumps(value)
        return text[: draw(st.integers(0, len(text)))]
    if form == "deep":
        return "[" * draw(st.integers(100, 3000)) + "1" + "]" * draw(st.integers(0, 3000))
    return value


def _check(document: Any, query: str) -> None:
    started = time.process_time()
    try:
        found: list[Any] | ExpressionError = jsonpath.find(document, query)
    except ExpressionError as exc:
        found = exc
    if isinstance(found, ExpressionError):
        assert found.message
    else:
        assert isinstance(found, list)
    assert time.process_time() - started < 5


@FUZZ
@given(document=documents(), query=QUERIES)
def test_fuzz_jsonpath_grammar_queries(document, query):
    """Queries built from RFC 9535's grammar never crash."""
    _check(document, query)


@FUZZ
@given(document=documents(), query=RAW_QUERIES)
def test_fuzz_jsonpath_raw_queries(document, query):
    """Any string of query characters either is refused or evaluates."""
    _check(document, query)
