"""Fuzzing the Go-template engine: any template and data, in every escape mode, renders within
the budget or raises ExpressionError (TemplateSyntaxError when it does not parse).

Templates come from a grammar of the dialect (text, actions, pipelines, every literal form,
variables, control structures, named templates, comments, trim markers) and from raw
characters. `RINGDESK_FUZZ=deep` runs 10,000+ examples (tests/expressions/conftest.py).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import BudgetExceeded, ExpressionError, TemplateSyntaxError
from ringdesk.expressions.budget import Budget
from ringdesk.expressions.gotemplate import SafeURL, check_budget, compile, referenced_variables
from ringdesk.expressions.gotemplate.funcs import FUNCS

pytestmark = pytest.mark.fuzz
FUZZ = settings(settings.get_profile("ringdesk-fuzz"))

NAMES = ["a", "b", "n", "l", "m", "u", "Ü", "nope"]
LITERALS = st.sampled_from(
    [
        "1", "-3", "0x1F", "0o17", "017", "1_000", "1.5", "-0.0", "1e3", "0x1p-2", ".5", "1e400",
        "9223372036854775807", '"s"', '"a\\"b\\n\\u00e9\\x41"', "`raw\\n`", "'single'", "true",
        "false", "nil", ".", "$", "'%d-%s-%v'", '"%[2]*[1]d|%-8.3q|%#v|%x|%U"',
    ]
)  # fmt: skip
# number and string literals of every form the lexer reads, including out-of-range ones
NUMBER_LITERALS = st.from_regex(
    r"[+-]?(0[xX][0-9a-fA-F_]{0,4}(\.[0-9a-fA-F_]{0,3})?([pP][+-]?[0-9]{1,6})?"
    r"|0[bBoO][0-9_]{0,6}|[0-9_]{0,6}\.?[0-9_]{0,4}([eE][+-]?[0-9]{1,6})?)i?",
    fullmatch=True,
)
STRING_LITERALS = st.from_regex(
    r'"(\\[abfnrtv\\"\']|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}'
    r'|\\[0-7]{3}|\\.|[^"\\\n]){0,6}"',
    fullmatch=True,
)
LITERALS = LITERALS | NUMBER_LITERALS | STRING_LITERALS
FIELDS = st.builds(
    lambda names: "." + ".".join(names), st.lists(st.sampled_from(NAMES), min_size=1, max_size=2)
)
VARIABLES = st.sampled_from(["$", "$.a", "$x", "$x.a", "$i", "$e"])


def operands(depth: int) -> st.SearchStrategy[str]:
    base = LITERALS | FIELDS | VARIABLES
    if depth <= 0:
        return base
    return base | st.deferred(lambda: pipelines(depth - 1)).map(lambda p: f"({p})")


def calls(depth: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda fn, args: " ".join([fn, *args]),
        st.sampled_from(sorted(FUNCS)),
        st.lists(operands(depth), max_size=3),
    )


def pipelines(depth: int = 2, decl: bool = True) -> st.SearchStrategy[str]:
    return st.builds(
        lambda decl, first, rest: decl + " | ".join([first, *rest]),
        st.sampled_from(["", "", "", "$x := ", "$x = "] if decl else [""]),
        calls(depth) | operands(depth),
        st.lists(calls(depth), max_size=2),
    )


TEXT = st.text(alphabet=st.sampled_from(list('ab "/\\?#.:%}\n-')), max_size=6)
OTHER = st.sampled_from(
    ["{{/* c */}}", '{{template "t" .}}', '{{template "t" $x}}', "{{- /* */ -}}"]
)


def actions(depth: int) -> st.SearchStrategy[str]:
    simple = st.builds(
        lambda left, pipe, right: "{{" + left + pipe + right + "}}",
        st.sampled_from(["", "", "- "]),
        pipelines(),
        st.sampled_from(["", "", " -"]),
    )
    if depth <= 0:
        return st.one_of(simple, simple, OTHER)
    body = st.deferred(lambda: templates(depth - 1))
    head = pipelines(1, decl=False)
    branch = st.builds(
        lambda word, pipe, inner, orelse: (
            "{{" + word + " " + pipe + "}}" + inner + orelse.replace("WORD", word) + "{{end}}"
        ),
        st.sampled_from(["if", "with"]),
        head,
        body,
        st.sampled_from(["", "{{else}}x", "{{else WORD .a}}y"]),
    )
    loop = st.builds(
        lambda word, pipe, inner, stop, orelse: (
            "{{" + word + " " + pipe + "}}" + inner + stop + orelse + "{{end}}"
        ),
        st.sampled_from(["range", "range $i, $e :=", "range $e :="]),
        head,
        body,
        st.sampled_from(["", "", "{{break}}", "{{continue}}", "{{if $e}}{{break}}{{end}}"]),
        st.sampled_from(["", "{{else}}none"]),
    )
    block = st.builds(
        lambda pipe, inner: '{{block "b" ' + pipe + "}}" + inner + "{{end}}", head, body
    )
    return st.one_of(simple, simple, branch, loop, block, OTHER)


def templates(depth: int = 2) -> st.SearchStrategy[str]:
    return st.lists(TEXT | actions(depth), max_size=6).map("".join)


DECLARE = "{{$x := .}}{{$i := 0}}{{$e := .}}"
# variables declared and a template defined up front, so most programs parse
PROGRAMS = st.builds(
    lambda body, define: DECLARE + body + '{{define "t"}}' + DECLARE + define + "{{end}}",
    templates(),
    templates(1),
)


RAW_TEMPLATES = st.text(
    alphabet=st.sampled_from(list("{}.$|()\"'`-/* abcifnd=:,123\\%[]")), max_size=40
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.text(max_size=8).map(SafeURL)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=4)
    ),
    max_leaves=12,
)
DATA = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=6)
MODES = st.sampled_from(["text", "json", "url", "gjson"])
BUDGETS = st.sampled_from(
    [Budget(), Budget(max_value=200, max_output=300, max_steps=300, max_depth=8)]
)


def _check(template: str, data: dict[str, Any], mode: str, budget: Budget, tz: str) -> None:
    started = time.process_time()
    try:
        compiled = compile(template)
    except TemplateSyntaxError as exc:
        syntax: TemplateSyntaxError | None = exc
    else:
        syntax = None
    if syntax is not None:
        assert syntax.line >= 1
        assert syntax.column >= 1
        return
    referenced_variables(template)
    try:
        out = compiled.render(data, escape=mode, tz=tz, budget=budget)  # type: ignore[arg-type]
    except ExpressionError as exc:
        error: ExpressionError | None = exc
    else:
        error = None
    if error is not None:
        assert str(error)
        if isinstance(error, BudgetExceeded):
            limits = ("max_value", "max_output", "max_steps", "max_seconds", "max_depth")
            assert error.limit in limits
    else:
        assert isinstance(out, str)
        assert len(out) <= budget.max_output
        if mode in ("json", "url"):
            out.encode("utf-8")  # bodies and URLs are sent: no lone surrogates left
    assert time.process_time() - started < 2 * budget.max_seconds + 1


TZ = st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "Not/AZone"])


@FUZZ
@given(template=PROGRAMS, data=DATA, mode=MODES, budget=BUDGETS, tz=TZ)
def test_fuzz_gotemplate_grammar(template, data, mode, budget, tz):
    """Templates built from the dialect's grammar never crash the engine."""
    _check(template, data, mode, budget, tz)


@FUZZ
@given(template=RAW_TEMPLATES, data=DATA, mode=MODES, budget=BUDGETS)
def test_fuzz_gotemplate_raw_text(template, data, mode, budget):
    """Any string of template characters parses with a located error or renders."""
    _check(template, data, mode, budget, "UTC")


@FUZZ
@given(template=templates(1), names=st.lists(st.sampled_from(NAMES), max_size=3))
def test_fuzz_check_budget(template, names):
    """check_budget answers None or a BudgetExceeded for every template that parses."""
    try:
        error = check_budget(template, names, budget=Budget(max_value=2000, max_output=2000))
    except TemplateSyntaxError:
        return
    assert error is None or isinstance(error, BudgetExceeded)
