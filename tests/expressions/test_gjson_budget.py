"""GJSON evaluation budgets: deep paths, deep data and modifier work stop with clear errors."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import BudgetExceeded, ExpressionError, gjson
from ringdesk.expressions.budget import Budget

N = 3000
DEEP_OBJECT = '{"a":' * N + "1" + "}" * N
DEEP_ARRAY = "[" * N + "]" * N
DEEP_LENIENT = "[" * N + "1,]" + "]" * (N - 1)
WIDE = json.dumps(list(range(150_000)))
NESTED_WIDE = json.dumps([[i, [i]] for i in range(60_000)])

# covers E3: paths nested 3,000 deep are refused when compiled, with the position
DEEP_PATHS = [
    ("queries", "#(" * N + "a" + ")" * N),
    ("multipaths", "[" * N + "a" + "]" * N),
    ("object multipaths", "{" * N + "a" + "}" * N),
    ("modifier argument", "@join:" + "[" * N + "]" * N),
    ("query inside multipath", "[#(" * N + "a" + ")]" * N),
]


def _opening(path: str, count: int) -> int:
    """Index of the `count`-th opening bracket of `path`."""
    return [i for i, c in enumerate(path) if c in "([{"][count - 1]


@pytest.mark.parametrize("path", [d[1] for d in DEEP_PATHS], ids=[d[0] for d in DEEP_PATHS])
def test_deeply_nested_paths_are_refused_at_once(path):
    """The error points at the 101st opening bracket, before any recursion."""
    started = time.process_time()
    with pytest.raises(ExpressionError) as info:
        gjson.get('{"a":1}', path)
    assert time.process_time() - started < 0.5
    assert "nested deeper than 100 levels" in str(info.value)
    assert info.value.position == _opening(path, 101)


FEW_STEPS = Budget(max_steps=5000)  # wide data: steps stop it long before the clock does

# covers E3: (id, document, path, budget, limit)
ATTACKS = [
    ("pipes", '{"a":1}', "|".join(["@this"] * N), Budget(), "max_depth"),
    ("path into deep data", DEEP_OBJECT, ".".join(["a"] * N), Budget(), "max_depth"),
    ("array path into deep data", DEEP_ARRAY, ".".join(["0"] * N), Budget(), "max_depth"),
    ("dig deep", DEEP_OBJECT, "@dig:a", Budget(), "max_depth"),
    ("dig wide", NESTED_WIDE, "@dig:0", FEW_STEPS, "max_steps"),
    ("flatten deep", DEEP_ARRAY, '@flatten:{"deep":true}', Budget(), "max_depth"),
    ("flatten wide", NESTED_WIDE, '@flatten:{"deep":true}', FEW_STEPS, "max_steps"),
    ("pretty deep", DEEP_ARRAY, "@pretty", Budget(), "max_depth"),
    ("pretty wide", WIDE, "@pretty", FEW_STEPS, "max_steps"),
    ("reverse wide", WIDE, "@reverse", FEW_STEPS, "max_steps"),
    ("keys wide", WIDE, "@keys", FEW_STEPS, "max_steps"),
    (
        "many selectors",
        WIDE,
        "[" + ",".join(["149999"] * 400) + "]",
        Budget(max_seconds=1e-9),
        "max_seconds",
    ),
    ("small depth budget", '{"a":{"a":{"a":1}}}', "a.a.a", Budget(max_depth=2), "max_depth"),
]


@pytest.mark.parametrize(
    ("document", "path", "budget", "limit"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attacks_stop_at_their_limit_fast(document, path, budget, limit):
    """Each attack raises BudgetExceeded naming its limit, in well under a second (the
    @dig and @flatten ones took more than 20 s before)."""
    started = time.process_time()
    with pytest.raises(BudgetExceeded) as info:
        gjson.get(document, path, budget=budget)
    assert time.process_time() - started < 0.5
    assert info.value.limit == limit
    assert f"({limit})" in str(info.value)


@pytest.mark.parametrize("document", [DEEP_ARRAY, DEEP_LENIENT], ids=["strict", "lenient"])
def test_value_of_deep_data_raises_budget_exceeded_not_recursion_error(document):
    result = gjson.get(document, "@this")
    started = time.process_time()
    with pytest.raises(BudgetExceeded, match="max_depth"):
        _ = result.value
    assert time.process_time() - started < 0.5


def test_the_dig_attack_leaves_memory_flat(peak_memory):
    def attack() -> None:
        for path in ("@dig:a", '@flatten:{"deep":true}', "@pretty"):
            with pytest.raises(BudgetExceeded):
                gjson.get(DEEP_OBJECT if "dig" in path else DEEP_ARRAY, path)

    assert peak_memory(attack) < 40


NORMAL = json.dumps(
    {"a": {"b": [1, [2, [3, {"c": 4}]]], "c": 5}, "list": list(range(1000))},
    separators=(",", ":"),
)


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("@dig:c", "[5,4]"),
        ('a.b|@flatten:{"deep":true}', '[1,2,3,{"c":4}]'),
        ("list.#", "1000"),
        ("list|@reverse|0", "999"),
        ("a|@pretty|@ugly", '{"b":[1,[2,[3,{"c":4}]]],"c":5}'),
    ],
)
def test_ordinary_modifiers_stay_within_the_default_budget(path, raw):
    assert gjson.get(NORMAL, path).raw == raw


def test_a_budget_can_be_raised_per_call():
    document = '{"a":' * 150 + "1" + "}" * 150
    path = ".".join(["a"] * 150)
    with pytest.raises(BudgetExceeded):
        gjson.get(document, path)
    assert gjson.get(document, path, budget=Budget(max_depth=200)).raw == "1"
    assert gjson.compile(path).get(document, budget=Budget(max_depth=200)).raw == "1"


# -- properties ----------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(0, 400),
    shape=st.sampled_from(["#({})", "[{}]", "{{{}}}", "@this|{}", "a.{}"]),
    max_depth=st.integers(1, 150),
)
def test_nesting_never_overflows_the_stack(depth, shape, max_depth):
    """Any nesting of queries, multipaths, pipes or steps over data as deep either answers
    or raises an ExpressionError (BudgetExceeded beyond the budget), never RecursionError."""
    path = "a"
    for _ in range(depth):
        path = shape.format(path)
    document = '{"a":' * depth + "1" + "}" * depth
    started = time.process_time()
    outcome = _outcome(document, path, Budget(max_depth=max_depth))
    if isinstance(outcome, BudgetExceeded):
        assert outcome.limit == "max_depth"
    elif isinstance(outcome, ExpressionError):
        assert outcome.position is not None
    else:
        assert isinstance(outcome.raw, str)
    assert time.process_time() - started < 1


@settings(max_examples=40, deadline=None)
@given(
    depth=st.integers(0, 300),
    width=st.integers(0, 50),
    modifier=st.sampled_from(["@dig:x", '@flatten:{"deep":true}', "@pretty", "@reverse", "@keys"]),
    max_steps=st.integers(1, 2000),
)
def test_modifier_work_is_bounded(depth, width, modifier, max_steps):
    """Modifiers over data of any depth and width answer or stop at their budget."""
    document = "[" * depth + ",".join(['{"x":1}'] * width) + "]" * depth
    outcome = _outcome(document, modifier, Budget(max_steps=max_steps))
    if isinstance(outcome, ExpressionError):
        assert isinstance(outcome, BudgetExceeded)
        assert outcome.limit in ("max_depth", "max_steps")
    else:
        assert isinstance(outcome.raw, str)


def _outcome(document: str, path: str, budget: Budget) -> gjson.Result | ExpressionError:
    try:
        return gjson.get(document, path, budget=budget)
    except ExpressionError as exc:
        return exc
