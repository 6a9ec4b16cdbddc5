"""Resource budgets: templates cannot build huge values or outputs, loop or nest forever."""

from __future__ import annotations

import time
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import BudgetExceeded, ExpressionError
from ringdesk.expressions.budget import DEFAULT_BUDGET, Budget, Meter
from ringdesk.expressions.gotemplate import check_budget, render

GROW = '{{$a = printf "%s%s%s%s%s%s%s%s%s%s" $a $a $a $a $a $a $a $a $a $a}}'
# the attack from the security report: 10 characters, ten-fold eight times = 1 GB
PRINTF_ATTACK = '{{$a := "xxxxxxxxxx"}}' + GROW * 8


def _nth(template: str, needle: str, n: int) -> tuple[int, int]:
    """1-based (line, column) of the n-th (1-based) occurrence of `needle`."""
    pos = -1
    for _ in range(n):
        pos = template.index(needle, pos + 1)
    line = template.count("\n", 0, pos) + 1
    return line, pos - (template.rfind("\n", 0, pos) + 1) + 1


def _offset(template: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = template.index("\n", start) + 1
    return start + column - 1


def _grow(expr: str, seed: str, times: int) -> str:
    return "{{$a := " + seed + "}}" + ("{{$a = " + expr + "}}") * times


SMALL = Budget(max_value=1000, max_output=1000, max_steps=1000, max_depth=10)

# covers E1: (id, template, data, budget, limit, the text the error must point at)
ATTACKS = [
    ("printf amplification", PRINTF_ATTACK, {}, DEFAULT_BUDGET, "max_value", "printf"),
    (
        "print amplification",
        _grow("print $a $a $a $a", '"xxxxxxxxxx"', 12),
        {},
        DEFAULT_BUDGET,
        "max_value",
        "print",
    ),
    (
        "println amplification",
        _grow("println $a $a $a $a", '"x"', 12),
        {},
        DEFAULT_BUDGET,
        "max_value",
        "println",
    ),
    (
        "html amplification",
        _grow("html $a $a $a", '"<<<<<<<<<<"', 12),
        {},
        DEFAULT_BUDGET,
        "max_value",
        "html",
    ),
    ("js amplification", _grow("js $a $a", '"<"', 12), {}, DEFAULT_BUDGET, "max_value", "js"),
    (
        "urlquery amplification",
        _grow("urlquery $a $a $a $a", '"é"', 12),
        {},
        DEFAULT_BUDGET,
        "max_value",
        "urlquery",
    ),
    (
        "UrlEncode amplification",
        _grow("UrlEncode (print $a $a $a $a)", '"é"', 12),
        {},
        DEFAULT_BUDGET,
        "max_value",
        "print",
    ),
    (
        "printf width",
        '{{printf "%999999d|%999999d" 1 2}}',
        {},
        DEFAULT_BUDGET,
        "max_value",
        "printf",
    ),
    (
        "variable from data",
        "ok{{$a := .big}}",
        {"big": "x" * 2_000_000},
        DEFAULT_BUDGET,
        "max_value",
        "$a",
    ),
    ("printing a big list", "{{.list}}", {"list": list(range(2000))}, SMALL, "max_value", "{{"),
    (
        "output",
        '{{$a := printf "%999990s" "x"}}{{$a}}{{$a}}',
        {},
        DEFAULT_BUDGET,
        "max_output",
        "{{$a}}{{$a}}"[6:],
    ),
    (
        "range output",
        '{{range 90000}}{{printf "%9999s" "x"}}{{end}}',
        {},
        DEFAULT_BUDGET,
        "max_output",
        "{{printf",
    ),
    ("range int", "{{range 100000000}}{{end}}", {}, DEFAULT_BUDGET, "max_steps", "range"),
    (
        "nested loops",
        "{{range $i := 3000}}{{range 3000}}{{end}}{{end}}",
        {},
        DEFAULT_BUDGET,
        "max_steps",
        "range 3000",
    ),
    (
        "function calls",
        "{{range 300}}{{len $.l}}{{len $.l}}{{end}}",
        {"l": []},
        SMALL,
        "max_steps",
        "len",
    ),
    ("time", "{{range 90000}}{{end}}", {}, Budget(max_seconds=1e-9), "max_seconds", "range"),
    ("nesting", "{{if 1}}" * 11 + "x" + "{{end}}" * 11, {}, SMALL, "max_depth", "if"),
    (
        "parenthesised nesting",
        "{{len " + "(print " * 11 + '"x"' + ")" * 11 + "}}",
        {},
        SMALL,
        "max_depth",
        "print",
    ),
]


@pytest.mark.parametrize(
    ("template", "data", "budget", "limit", "needle"),
    [a[1:] for a in ATTACKS],
    ids=[a[0] for a in ATTACKS],
)
def test_attacks_stop_at_their_limit_fast_and_located(template, data, budget, limit, needle):
    """Each attack raises BudgetExceeded naming its limit and the line/column of the action
    that went over, in well under a second."""
    started = time.process_time()  # CPU time: the test machine is shared
    with pytest.raises(BudgetExceeded) as info:
        render(template, data, budget=budget)
    assert time.process_time() - started < 0.5
    error = info.value
    assert error.limit == limit
    assert template.startswith(needle, _offset(template, error.line, error.column))
    assert f"({limit})" in str(error)
    assert str(error).startswith(f"line {error.line}, column {error.column}: ")


def test_the_printf_attack_stops_at_the_first_printf_over_a_million():
    """10 characters grow ten-fold per printf: the 6th printf would build 10 MB."""
    with pytest.raises(BudgetExceeded) as info:
        render(PRINTF_ATTACK, {})
    assert (info.value.line, info.value.column) == _nth(PRINTF_ATTACK, "printf", 6)


def test_escaping_counts_towards_the_output():
    data = {"v": "\n" * 600}
    assert len(render("{{.v}}", data, budget=SMALL)) == 600
    with pytest.raises(BudgetExceeded, match="max_output"):
        render("{{.v}}", data, escape="json", budget=SMALL)


def test_budget_errors_are_expression_errors_located_on_later_lines():
    template = 'line one\n  {{$a := "xxxxxxxxxx"}}\n' + GROW * 8
    with pytest.raises(ExpressionError) as info:
        render(template, {})
    assert isinstance(info.value, BudgetExceeded)
    assert (info.value.line, info.value.column) == _nth(template, "printf", 6)


def test_the_printf_attack_leaves_memory_flat(peak_memory):
    """The reported attack built a 1 GB string (2.1 GB RSS); now the process stays flat."""

    def attack() -> None:
        with pytest.raises(BudgetExceeded):
            render(PRINTF_ATTACK, {})

    assert peak_memory(attack) < 40


def test_the_output_attack_leaves_memory_flat(peak_memory):
    def attack() -> None:
        with pytest.raises(BudgetExceeded):
            render('{{range 90000}}{{printf "%9999s" "x"}}{{end}}', {})

    assert peak_memory(attack) < 40


def test_a_budget_can_be_raised_per_call():
    template = '{{$a := "xxxxxxxxxx"}}' + GROW * 6 + "{{$a}}"  # 10 MB
    with pytest.raises(BudgetExceeded):
        render(template, {})
    big = Budget(max_value=20_000_000, max_output=20_000_000)
    assert len(render(template, {}, budget=big)) == 10_000_000


def test_values_and_output_exactly_at_the_limit_are_allowed():
    budget = Budget(max_value=100, max_output=100)
    assert render('{{printf "%100s" "x"}}', {}, budget=budget) == " " * 99 + "x"
    with pytest.raises(BudgetExceeded, match="max_value"):
        render('{{printf "%101s" "x"}}', {}, budget=budget)
    with pytest.raises(BudgetExceeded, match="max_output"):
        render('{{printf "%100s" "x"}}!', {}, budget=budget)


def test_defaults_are_documented_values_and_frozen():
    documented = Budget(
        max_value=1_000_000,
        max_output=1_000_000,
        max_steps=100_000,
        max_seconds=1.0,
        max_depth=100,
    )
    assert documented == DEFAULT_BUDGET
    with pytest.raises(FrozenInstanceError):
        DEFAULT_BUDGET.max_steps = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "field", ["max_value", "max_output", "max_steps", "max_seconds", "max_depth"]
)
def test_a_budget_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        Budget(**{field: 0})


def test_meter_counts_steps_depth_and_time():
    meter = Meter(Budget(max_steps=3, max_depth=2))
    meter.step(3)
    with pytest.raises(BudgetExceeded, match="max_steps"):
        meter.step()
    meter.enter()
    meter.enter()
    with pytest.raises(BudgetExceeded, match="max_depth"):
        meter.enter()
    meter.leave()
    expired = Meter(Budget(max_seconds=1e-9))
    time.sleep(0.001)
    with pytest.raises(BudgetExceeded, match="max_seconds"):
        expired.check_time()


# covers E4: validation can prove a template goes over its budget
CHECKS = [
    ("the printf attack", PRINTF_ATTACK, [], "max_value"),
    ("amplifying a variable", _grow("printf `%s%s%s%s` $a $a $a $a", ".x", 5), ["x"], "max_value"),
    ("a variable printed 1001 times", "{{range 1001}}{{$.x}}{{end}}", ["x"], "max_output"),
    ("loops past the steps", "{{range $i := 1000}}{{range 1000}}{{end}}{{end}}", [], "max_steps"),
    ("ordinary body", '{"a":"{{.a}}","b":"{{.b}}"}', ["a", "b"], None),
    ("a variable printed 100 times", "{{range 100}}{{$.x}}{{end}}", ["x"], None),
    ("needs a list", "{{range .items}}{{.}}{{end}}", ["items"], None),
    ("no actions", "plain", [], None),
]


@pytest.mark.parametrize(
    ("template", "variables", "limit"), [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS]
)
def test_check_budget_finds_templates_over_budget(template, variables, limit):
    error = check_budget(template, variables)
    if limit is None:
        assert error is None
    else:
        assert isinstance(error, BudgetExceeded)
        assert error.limit == limit


def test_check_budget_uses_referenced_variables_and_the_given_budget():
    """Names the template reads count even when not listed; the budget is the caller's."""
    error = check_budget("{{range 1001}}{{$.unlisted}}{{end}}", [])
    assert error is not None
    assert error.limit == "max_output"
    assert check_budget("{{range 200}}{{end}}") is None
    assert check_budget("{{range 200}}{{end}}", budget=Budget(max_steps=100)) is not None


# -- properties ----------------------------------------------------------------------------------
FUNCTIONS = st.sampled_from(["print", "printf `%s%s`", "html", "js", "urlquery", "println"])


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(FUNCTIONS, st.integers(1, 4)), min_size=1, max_size=8),
    seed=st.text(min_size=1, max_size=5),
    limit=st.integers(10, 5000),
)
def test_no_value_or_output_ever_exceeds_the_budget(steps, seed, limit):
    """Whatever amplifying functions run, the output stays within max_output, or the render
    stops with BudgetExceeded naming max_value or max_output."""
    template = "{{$a := .seed}}"
    for fn, copies in steps:
        template += "{{$a = " + fn + " " + " ".join(["$a"] * copies) + "}}"
    template += "{{$a}}{{$a}}"
    budget = Budget(max_value=limit, max_output=limit)
    outcome = _render_or_error(template, {"seed": seed}, budget)
    if isinstance(outcome, BudgetExceeded):
        assert outcome.limit in ("max_value", "max_output")
        assert outcome.line == 1
    else:
        assert len(outcome) <= limit


@settings(max_examples=40, deadline=None)
@given(outer=st.integers(0, 400), inner=st.integers(0, 400), max_steps=st.integers(1, 5000))
def test_steps_are_bounded(outer, inner, max_steps):
    """A render does at most max_steps steps: nested loops beyond it always stop."""
    template = f"{{{{range {outer}}}}}{{{{range {inner}}}}}{{{{end}}}}{{{{end}}}}"
    outcome = _render_or_error(template, {}, Budget(max_steps=max_steps))
    steps = 1 + outer * (2 + inner)  # nodes and iterations: range, then per outer pass
    if isinstance(outcome, BudgetExceeded):  # one iteration and the inner range node
        assert outcome.limit == "max_steps"
        assert steps > max_steps
    else:
        assert steps <= max_steps


def _render_or_error(template: str, data: dict[str, str], budget: Budget) -> str | BudgetExceeded:
    try:
        return render(template, data, budget=budget)
    except BudgetExceeded as exc:
        return exc
