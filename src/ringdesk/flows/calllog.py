"""Call logs (L1–L3): who gets a log for a finished call, the durable jobs for them, and the
delivery of one log (tickets are delivered the same way, from their own section).

Who gets a log (`log_targets`, pure):
- a call without queue/ring-group agents: the handling extension;
- a queue/ring-group call (`agents_rung` not empty) with `skip_missed_for_unanswered_agents`
  on: only the answering agent; when nobody answered, ONE log for the queue itself (the
  handling extension, usually the queue number, no agent owner) so the missed call is still
  recorded once, not once per agent;
- with the option off: one log per agent rung (plus the answering agent if the PBX did not
  list them), each owned by that agent.
Each target becomes one job keyed by `call_log_key` (the owner's helpdesk user id, or
`ext-{extension}` for an extension without a user), so two extensions of the same user get
one log. Rendering happens at delivery, so it sees the contact matched or created meanwhile.
"""

from __future__ import annotations

from typing import Literal

from ringdesk.errors import TemplateError
from ringdesk.events.model import CallEvent
from ringdesk.flows.delivery import find_contact, response_id
from ringdesk.flows.extras import find_duplicate, run_extra_requests
from ringdesk.flows.followup import follow_ups_after
from ringdesk.flows.variables import call_variables
from ringdesk.http.client import Exchange
from ringdesk.http.request import render_request
from ringdesk.integrations.context import IntegrationContext
from ringdesk.integrations.options import Options
from ringdesk.outbox.jobs import ClaimedJob, Delivered
from ringdesk.services import Services
from ringdesk.store import outbox as queue
from ringdesk.store import users
from ringdesk.store.db import Session

__all__ = [
    "call_log_key",
    "call_log_payload",
    "deliver",
    "deliver_section",
    "enqueue_call_logs",
    "log_targets",
]

Section = Literal["call_log", "ticket"]


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


def call_log_key(integration_id: int, call_id: str, owner: str, extension: str) -> str:
    """The job key (and Idempotency-Key) of one call's log for one owner (L3)."""
    return f"call_log:{integration_id}:{call_id}:{owner or 'ext-' + extension}"


def call_log_payload(
    event: CallEvent, *, extension: str, owner: str, extension_name: str
) -> dict[str, object]:
    """What a call-log or ticket job carries: the event and who it is for."""
    return {
        "event": event.as_payload(),
        "extension": extension,
        "owner": owner,
        "extension_name": extension_name,
    }


def enqueue_call_logs(
    session: Session,
    event: CallEvent,
    integration_id: int,
    options: Options,
    *,
    now: float,
    waits_for: str | None = None,
) -> int:
    """Queue the logs of a `call.ended` event for one integration; returns the jobs added
    or already there. `waits_for`: the call's contact job, which they wait for."""
    if not options.call_log.enabled:
        return 0
    keys: set[str] = set()
    skip = options.call_log.skip_missed_for_unanswered_agents
    for extension in log_targets(event, skip_unanswered=skip):
        owner = users.owner_of(session, integration_id, extension)
        key = call_log_key(integration_id, event.call_id, owner, extension)
        if key in keys:
            continue
        keys.add(key)
        queue.enqueue(
            session,
            kind="call_log",
            integration_id=integration_id,
            call_id=event.call_id,
            idempotency_key=key,
            payload=call_log_payload(
                event,
                extension=extension,
                owner=owner,
                extension_name=users.extension_name(session, extension),
            ),
            now=now,
            waits_for=waits_for,
        )
    return len(keys)


async def deliver_section(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    section: Section,
    *,
    capture: list[Exchange] | None = None,
) -> Delivered:
    """Send the `section` request ("call_log" or "ticket") of a finished call; raises
    HelpdeskError (retry or fail) or Deferred (wait). Its follow-ups fire on
    `{section}_created` once the delivery is recorded."""
    spec = ctx.template.call_log if section == "call_log" else ctx.template.ticket
    if spec is None:
        raise TemplateError(f"the template has no {section.replace('_', ' ')} section")
    options = ctx.options.call_log if section == "call_log" else ctx.options.ticket
    event = CallEvent.model_validate(job.payload["event"])
    contact = await find_contact(services, job, scenario=section, ctx=ctx)
    variables = call_variables(
        event,
        tz=ctx.tz,
        contact=contact,
        owner=str(job.payload.get("owner", "")),
        options=options,
        extension=str(job.payload.get("extension", event.extension)),
        extension_name=str(job.payload.get("extension_name", "")),
    )
    data = await run_extra_requests(
        services,
        ctx,
        spec.extra_requests,
        {**ctx.variables, **variables},
        scenario=section,
        capture=capture,
    )
    existing = await find_duplicate(
        services, ctx, spec.duplicate_check, data, scenario=section, capture=capture
    )
    if existing:  # a helpdesk that ignores Idempotency-Key already has it
        return Delivered(result={"status": 0, "id": existing, "duplicate": True})
    request = render_request(
        spec.request,
        data,
        tz=ctx.tz,
        headers=ctx.scenario_headers,
        idempotency_key=job.idempotency_key,
        default_method="POST",
    )
    response = await services.send(ctx, request, scenario=section, capture=capture)
    return Delivered(
        result={"status": response.status, "id": response_id(response)},
        after=follow_ups_after(services, ctx, f"{section}_created", variables),
    )


async def deliver(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    *,
    capture: list[Exchange] | None = None,
) -> Delivered:
    """Send one call log."""
    return await deliver_section(services, ctx, job, "call_log", capture=capture)
