"""Business flows: turn call events into helpdesk work (screen pops, contacts, logs, tickets).

Two entry points, called by `events.intake`:
- `enqueue_work(session, event, now=...)` runs inside the transaction that stores the event,
  so the outbox jobs it adds (call log, ticket) are durable exactly when the event is (L3).
- `on_event(state, event)` runs after the commit, for live work: contact search and the
  screen pop on ringing, follow-up requests on call triggers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ringdesk.events.model import CallEvent

__all__ = ["enqueue_work", "on_event"]


def enqueue_work(session: Session, event: CallEvent, *, now: float) -> None:
    """Add the durable jobs this event causes (filled in by the outbox/call-log flow)."""


async def on_event(state: Any, event: CallEvent) -> None:
    """Do the live work this event causes (filled in by the contact-search flow)."""
