"""Where every call event enters: stored (deduplicated) first, then handed to the flows.

`accept` stores the event in `call_events` (unique call_id + type) and, in the same
transaction, lets `enqueue_work` add its durable jobs, so a job exists exactly when its
event does (L3). After the commit it starts `on_event` for the live work (contact search,
screen pop) as a tracked background task; its failures are logged, never raised to the PBX.

Events that arrive together are stored together (group commit, `flows.groupcommit`): one
transaction and one look-up of the integrations per batch instead of per event. Each
caller is answered only after the transaction holding its event has committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ringdesk.events.model import CallEvent
from ringdesk.flows.callcontact import enqueue_contact, needs_contact
from ringdesk.flows.calllog import enqueue_call_logs
from ringdesk.flows.followup import CALL_TRIGGERS, enqueue_follow_up, has_follow_ups
from ringdesk.flows.groupcommit import GroupCommit
from ringdesk.flows.screenpop import handle_ringing
from ringdesk.flows.tickets import enqueue_ticket
from ringdesk.integrations.options import Options, effective_options
from ringdesk.services import Services
from ringdesk.store import calls, integrations, templates
from ringdesk.store.db import Session
from ringdesk.templates.model import Template

__all__ = [
    "Target",
    "accept",
    "delivery_targets",
    "enqueue_work",
    "on_event",
    "store_event",
    "store_events",
]

log = logging.getLogger(__name__)
# Integrations whose call logs and tickets are queued; `needs_reconnect` ones too: their
# jobs wait in the outbox instead of being lost (L3, A8).
_DELIVERING = ("connected", "needs_reconnect")


@dataclass(frozen=True)
class Target:
    """One integration that gets durable work from call events, as read in this transaction."""

    integration_id: int
    template: Template
    options: Options


def delivery_targets(session: Session) -> list[Target]:
    """The integrations that get work from call events (connected or waiting for a
    reconnect), with their templates and effective options; a broken template is logged and
    skipped, so it cannot stop events from being stored."""
    targets = []
    for integration_id, template_id, stored in integrations.delivering(session, _DELIVERING):
        try:
            template = templates.get_template(session, template_id)
        except Exception:  # a broken template must not stop the event from being stored
            log.exception("template %s of integration %s unusable", template_id, integration_id)
            continue
        targets.append(_target(integration_id, template, stored))
    return targets


# The last Target built per integration, reused while its template model (cached by the
# store until the row changes) and stored options are the same: this runs for every batch
# of events. Bounded like the integrations themselves; cleared when it outgrows that.
_TARGETS: dict[int, tuple[Template, Mapping[str, Any], Target]] = {}
_TARGETS_MAX = 256


def _target(integration_id: int, template: Template, stored: Mapping[str, Any]) -> Target:
    cached = _TARGETS.get(integration_id)
    if cached is not None and cached[0] is template and cached[1] == stored:
        return cached[2]
    target = Target(integration_id, template, effective_options(template, stored))
    if len(_TARGETS) >= _TARGETS_MAX:
        _TARGETS.clear()
    _TARGETS[integration_id] = (template, stored, target)
    return target


def enqueue_work(
    session: Session, event: CallEvent, *, now: float, targets: Sequence[Target] | None = None
) -> None:
    """Add the durable jobs this event causes, in the caller's transaction, for every
    integration (so they run whoever crashes, issue 12): settling the caller's contact on
    ringing (or on an ended call whose ringing never came); the `call_answered` and
    `call_ended` follow-ups; on `call.ended` the call logs (L1–L3) and the ticket (T1–T3),
    which wait for the contact (issue 13). `targets`: `delivery_targets(session)` when the
    caller has read them already for this transaction."""
    for target in delivery_targets(session) if targets is None else targets:
        template, options, integration_id = target.template, target.options, target.integration_id
        contact: str | None = None
        settles = needs_contact(template, creates=options.create_contact.enabled)
        if settles and event.type != "call.answered" and event.external_number():
            contact = enqueue_contact(session, event, integration_id, now=now)
        trigger = CALL_TRIGGERS.get(event.type)
        if trigger and has_follow_ups(template, trigger):
            enqueue_follow_up(session, event, integration_id, trigger, now=now)
        if event.type == "call.ended":
            enqueue_call_logs(session, event, integration_id, options, now=now, waits_for=contact)
            enqueue_ticket(session, event, integration_id, options, now=now, waits_for=contact)


def has_live_work(event: CallEvent) -> bool:
    """Only a ringing call has live work (the screen pop); other events are processed once
    stored."""
    return event.type == "call.ringing"


async def on_event(services: Services, event: CallEvent) -> None:
    """Do the live work this event causes: the screen pop on ringing (C9). It only makes
    the pop fast; what must happen (the contact, follow-ups, logs) is in the durable jobs.
    Never raises: it runs as a background task after the event is stored."""
    try:
        if event.type == "call.ringing":
            await handle_ringing(services, event)
    except Exception:  # a background task has nobody to raise to; log and move on
        log.exception("live work for %s %s failed", event.type, event.call_id)


def _count(services: Services, event: CallEvent, source: str, outcome: str) -> None:
    services.metrics.call_events.labels(source=source, type=event.type, outcome=outcome).inc()


def store_events(
    services: Services, items: Sequence[tuple[CallEvent, str]], *, now: float | None = None
) -> list[bool]:
    """Store each (event, source) and enqueue its durable work, all in one transaction;
    returns, per item, whether it was new (False: the same call_id + type was stored before,
    or earlier in `items`; nothing changes for it)."""
    now = services.clock.now() if now is None else now
    fresh: list[bool] = []
    with services.database.session() as session:
        targets: list[Target] | None = None
        for event, source in items:
            added = calls.add_event(
                session,
                call_id=event.call_id,
                type_=event.type,
                source=source,
                payload=event.as_payload(),
                now=now,
                processed=not has_live_work(event),
            )
            if added:
                if targets is None:
                    targets = delivery_targets(session)
                enqueue_work(session, event, now=now, targets=targets)
            fresh.append(added)
    for (event, source), added in zip(items, fresh, strict=True):
        _count(services, event, source, "accepted" if added else "duplicate")
    return fresh


def store_event(
    services: Services, event: CallEvent, *, source: str, now: float | None = None
) -> bool:
    """Store the event and enqueue its durable work in one transaction.

    Returns False (and changes nothing) when the same call_id + type was stored before.
    """
    return store_events(services, [(event, source)], now=now)[0]


async def _live_work(services: Services, event: CallEvent) -> None:
    await on_event(services, event)
    try:
        await asyncio.to_thread(_mark_processed, services, event)
    except Exception:
        log.exception("cannot mark %s %s processed", event.type, event.call_id)


def _mark_processed(services: Services, event: CallEvent) -> None:
    with services.database.session() as session:
        calls.mark_processed(session, event.call_id, event.type, now=services.clock.now())


def _committer(services: Services) -> GroupCommit[tuple[CallEvent, str], bool]:
    return GroupCommit.of(services, lambda items: store_events(services, items))


async def accept(services: Services, event: CallEvent, *, source: str) -> bool:
    """Store `event` and enqueue its jobs (in a worker thread, together with the events
    that arrive meanwhile), then start its live work.

    Returns False for a duplicate (same call_id + type), which is neither stored nor
    processed again. Database errors propagate (the caller must not acknowledge).
    """
    if not await _committer(services).submit((event, source)):
        return False
    if has_live_work(event):
        services.tasks.spawn(_live_work(services, event), name=f"live-work-{event.type}")
    return True
