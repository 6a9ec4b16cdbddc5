"""Create-contact variables (N2): names from the PBX caller name, else the number; the body
renders as valid JSON whatever the name holds."""

from __future__ import annotations

import json

import pytest

from ringdesk.expressions import gotemplate
from ringdesk.flows.createcontact import contact_variables, split_name

BODY = '{"last_name":"{{.LastName}}","first_name":"{{.FirstName}}","phone":"{{.BusinessNumber}}"}'


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("Ada King Lovelace", "Ada King", "Lovelace"),
        ("Cher", "", "Cher"),
        ("  Ada   Lovelace ", "Ada", "Lovelace"),
        ("", "", "+4930123456"),
        ("   ", "", "+4930123456"),
    ],
    ids=["two-words", "three-words", "one-word", "spaces", "no-name", "blank"],
)
def test_split_name(name, first, last):
    assert split_name(name, "+4930123456") == (first, last)


@pytest.mark.parametrize(
    "name",
    ['Zoë "Zed" O\'Brien', "Jürgen\\Back Slash", "Tab\tNew\nLine", "李 小龍", "</script> {{.X}}"],
    ids=["quotes", "backslash", "controls", "cjk", "markup-and-braces"],
)
def test_body_is_valid_json_for_any_caller_name(name):
    """covers N2: the rendered body parses and carries the name unchanged."""
    variables = contact_variables("+4930123456", name, "call-1")
    body = json.loads(gotemplate.render(BODY, variables, escape="json"))
    assert f"{body['first_name']} {body['last_name']}".strip() == " ".join(name.split())
    assert body["phone"] == "+4930123456"
