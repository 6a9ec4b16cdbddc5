"""The generated reference pages cover exactly what the code has: every template variable
and function, every setting, metric, command and REST operation, and every integration
option (documented by hand, checked against the option table)."""

from __future__ import annotations

import re

import pytest

from ringdesk.config import Settings
from ringdesk.expressions.gotemplate import render
from ringdesk.expressions.gotemplate.funcs import FUNCS
from ringdesk.integrations import options as integration_options
from ringdesk.templates import model, variable_docs
from tests.docs.pages import DOCS, import_docgen, pages

import_docgen()

from ringdesk_docgen import GENERATORS, cli, openapi, operations, templates  # noqa: E402

MARKER = re.compile(r"^<!-- generated: (?P<name>[a-z-]+) -->$", re.M)


def _code_names(markdown: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", markdown))


# ---- variables (covers E1 documentation: every variable a scenario knows) -----------------
def test_every_variable_the_code_knows_is_described_and_nothing_else():
    known = set(model.EVERYWHERE_VARIABLES) | {
        v for names in model.SCENARIO_VARIABLES.values() for v in names
    }
    assert set(variable_docs.VARIABLES) == known
    assert set(variable_docs.SCENARIOS) == set(model.SCENARIO_VARIABLES)


def test_the_variables_page_lists_every_variable_and_scenario():
    page = templates.variables_markdown()
    for scenario, names in model.SCENARIO_VARIABLES.items():
        section = page.split(f"### {variable_docs.SCENARIOS[scenario].title}\n", 1)[1]
        section = section.split("\n### ", 1)[0]
        assert set(names) <= _code_names(section), scenario
    for name in variable_docs.VARIABLES:
        assert f"| `{name}` |" in page


def _scenario_section(page: str, scenario: str) -> str:
    section = page.split(f"### {variable_docs.SCENARIOS[scenario].title}\n", 1)[1]
    return section.split("\n### ", 1)[0]


@pytest.mark.parametrize(
    ("scenario", "known"),
    [
        ("contact_search", "the outputs of its extra requests"),
        ("popup", "the outputs of its contact type's extra requests"),
        ("create_contact", "the outputs of its extra requests"),
        ("call_log", "the outputs of its extra requests"),
        ("ticket", "the outputs of its extra requests"),
    ],
    ids=str,
)
def test_the_variables_page_says_where_extra_request_outputs_are_known(scenario: str, known: str):
    """Validation knows the outputs of `<ExtraRequests>` in these scenarios
    (`templates._rules_scenarios`); the generated page says so for each of them, and names
    their where-clause (`<ExtraRequests>`) except for the popup."""
    section = _scenario_section(templates.variables_markdown(), scenario)
    assert known in section
    if scenario != "popup":
        assert "<ExtraRequests>" in section
    assert "*extra request outputs*" in templates.variables_markdown()


@pytest.mark.parametrize("scenario", ["auth", "users", "follow_up"], ids=str)
def test_scenarios_without_extra_requests_do_not_claim_outputs(scenario: str):
    assert "extra requests" not in _scenario_section(templates.variables_markdown(), scenario)


def test_missing_descriptions_reports_both_directions():
    """A variable without a description, and a description without a variable, are named
    (the docs build raises on either, so a new variable cannot go undocumented)."""
    assert templates.missing_descriptions(["Phone", "New"], ["Phone", "Gone"]) == (
        ["New"],
        ["Gone"],
    )
    assert templates.missing_descriptions() == ([], [])


# ---- functions ----------------------------------------------------------------------------
def test_the_functions_page_has_a_section_per_function_and_no_other():
    page = templates.functions_markdown()
    sections = set(re.findall(r"^### (\S+)$", page, re.M))
    assert sections == set(FUNCS)


def test_every_function_has_a_docstring():
    assert [name for name, f in FUNCS.items() if not (f.__doc__ or "").strip()] == []


EXAMPLES = [(name, t, r) for name in FUNCS for t, r in templates.function_examples(name)]


def test_the_ringdesk_functions_have_examples():
    documented = {name for name, _, _ in EXAMPLES}
    assert {"TimeFormat", "ToMillis", "Capitalize", "UrlEncode"} <= documented


@pytest.mark.parametrize(
    ("name", "template", "result"), EXAMPLES, ids=[f"{n}:{t}" for n, t, _ in EXAMPLES]
)
def test_function_example_renders_as_documented(name: str, template: str, result: str):
    assert name in template
    assert render(template, {}) == result


def test_signatures_mark_optional_and_repeated_arguments():
    assert templates.function_signature("TimeFormat", FUNCS["TimeFormat"]) == (
        "TimeFormat unix pattern [utc]"
    )
    assert templates.function_signature("eq", FUNCS["eq"]) == "eq arg1 args..."


# ---- settings and metrics -----------------------------------------------------------------
def test_every_setting_is_in_the_configuration_table():
    table = operations.settings_markdown()
    for field, info in Settings.model_fields.items():
        assert info.description, field
        assert f"`{operations.env_name(field)}`" in table


def test_every_metric_is_in_the_metrics_table():
    from ringdesk.metrics import Metrics

    families = [
        line.split()[2:4]
        for line in Metrics().render().decode().splitlines()
        # `*_created` are the client library's start timestamps, mentioned on the page.
        if line.startswith("# TYPE ") and not line.split()[2].endswith("_created")
    ]
    documented = {name for row in operations.metric_rows() for name in row[0].split(", ")}
    for name, kind in families:
        assert (f"{name}_bucket" if kind == "histogram" else name) in documented, name
    assert len(operations.metric_rows()) == len(families)


# ---- command line and REST API ------------------------------------------------------------
def test_every_command_has_a_section():
    page = cli.cli_markdown()
    commands = cli.command_paths()
    assert "ringdesk template validate" in commands
    assert "ringdesk admin yeastar-webhook-url" in commands
    for command in commands:
        assert re.search(rf"^#+ {re.escape(command)}$", page, re.M), command


def test_every_operation_of_the_openapi_schema_has_a_section():
    schema = openapi.build_app().openapi()
    page = openapi.rest_api_markdown()
    found = list(openapi.operations(schema))
    assert len(found) > 20
    for method, path, _ in found:
        assert f"### {method.upper()} {path}\n" in page
    for name in schema["components"]["schemas"]:
        assert f"### {name}\n" in page


def test_admin_operations_are_marked():
    page = openapi.rest_api_markdown()
    events = page.split("### POST /api/v1/events\n", 1)[1].split("\n### ", 1)[0]
    outbox = page.split("### GET /api/v1/outbox\n", 1)[1].split("\n### ", 1)[0]
    assert "authentication: no admin token" in events
    assert "authentication: admin token" in outbox


# ---- integration options (hand-written page, checked against the option table) ------------
def test_every_integration_option_is_documented_and_nothing_else():
    page = (DOCS / "reference" / "integration-options.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", page, re.M)) - {
        form for form in ("e164", "national", "national_digits", "digits", "raw")
    }
    # The validator's own tables are the source of truth for what an option may be.
    top = set(integration_options._TOP)
    sections = {f"{s}.{k}" for s, keys in integration_options._SECTIONS.items() for k in keys}
    assert documented == top | sections


# ---- markers ------------------------------------------------------------------------------
def test_every_marker_in_the_pages_names_a_generator_and_every_generator_is_used():
    used = {m["name"] for page in pages() for m in MARKER.finditer(page.read_text("utf-8"))}
    assert used == set(GENERATORS)
