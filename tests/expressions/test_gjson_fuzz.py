"""Fuzzing GJSON: any path over any document answers or raises ExpressionError, within budget.

Paths come from a grammar of GJSON's syntax (keys, wildcards, `#` queries, multipaths,
modifiers, literals, pipes) and from raw characters; documents are JSON, broken JSON and
text. `RINGDESK_FUZZ=deep` runs 10,000+ examples (tests/expressions/conftest.py).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import BudgetExceeded, ExpressionError, gjson
from ringdesk.expressions.budget import Budget

pytestmark = pytest.mark.fuzz
FUZZ = settings(settings.get_profile("ringdesk-fuzz"))

KEYS = st.sampled_from(["a", "b", "id", "name", "0", "1", "x y", "é", ""]) | st.text(
    alphabet="abc01.*?#|@!\\\"'()[]{},:= ", max_size=4
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\/'), max_size=6
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def documents(draw: Any) -> str:
    value = draw(VALUES)
    text = json.dumps(
        value, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans())
    )
    kind = draw(st.sampled_from(["json", "json", "json", "cut", "noise", "deep", "text"]))
    if kind == "cut":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "noise":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(alphabet='{}[]",:\\ntf0-.eE', max_size=4)) + text[at:]
    if kind == "deep":
        depth = draw(st.integers(50, 400))
        return "[" * depth + text + "]" * draw(st.integers(0, depth))
    if kind == "text":
        return draw(st.text(max_size=30))
    return text


OPS = st.sampled_from(["==", "=", "!=", "<", "<=", ">", ">=", "%", "!%", ""])
QUERY_VALUES = st.sampled_from(
    ['"a"', '"x*"', "1", "1.5", "true", "null", "~true", "~*", '"\\""', "a"]
)
MODIFIERS = st.sampled_from(
    [
        "@this",
        "@reverse",
        "@ugly",
        "@pretty",
        '@pretty:{"sortKeys":true,"indent":"\\t"}',
        "@flatten",
        '@flatten:{"deep":true}',
        "@join",
        '@join:{"preserve":true}',
        "@keys",
        "@values",
        "@valid",
        "@tostr",
        "@fromstr",
        "@group",
        "@dig:a",
        "@dig:#",
    ]
)
MODIFIERS = MODIFIERS | st.builds(
    lambda name, arg: f"@{name}:{json.dumps(arg)}",
    st.sampled_from(["pretty", "flatten", "join", "dig", "this", "valid", "tostr", "keys"]),
    VALUES,
)
LITERALS = st.sampled_from(["!true", "!null", '!"x"', "!1.5", '!{"a":[1]}', "![1,2]"])


def paths(depth: int = 2) -> st.SearchStrategy[str]:
    step = KEYS.map(gjson.escape) | st.sampled_from(["#", "*", "a*", "?d", "0", "1", "#.a", "#.#"])
    if depth > 0:
        inner = st.deferred(lambda: paths(depth - 1))
        query = st.builds(
            lambda p, op, v, all_: f"#({p}{op}{v if op else ''}){'#' if all_ else ''}",
            inner | st.just(""),
            OPS,
            QUERY_VALUES,
            st.booleans(),
        )
        multipath = st.builds(
            lambda items, brace: (
                ("{" if brace else "[") + ",".join(items) + ("}" if brace else "]")
            ),
            st.lists(
                inner | st.builds(lambda k, p: f'"{k}":{p}', st.sampled_from("ab"), inner),
                max_size=3,
            ),
            st.booleans(),
        )
        step = step | query | multipath | MODIFIERS | LITERALS
    return st.builds(
        lambda first, rest, lead: lead + first + "".join(sep + s for sep, s in rest),
        step,
        st.lists(st.tuples(st.sampled_from([".", "|"]), step), max_size=4),
        st.sampled_from(["", "", "..", "@this|"]),
    )


RAW_PATHS = st.text(alphabet='ab01.*?#|@!\\"()[]{},:=<>%~ ', max_size=24)


def _check(document: str, path: str, budget: Budget) -> None:
    started = time.process_time()
    try:
        result = gjson.get(document, path, budget=budget)
    except ExpressionError as exc:
        error: ExpressionError | None = exc
    else:
        error = None
    if isinstance(error, BudgetExceeded):
        assert error.limit in ("max_depth", "max_steps", "max_seconds")
        return
    if error is not None:
        assert error.position is not None
        return
    assert isinstance(result.raw, str)
    assert isinstance(result.text, str)
    assert isinstance(result.exists, bool)
    try:
        json_value = result.value
    except BudgetExceeded:
        json_value = None
    assert json_value is None or isinstance(json_value, (str, int, float, bool, list, dict))
    for element in result.array():
        assert isinstance(element.raw, str)
    assert time.process_time() - started < 2 * budget.max_seconds + 1


BUDGETS = st.sampled_from([Budget(), Budget(max_depth=5, max_steps=50)])


@FUZZ
@given(document=documents(), path=paths(), budget=BUDGETS)
def test_fuzz_gjson_grammar_paths(document, path, budget):
    """Paths built from GJSON's grammar never crash the engine."""
    _check(document, path, budget)


@FUZZ
@given(document=documents(), path=RAW_PATHS, budget=BUDGETS)
def test_fuzz_gjson_raw_paths(document, path, budget):
    """Any string of path characters either is refused with a position or evaluates."""
    _check(document, path, budget)


@FUZZ
@given(value=VALUES, key=KEYS)
def test_fuzz_gjson_escaped_keys_and_alternatives(value, key):
    """escape() and split_alternatives() never crash and an escaped key finds its value."""
    document = json.dumps({key: value})
    result = gjson.get(document, gjson.escape(key))
    assert result.exists
    for part in gjson.split_alternatives(f"{gjson.escape(key)}, a.b, [{gjson.escape(key)}]"):
        _check(document, part, Budget())
