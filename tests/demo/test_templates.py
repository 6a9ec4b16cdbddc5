"""The built-in templates for the demo helpdesk load and validate cleanly (I7)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ringdesk
from ringdesk.templates import load_xml, validate

BUILTIN = Path(ringdesk.__file__).parent / "templates" / "builtin"


@pytest.mark.parametrize(("stem", "method"), [("demo", "bearer"), ("demo_oauth", "oauth2")])
def test_demo_template_is_valid_and_complete(stem, method):
    """No errors or warnings, and every section is used."""
    template = load_xml((BUILTIN / f"{stem}.xml").read_bytes())
    assert validate(template) == []
    assert template.authentication.method == method
    assert template.user_association is not None
    assert template.user_association.pagination.type == "link"
    assert template.contact_search is not None
    assert template.create_contact is not None
    assert template.call_log is not None
    assert template.ticket is not None
    assert [f.trigger for f in template.follow_up_requests] == ["connected"]
    assert len(template.headers) == 2
