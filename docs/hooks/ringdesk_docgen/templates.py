"""The template variables and functions references, from the code's registries.

Variables: `ringdesk.templates.model.EVERYWHERE_VARIABLES` and `SCENARIO_VARIABLES` (what
validation knows in each scenario), described by `ringdesk.templates.variable_docs`.
Functions: `ringdesk.expressions.gotemplate.funcs.FUNCS`, described by their docstrings,
whose example lines ("`{{…}}` → `result`") become a table (and are checked by a test).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

from ringdesk.expressions.gotemplate.funcs import FUNCS
from ringdesk.templates import model, variable_docs
from ringdesk_docgen.markdown import code, table

__all__ = [
    "EXAMPLE_LINE",
    "function_examples",
    "function_signature",
    "functions_markdown",
    "missing_descriptions",
    "variables_markdown",
]

EXAMPLE_LINE = re.compile(r"^`(?P<template>\{\{.*\}\})` → `(?P<result>.*)`$")


# ---- variables ----------------------------------------------------------------------------
# Where the outputs of `<ExtraRequests>` are variables too (the popup sees those of its
# contact type), and where the create-contact extra variables are known.
_OUTPUTS_OF = {
    "contact_search": "the outputs of its extra requests",
    "popup": "the outputs of its contact type's extra requests",
    "create_contact": "the outputs of its extra requests",
    "call_log": "the outputs of its extra requests",
    "ticket": "the outputs of its extra requests",
}
_WITH_EXTRA_VARIABLES = ("create_contact", "call_log", "ticket")


def _all_variables() -> list[str]:
    names = list(model.EVERYWHERE_VARIABLES)
    for variables in model.SCENARIO_VARIABLES.values():
        names.extend(v for v in variables if v not in names)
    return names


def missing_descriptions(
    known: Sequence[str] | None = None, described: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """(variables the code knows but the docs do not describe, described but unknown);
    by default the code's variables against `variable_docs.VARIABLES`."""
    known = _all_variables() if known is None else known
    described = list(variable_docs.VARIABLES) if described is None else described
    return [v for v in known if v not in described], [v for v in described if v not in known]


def _scenarios_of(name: str) -> str:
    if name in model.EVERYWHERE_VARIABLES:
        return "everywhere"
    titles = [
        variable_docs.SCENARIOS[s].title
        for s, names in model.SCENARIO_VARIABLES.items()
        if name in names
    ]
    return ", ".join(titles)


def _enumeration(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b, and c`."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def variables_markdown() -> str:
    """Every variable with its description, example and scenarios, then each scenario's list."""
    missing, unknown = missing_descriptions()
    if missing or unknown:
        raise ValueError(
            f"templates.variable_docs is out of date: undescribed {missing}, unknown {unknown}"
        )
    scenarios_missing = set(model.SCENARIO_VARIABLES) ^ set(variable_docs.SCENARIOS)
    if scenarios_missing:
        raise ValueError(f"scenarios without a description: {sorted(scenarios_missing)}")
    parts = ["## All variables", ""]
    rows: list[list[str]] = []
    for name in _all_variables():
        doc = variable_docs.VARIABLES[name]
        example = code(doc.example) if doc.example else ""
        rows.append([code(name), doc.description, example, _scenarios_of(name)])
    for label, doc in variable_docs.DYNAMIC_VARIABLES.items():
        example = code(doc.example) if doc.example else ""
        rows.append([f"*{label}*", doc.description, example, "see description"])
    parts += [table(["variable", "meaning", "example", "known in"], rows), ""]
    parts += ["## By scenario", ""]
    everywhere = ", ".join(code(v) for v in model.EVERYWHERE_VARIABLES)
    parts += [
        f"Known in every scenario: {everywhere}, the connect fields and the follow-up targets.",
        "",
    ]
    for key, names in model.SCENARIO_VARIABLES.items():
        scenario = variable_docs.SCENARIOS[key]
        parts += [f"### {scenario.title}", "", f"Used in {scenario.where}.", ""]
        listed = [code(n) for n in names] or ["no variables of its own"]
        if key in _WITH_EXTRA_VARIABLES:
            listed.append("the extra variables")
        if key in _OUTPUTS_OF:
            listed.append(_OUTPUTS_OF[key])
        parts += [f"Variables: {_enumeration(listed)}.", ""]
    return "\n".join(parts)


# ---- functions ----------------------------------------------------------------------------
def function_signature(name: str, function: Callable[..., Any]) -> str:
    """`name arg1 [optional] rest...` from the function's parameters (after its Env)."""
    words = [name]
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            words.append(f"{parameter.name}...")
        elif parameter.default is not inspect.Parameter.empty:
            words.append(f"[{parameter.name}]")
        else:
            words.append(parameter.name)
    return " ".join(words)


def _docstring(name: str, function: Callable[..., Any]) -> str:
    doc = inspect.getdoc(function)
    if not doc:
        raise ValueError(f"template function {name!r} has no docstring to document it by")
    return doc


def function_examples(name: str) -> list[tuple[str, str]]:
    """The (template, result) example lines of a function's docstring."""
    doc = _docstring(name, FUNCS[name])
    found = []
    for line in doc.splitlines():
        match = EXAMPLE_LINE.match(line.strip())
        if match:
            found.append((match["template"], match["result"]))
    return found


def _function_section(name: str) -> list[str]:
    function = FUNCS[name]
    doc = _docstring(name, function)
    text = [line for line in doc.splitlines() if not EXAMPLE_LINE.match(line.strip())]
    parts = [f"### {name}", "", f"```text\n{function_signature(name, function)}\n```", ""]
    parts += ["\n".join(text).strip(), ""]
    examples = function_examples(name)
    if examples:
        parts += [table(["template", "renders"], [(code(t), code(r)) for t, r in examples]), ""]
    return parts


def functions_markdown() -> str:
    """ringdesk's functions (capitalised names) first, then Go's built-ins, each with its
    signature, its docstring and its examples."""
    ours = [n for n in FUNCS if n[:1].isupper()]
    go = [n for n in FUNCS if not n[:1].isupper()]
    parts = ["## ringdesk functions", ""]
    parts += [
        table(
            ["function", "summary"],
            [(f"[{code(n)}](#{n.lower()})", _docstring(n, FUNCS[n]).splitlines()[0]) for n in ours],
        ),
        "",
    ]
    for name in ours:
        parts += _function_section(name)
    parts += ["## Go built-ins", ""]
    parts += [
        table(
            ["function", "summary"],
            [(f"[{code(n)}](#{n.lower()})", _docstring(n, FUNCS[n]).splitlines()[0]) for n in go],
        ),
        "",
    ]
    for name in go:
        parts += _function_section(name)
    return "\n".join(parts)
