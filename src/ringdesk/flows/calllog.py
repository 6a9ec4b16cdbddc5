"""Call logs (L1–L3): who gets a log for a finished call, the durable jobs for them, and the
delivery of one log.

Who gets a log (`log_targets`, pure):
- a call without queue/ring-group agents: the handling extension;
- a queue/ring-group call (`agents_rung` not empty) with `skip_missed_for_unanswered_agents`
  on: only the answering agent; when nobody answered, ONE log for the queue itself (the
  handling extension, usually the queue number, no agent owner) so the missed call is still
  recorded once, not once per agent;
- with the option off: one log per agent rung (plus the answering agent if the PBX did not
  list them), each owned by that agent.
Each target becomes one job keyed `call_log:{integration}:{call_id}:{owner}` (the owner's
helpdesk user id, or `ext-{extension}` for an extension without a user), so two extensions
of the same user get one log. Rendering happens at delivery, so it sees the contact matched
or created meanwhile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ringdesk.events.model import CallEvent
from ringdesk.flows import _delivery
from ringdesk.flows.variables import call_variables
from ringdesk.outbox import enqueue
from ringdesk.outbox.jobs import Delivered
from ringdesk.outbox.queue import ClaimedJob
from ringdesk.store.tables import Integration
from ringdesk.templates.model import Template

__all__ = ["deliver", "deliver_section", "enqueue_call_logs", "log_targets"]


def log_targets(event: CallEvent, *, skip_unanswered: bool) -> list[str]:
    """The extensions that get a log of `event`, in order, without repeats."""
    if not event.agents_rung:
        return [event.extension]
    if skip_unanswered:
        return [event.answered_by] if event.answered_by else [event.extension]
    targets = list(dict.fromkeys(event.agents_rung))
    if event.answered_by and event.answered_by not in targets:
        targets.append(event.answered_by)
    return targets


def enqueue_call_logs(
    session: Session, event: CallEvent, row: Integration, template: Template, *, now: float
) -> int:
    """Queue the logs of a `call.ended` event for one integration; returns the jobs added
    or already there."""
    options = _delivery.call_log_options(template, row.options or {})
    if not options["enabled"]:
        return 0
    keys: set[str] = set()
    for extension in log_targets(
        event, skip_unanswered=bool(options["skip_missed_for_unanswered_agents"])
    ):
        owner = _delivery.owner_of(session, row.id, extension)
        key = f"call_log:{row.id}:{event.call_id}:{owner or 'ext-' + extension}"
        if key in keys:
            continue
        keys.add(key)
        enqueue(
            session,
            kind="call_log",
            integration_id=row.id,
            call_id=event.call_id,
            idempotency_key=key,
            payload={
                "event": event.as_payload(),
                "extension": extension,
                "owner": owner,
                "extension_name": _delivery.extension_name(session, extension),
            },
            now=now,
        )
    return len(keys)


async def render_variables(state: Any, ctx: Any, job: ClaimedJob, section: str) -> dict[str, str]:
    """The call variables of a call-log or ticket job (contact looked up now)."""
    event = CallEvent.model_validate(job.payload["event"])
    extension = str(job.payload.get("extension", event.extension))
    template: Template = ctx.template
    pick = _delivery.call_log_options if section == "call_log" else _delivery.ticket_options
    options = pick(template, ctx.options)
    stored = job.prefetched if isinstance(job.prefetched, tuple) else None
    contact = await _delivery.find_contact(state, ctx, event, stored=stored)
    return call_variables(
        event,
        tz=str(ctx.options.get("timezone") or "UTC"),
        contact=contact,
        owner=str(job.payload.get("owner", "")),
        options=options,
        extension=extension,
        extension_name=str(job.payload.get("extension_name", "")),
    )


async def deliver_section(state: Any, ctx: Any, job: ClaimedJob, section: str) -> Delivered:
    """Send the `section` request ("call_log" or "ticket") of a finished call; raises
    PeerError (retry or fail) or Deferred (wait). Its follow-ups fire on
    `{section}_created`."""
    spec = getattr(ctx.template, section)
    if spec is None:
        raise ValueError(f"the template has no {section.replace('_', ' ')} section")
    variables = await render_variables(state, ctx, job, section)
    response = await _delivery.send(
        state,
        ctx,
        scenario=section,
        spec=spec.request,
        variables=variables,
        idempotency_key=job.idempotency_key,
    )
    result = {"status": response.status, "id": _delivery.response_id(response)}
    return Delivered(result=result, trigger=f"{section}_created", variables=variables)


async def deliver(state: Any, ctx: Any, job: ClaimedJob) -> Delivered:
    """Send one call log."""
    return await deliver_section(state, ctx, job, "call_log")
