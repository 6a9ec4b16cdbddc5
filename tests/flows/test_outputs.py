"""Variables from helpdesk responses: extra-request outputs (GJSON, JSONPath, headers),
create-contact extra variables, and the id a duplicate check finds (issue 13)."""

from __future__ import annotations

import json

import pytest

from ringdesk.flows.outputs import as_output, duplicate_id, extract_outputs
from ringdesk.templates.model import DuplicateCheck, ExtraVariable, Output

BODY = json.dumps(
    {
        "count": 2,
        "items": [
            {"id": 12, "Owner": "alice", "Subject": "Zoë", "CF": {"a": [1, 2]}, "ok": True},
            {"id": "13", "Owner": None},
        ],
        "empty": "",
    }
)
HEADERS = {"Location": "https://rt.example/REST/2.0/ticket/12", "X-Count": "2"}


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (Output(name="v", path="items.0.id"), "12"),
        (Output(name="v", path="items.1.id"), "13"),
        (Output(name="v", path="items.0.Subject"), "Zoë"),
        (Output(name="v", path="items.0.CF"), '{"a":[1,2]}'),
        (Output(name="v", path="items.#.id"), '[12,"13"]'),
        (Output(name="v", path="items.0.ok"), "true"),
        (Output(name="v", path="empty"), ""),
        (Output(name="v", jsonpath="$.items[0].Owner"), "alice"),
        (Output(name="v", jsonpath="$.items[*].id"), "12"),  # first match, as follow-ups (F1)
        (Output(name="v", jsonpath="$.items[0].CF.a"), "[1,2]"),
        (Output(name="v", header="Location"), "https://rt.example/REST/2.0/ticket/12"),
        (Output(name="v", header="location"), "https://rt.example/REST/2.0/ticket/12"),
        (Output(name="v", header="X-COUNT"), "2"),
    ],
    ids=[
        "gjson-number",
        "gjson-string",
        "gjson-unicode",
        "gjson-object-compact",
        "gjson-array",
        "gjson-bool",
        "gjson-empty-string",
        "jsonpath",
        "jsonpath-first-match",
        "jsonpath-array",
        "header",
        "header-lowercase",
        "header-uppercase",
    ],
)
def test_each_source_is_read_as_text(output, expected):
    assert extract_outputs([output], status=200, headers=HEADERS, body=BODY) == {"v": expected}


@pytest.mark.parametrize(
    "output",
    [
        Output(name="v", path="items.5.id"),
        Output(name="v", path="items.1.Owner"),  # JSON null is unset
        Output(name="v", jsonpath="$.nothing"),
        Output(name="v", header="X-Missing"),
        Output(name="v"),
        Output(name="", path="count"),
    ],
    ids=[
        "gjson-missing",
        "gjson-null",
        "jsonpath-missing",
        "header-missing",
        "no-source",
        "no-name",
    ],
)
def test_missing_values_are_absent(output):
    assert extract_outputs([output], status=200, headers=HEADERS, body=BODY) == {}


def test_non_json_and_error_responses_yield_nothing():
    outputs = [Output(name="a", path="id"), Output(name="b", jsonpath="$.id")]
    assert extract_outputs(outputs, status=200, headers={}, body=b"<html>") == {}
    assert extract_outputs(outputs, status=200, headers={}, body=b"") == {}
    assert extract_outputs(outputs, status=404, headers=HEADERS, body=BODY) == {}
    assert (
        extract_outputs([Output(name="c", header="Location")], status=500, headers=HEADERS, body="")
        == {}
    )


def test_bytes_and_several_outputs():
    outputs = [
        Output(name="TicketId", path="items.0.id"),
        Output(name="Who", jsonpath="$.items[0].Owner"),
        Output(name="Loc", header="Location"),
    ]
    assert extract_outputs(outputs, status=201, headers=HEADERS, body=BODY.encode()) == {
        "TicketId": "12",
        "Who": "alice",
        "Loc": "https://rt.example/REST/2.0/ticket/12",
    }


def test_create_contact_extra_variables_share_the_extractor():
    """covers N2: `from="response"` (GJSON), `from="header"` (e.g. Location); `value` ones are
    the caller's to render."""
    variables = [
        ExtraVariable(name="CreatedId", source="response", path="items.0.id"),
        ExtraVariable(name="Created", source="header", path="Location"),
        ExtraVariable(name="Fixed", source="value", value="{{.x}}"),
    ]
    assert as_output(variables[2]) is None
    assert extract_outputs(variables, status=201, headers=HEADERS, body=BODY) == {
        "CreatedId": "12",
        "Created": "https://rt.example/REST/2.0/ticket/12",
    }


@pytest.mark.parametrize(
    ("id_path", "body", "status", "expected"),
    [
        ("items.0.id", BODY, 200, "12"),
        ("items.#.id", BODY, 200, "12"),
        ("items.1.id", BODY, 200, "13"),
        ("count", BODY, 200, "2"),
        ("items.9.id", BODY, 200, ""),
        ("items.0.CF", BODY, 200, ""),
        ("items.0.ok", BODY, 200, ""),
        ("empty", BODY, 200, ""),
        ("items.#.id", json.dumps({"items": []}), 200, ""),
        ("items.0.id", BODY, 404, ""),
        ("items.0.id", "", 200, ""),
        ("", BODY, 200, ""),
    ],
    ids=[
        "number",
        "first-of-array",
        "string",
        "count",
        "missing",
        "object",
        "bool",
        "empty-string",
        "empty-array",
        "not-found-status",
        "no-body",
        "no-path",
    ],
)
def test_duplicate_id(id_path, body, status, expected):
    """A duplicate check finds an existing record only for a non-empty scalar id."""
    check = DuplicateCheck(id_path=id_path, url="https://h/x")
    assert duplicate_id(check, status=status, body=body) == expected
