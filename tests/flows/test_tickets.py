"""Ticket rules (T3) and option defaults (T2)."""

from __future__ import annotations

from typing import Any

import pytest

from ringdesk.events.model import CallEvent
from ringdesk.flows.tickets import wants_ticket
from ringdesk.integrations.options import (
    DEFAULT_TICKET_DESCRIPTION,
    DEFAULT_TICKET_SUBJECT,
    TicketOptions,
    effective_options,
)
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
    template = Template(ticket=Ticket(enabled=True))
    got = effective_options(template, {"ticket": {"when": "sometimes"}}).ticket
    assert got == TicketOptions(
        enabled=True,
        when="always",
        subject=DEFAULT_TICKET_SUBJECT,
        description=DEFAULT_TICKET_DESCRIPTION,
    )
    assert effective_options(Template(), {}).ticket.enabled is False
