"""Ticket rules (T3) and option defaults (T2)."""

from __future__ import annotations

from typing import Any

import pytest

from ringdesk.events.model import CallEvent
from ringdesk.flows._delivery import (
    DEFAULT_TICKET_DESCRIPTION,
    DEFAULT_TICKET_SUBJECT,
    ticket_options,
)
from ringdesk.flows.tickets import wants_ticket
from ringdesk.templates.model import Template, Ticket


def ended(**fields: Any) -> CallEvent:
    data: dict[str, Any] = {
        "type": "call.ended",
        "call_id": "c",
        "timestamp": 0,
        "direction": "inbound",
        "status": "answered",
    }
    data.update(fields)
    return CallEvent.model_validate(data)


CASES = {
    "in-answered": {},
    "in-missed": {"status": "missed"},
    "in-voicemail": {"status": "voicemail"},
    "in-busy": {"status": "busy"},
    "out-answered": {"direction": "outbound"},
    "out-no-answer": {"direction": "outbound", "status": "no_answer"},
    "internal-missed": {"direction": "internal", "status": "no_answer"},
}


@pytest.mark.parametrize(
    ("when", "ticketed"),
    [
        ("always", set(CASES)),
        ("missed", {"in-missed", "in-voicemail", "in-busy", "internal-missed"}),
        ("inbound", {"in-answered", "in-missed", "in-voicemail", "in-busy"}),
    ],
)
def test_wants_ticket(when, ticketed):
    """covers T3: always / missed (reached us, not answered) / inbound."""
    assert {name for name, f in CASES.items() if wants_ticket(ended(**f), when)} == ticketed


def test_ticket_option_defaults_and_bad_when():
    """covers T2: spec default texts; an unknown `when` falls back to always."""
    got = ticket_options(Template(ticket=Ticket(enabled=True)), {"ticket": {"when": "sometimes"}})
    assert got == {
        "enabled": True,
        "when": "always",
        "subject": DEFAULT_TICKET_SUBJECT,
        "description": DEFAULT_TICKET_DESCRIPTION,
    }
    assert ticket_options(Template(), {}) == {"enabled": False}
