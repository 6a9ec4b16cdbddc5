"""The hand-written examples of docs/template-reference/expressions.md render as the page
says: the escaping table (one row per position a value can land in), the printf example, the
named-template example and the budget message. A change in the template engine's escaping
fails here until the page follows it."""

from __future__ import annotations

import pytest

from ringdesk.expressions import BudgetExceeded
from ringdesk.expressions.budget import DEFAULT_BUDGET
from ringdesk.expressions.gotemplate import Escape, SafeURL, render
from tests.docs.pages import DOCS

PAGE = (DOCS / "template-reference" / "expressions.md").read_text(encoding="utf-8")
# The data the page states above its escaping table.
DATA = {
    "N": 'a b&c"/?#',
    "base_url": SafeURL("https://desk.example/api"),
    "folder": "a/b c/../x",
}

ESCAPING: list[tuple[str, Escape]] = [
    ("{{.base_url}}/contacts", "url"),
    ("{{.base_url}}/contacts/{{.N}}", "url"),
    ("{{.base_url}}/files/{{RawPath .folder}}", "url"),
    ("{{.base_url}}/search?q={{.N}}", "url"),
    ('{"name":"{{.N}}"}', "json"),
    ("data.{{.N}}", "gjson"),
    ('data.#(name=="{{.N}}").id', "gjson"),
    ("{{.N}}", "text"),
]


def test_the_page_states_the_tables_data():
    assert 'With a value `.N` of `a b&c"/?#`' in PAGE
    assert "`https://desk.example/api`" in PAGE
    assert "`.folder` set to `a/b c/../x`" in PAGE


@pytest.mark.parametrize(("template", "escape"), ESCAPING, ids=[t for t, _ in ESCAPING])
def test_every_escaping_row_renders_as_documented(template: str, escape: Escape):
    # covers E2: values escaped by where they land
    gives = render(template, DATA, escape=escape)
    assert f"| `{template}` | `{gives}` |" in PAGE


def test_the_table_has_no_row_the_test_does_not_render():
    table = PAGE.split("| where the value lands |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) == len(ESCAPING)


def test_the_printf_example():
    template = '{{printf "%05d|%-6s|%.2f|%q" 42 "ab" 3.14159 "hi"}}'
    assert f"`{template}` gives `{render(template, {})}`" in PAGE


def test_the_named_template_example():
    block = PAGE.split("```text\n", 1)[1].split("\n```", 1)[0]
    assert "{{define" in block
    call = {"Call_From": "+4930123456", "Call_From_Name": "Ada Lovelace"}
    assert render(block, call) == "Call from Ada Lovelace (+4930123456)"
    assert render(block, {"Call_From": "+4930123456"}) == "Call from +4930123456"


def test_the_budget_table_and_message_match_the_defaults():
    for limit in ("max_value", "max_output", "max_steps", "max_seconds", "max_depth"):
        assert f"| `{limit}` |" in PAGE
    assert f"| `max_steps` | {DEFAULT_BUDGET.max_steps:,} |" in PAGE
    with pytest.raises(BudgetExceeded) as exceeded:
        render("{{range $i := .L}}{{end}}", {"L": list(range(DEFAULT_BUDGET.max_steps + 1))})
    assert str(exceeded.value).split(": ", 1)[1] in PAGE
