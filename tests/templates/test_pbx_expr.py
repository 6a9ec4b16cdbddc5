"""Converting the `{{…}}` text of PBX templates: the PBX's functions map to ringdesk's of the
same name, renamed variables per scenario, functions ringdesk lacks dropped and noted, and
what the result renders to."""

from __future__ import annotations

import pytest

from ringdesk.expressions import gotemplate
from ringdesk.expressions.gotemplate.funcs import FUNCS
from ringdesk.templates.pbx_expr import convert_text
from ringdesk.templates.pbx_vocabulary import PBX_FUNCTIONS


@pytest.mark.parametrize(
    ("text", "data", "rendered"),
    [
        # the doc's examples, over ringdesk's engine
        (
            '{{ TimeFormat .StartTimeUnix "yyyy-MM-ddTHH:mm:ss.000Zz" "1" }}',
            {"StartTimeUnix": "1672531199"},
            "2022-12-31T23:59:59.000Z",
        ),
        (
            "{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss-z' '1'}}",
            {"StartTimeUnix": "1704164645"},
            "2024-01-02T03:04:05+00:00",
        ),
        (
            '{{ TimeFormat .StartTimeUnix "yyyy-MM-dd HH:mm:ss +0000" "1" }}',
            {"StartTimeUnix": "1704164645"},
            "2024-01-02 03:04:05 +0000",
        ),
        ("{{ ToMillis .StartTimeUnix }}", {"StartTimeUnix": "1672531199"}, "1672531199000"),
        ("{{ Capitalize .v }}", {"v": "hello world"}, "Hello world"),
        ("{{ UrlEncode .v }}", {"v": "hello world!"}, "hello%20world%21"),
        ("{{ if .RecordPath }}yes{{ else }}no{{ end }}", {"RecordPath": ""}, "no"),
    ],
    ids=[
        "timeformat-doc",
        "timeformat-offset",
        "timeformat-literal-zone",
        "tomillis",
        "capitalize",
        "urlencode",
        "if-else",
    ],
)
def test_pbx_functions_are_ringdesks_of_the_same_name(text, data, rendered):
    """covers issue 15 item 2: each PBX function is mapped to (is) ringdesk's function."""
    converted = convert_text(text, "call_log")
    assert converted.text == text
    assert converted.notes == ()
    assert gotemplate.render(converted.text, data) == rendered


def test_every_pbx_function_exists_in_ringdesk():
    assert set(PBX_FUNCTIONS) <= set(FUNCS)


@pytest.mark.parametrize(
    ("text", "scenario", "expected", "kind", "where"),
    [
        ("{{.ContactsId}}", "popup", "{{.ContactId}}", "changed", 2),
        ("x/{{.BusinessFaxNumber}}", "popup", "x/{{.BusinessFax}}", "changed", 4),
        ("{{.HomeFaxNumber}}", "popup", "{{.HomeFax}}", "changed", 2),
        ("{{UrlEncode .CallerNumber}}", "contact_search", "{{UrlEncode .Phone}}", "changed", 12),
        ("{{.CalleeNumber}}", "contact_search", "{{.Phone}}", "changed", 2),
        ("{{UrlEncode .SearchValue}}", "contact_search", "{{UrlEncode .Phone}}", "changed", 12),
        ("{{.CallerNumber}}", "call_log", "{{.Call_From}}", "changed", 2),
        ("{{.CalleeNumber}}", "ticket", "{{.Call_To}}", "changed", 2),
        ("{{.CallerDisplayName}}", "call_log", "{{.Call_From_Name}}", "changed", 2),
        ("{{.CalleeDisplayName}}", "ticket", "{{.Call_To_Name}}", "changed", 2),
        ("{{.CallerNumber}}", "create_contact", "{{.Phone}}", "changed", 2),
        ("{{.DisplayName}}", "create_contact", "{{.FirstName}} {{.LastName}}", "changed", 2),
        (
            '"{{.CallerDisplayName}}"',
            "create_contact",
            '"{{.FirstName}} {{.LastName}}"',
            "changed",
            3,
        ),
        (
            "{{UrlEncode .DisplayName}}",
            "create_contact",
            "{{UrlEncode .DisplayName}}",
            "unmapped",
            12,
        ),
        ("{{.CallerDisplayName}}", "popup", "{{.CallerDisplayName}}", "unmapped", 2),
        ("{{.TicketId}}", "call_log", "{{.TicketId}}", "unmapped", 2),
        ("{{.ContactsId.x}}", "popup", "{{.ContactId.x}}", "changed", 2),
    ],
    ids=[
        "contactsid",
        "business-fax",
        "home-fax",
        "caller-in-search",
        "callee-in-search",
        "search-value",
        "caller-in-log",
        "callee-in-ticket",
        "caller-name-in-log",
        "callee-name-in-ticket",
        "caller-in-create",
        "display-name",
        "caller-name-in-create",
        "display-name-in-a-pipe",
        "caller-name-in-popup",
        "ticket-id-in-log",
        "field-chain",
    ],
)
def test_variables_are_renamed_per_scenario(text, scenario, expected, kind, where):
    converted = convert_text(text, scenario)
    assert converted.text == expected
    [note] = converted.notes
    assert (note.kind, note.offset) == (kind, where)


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("{{ToUpper .Subject}}", "{{.Subject}}", "replaced by its argument .Subject"),
        ("a {{ .Subject | ToUpper }} b", "a {{ .Subject }} b", "dropped from the pipeline"),
        ('{{printf "%s" (Trim .x)}}', '{{printf "%s" (.x)}}', "replaced by its argument .x"),
        ("{{- Trim .x -}}", "{{- .x -}}", "replaced by its argument .x"),
        ("[{{Join .a .b}}]", "[]", "the action {{Join .a .b}} was removed"),
        ("{{Now}}", "", "the action {{Now}} was removed"),
        ("{{urlencode .Phone}}", "{{UrlEncode .Phone}}", "urlencode is spelt UrlEncode"),
        ("{{timeformat .T 'yyyy'}}", "{{TimeFormat .T 'yyyy'}}", "spelt TimeFormat"),
    ],
    ids=[
        "call",
        "pipe",
        "nested",
        "trim-markers",
        "two-arguments",
        "no-argument",
        "case",
        "case-2",
    ],
)
def test_functions_ringdesk_lacks_are_dropped_and_reported(text, expected, message):
    """covers issue 15 item 2: a conversion that changes meaning is reported."""
    converted = convert_text(text, "ticket")
    assert converted.text == expected
    [note] = converted.notes
    assert note.kind == "changed"
    assert message in note.message
    gotemplate.compile(converted.text)  # what remains is valid for ringdesk


@pytest.mark.parametrize(
    "text",
    [
        "no actions at all",
        "{{.Phone}} {{.Call_From}}",
        '{{"{{.CallerNumber}}"}}',  # inside a string: text, not a variable
        "{{/* .CallerNumber */}}",
        "{{$x := .ContactId}}{{$x.CallerNumber}}",  # a field of a value, not a variable
        "{{(index .a 0).CallerNumber}}",
        '{{eq .a "b"}}{{and 1 2}}{{len .x}}{{printf "%d" 1}}',
    ],
    ids=["plain", "ringdesk-names", "string", "comment", "variable-field", "chain", "builtins"],
)
def test_what_needs_no_change_is_left_alone(text):
    converted = convert_text(text, "call_log")
    assert converted.text == text
    assert converted.notes == ()


def test_kept_names_are_never_renamed():
    """A connect field or an earlier output named like a PBX variable keeps its name."""
    converted = convert_text("{{.CallerNumber}}", "call_log", keep={"CallerNumber"})
    assert converted.text == "{{.CallerNumber}}"
    assert converted.notes == ()


def test_text_that_does_not_parse_is_kept_and_reported():
    converted = convert_text("{{ .a", "call_log")
    assert converted.text == "{{ .a"
    [note] = converted.notes
    assert note.kind == "unmapped"
    assert "does not parse" in note.message
