"""The built-in `request-tracker` template (issue 13): valid with no warning, the `token`
scheme instead of a custom Authorization header, contacts matched by phone in ringdesk,
and a duplicate check before every create (RT ignores Idempotency-Key). Its behaviour
against a real Request Tracker is the RT lane's (`tests/rt/test_template.py`)."""

from __future__ import annotations

from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from ringdesk.templates.validate import validate


def test_request_tracker_validates_without_errors_or_warnings():
    template = load_xml(builtin_xml()["request-tracker"])
    assert validate(template) == []
    auth = template.authentication
    assert (auth.method, auth.scheme) == ("bearer", "token")
    assert not [h for h in template.headers if h.name.lower() == "authorization"]
    assert [f.type for f in auth.fields] == ["url", "password", "text"]
    (contacts,) = template.contact_search.contact_types
    assert (contacts.match, contacts.pagination.type) == ("phone", "page")
    assert "*" not in contacts.request.url  # no wildcard pattern: ringdesk compares numbers
    assert template.create_contact is not None
    assert template.call_log is not None
    assert template.ticket is not None
    creates = [t.duplicate_check for t in template.create_contact.contact_types]
    assert all(check is not None for check in [*creates, template.call_log.duplicate_check])
    assert template.ticket.duplicate_check is not None
    assert [r.name for r in template.call_log.extra_requests] == ["open_ticket"]
