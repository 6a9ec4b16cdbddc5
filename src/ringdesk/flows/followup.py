"""Follow-up requests (F1–F3): fired on a trigger, their responses copied into variables by
JSONPath; variables captured on `connected`/`token_refreshed` persist with the integration
(secret-looking ones encrypted). Custom headers are not sent on follow-ups (H2).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ringdesk.events.model import CallEvent
from ringdesk.expressions import jsonpath
from ringdesk.http.client import Exchange
from ringdesk.http.request import render_request
from ringdesk.http.requestlog import LogRow
from ringdesk.integrations.context import IntegrationContext, is_secret_name
from ringdesk.outbox.jobs import ClaimedJob, Delivered
from ringdesk.services import Services
from ringdesk.store import calls
from ringdesk.store import integrations as repo
from ringdesk.store import outbox as queue
from ringdesk.store.db import Session
from ringdesk.templates.model import Template

__all__ = [
    "CALL_TRIGGERS",
    "PERSISTENT_TRIGGERS",
    "after_token_refresh",
    "deliver_follow_up",
    "enqueue_follow_up",
    "fire_follow_ups",
    "follow_up_key",
    "follow_ups_after",
    "has_follow_ups",
    "persist_variables",
]

PERSISTENT_TRIGGERS = ("connected", "token_refreshed")
log = logging.getLogger(__name__)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def persist_variables(services: Services, integration_id: int, values: Mapping[str, str]) -> None:
    """Store captured variables on the integration; secret-looking names encrypted (A9)."""
    with services.database.session() as session:
        row = repo.get(session, integration_id)
        if row is None:
            return
        plain = dict(row.variables or {})
        secrets = services.crypto.decrypt(row.secrets)
        for name, value in values.items():
            if is_secret_name(name):
                secrets[name] = value
                plain.pop(name, None)
            else:
                plain[name] = value
        repo.save_variables(
            session, integration_id, variables=plain, secrets=services.crypto.encrypt(secrets)
        )


async def fire_follow_ups(
    services: Services, ctx: IntegrationContext, trigger: str, variables: Mapping[str, str]
) -> dict[str, str]:
    """Run the template's follow-up requests for `trigger` in order and return the
    variables they captured. Raises `HelpdeskError` when a request fails."""
    specs = [r for r in ctx.template.follow_up_requests if r.trigger == trigger]
    if not specs:
        return {}
    data: dict[str, str] = {**ctx.variables, **variables}
    captured: dict[str, str] = {}
    scenario = f"follow_up:{trigger}"
    for number, spec in enumerate(specs, 1):
        request = render_request(
            spec,
            data,
            tz=ctx.tz,
            headers=ctx.headers_for("followups"),  # H2: none unless a header says so
            headers_json=spec.headers,
            default_method="POST",
        )
        response = await services.send(ctx, request, scenario=scenario)
        try:
            document: Any = response.json()
        except ValueError:
            document = None
        for path, name in zip(spec.path_list, spec.variable_list, strict=False):
            found = jsonpath.find(document, path) if document is not None else []
            if found:
                captured[name] = data[name] = _as_text(found[0])
                continue
            # F3: nothing found → the variable stays unset, and the request log says so.
            services.executor.request_log.add(
                LogRow(
                    integration_id=ctx.integration_id,
                    scenario=scenario,
                    method=request.method,
                    url=f"(follow-up #{number})",
                    status=response.status,
                    duration_ms=0.0,
                    request_excerpt="",
                    response_excerpt="",
                    error=f"{path} found nothing; {name} left unset",
                    created_at=services.clock.now(),
                )
            )
    if trigger in PERSISTENT_TRIGGERS and captured:
        await asyncio.to_thread(persist_variables, services, ctx.integration_id, captured)
    return captured


def follow_ups_after(
    services: Services, ctx: IntegrationContext, trigger: str, variables: Mapping[str, str]
) -> Callable[[], Awaitable[None]] | None:
    """The `trigger` follow-ups as work to run later (after a delivery is recorded), or
    None when the template has none; their failure is logged, never raised."""
    if not any(r.trigger == trigger for r in ctx.template.follow_up_requests):
        return None
    frozen = dict(variables)

    async def run() -> None:
        try:
            await fire_follow_ups(services, ctx, trigger, frozen)
        except Exception as exc:
            log.warning(
                "follow-up %s for integration %s failed: %s",
                trigger,
                ctx.integration_id,
                ctx.redactor.text(str(exc)),
            )

    return run


async def after_token_refresh(services: Services, ctx: IntegrationContext) -> None:
    """F2: fire `token_refreshed` follow-ups with the new tokens (a fresh context)."""
    if not any(r.trigger == "token_refreshed" for r in ctx.template.follow_up_requests):
        return
    fresh = await services.contexts.load(ctx.integration_id)
    await fire_follow_ups(services, fresh, "token_refreshed", {})


# -- durable call triggers (F2) ----------------------------------------------------------

CALL_TRIGGERS = {"call.answered": "call_answered", "call.ended": "call_ended"}


def has_follow_ups(template: Template, trigger: str) -> bool:
    return any(r.trigger == trigger for r in template.follow_up_requests)


def follow_up_key(integration_id: int, call_id: str, trigger: str) -> str:
    """The key of one call's follow-ups for one trigger on one integration."""
    return f"follow_up:{integration_id}:{call_id}:{trigger}"


def enqueue_follow_up(
    session: Session, event: CallEvent, integration_id: int, trigger: str, *, now: float
) -> None:
    """Queue the `trigger` follow-ups of a call (once), so they run even if this process
    dies now."""
    queue.enqueue(
        session,
        kind="follow_up",
        integration_id=integration_id,
        call_id=event.call_id,
        idempotency_key=follow_up_key(integration_id, event.call_id, trigger),
        payload={"event": event.as_payload(), "trigger": trigger},
        now=now,
    )


def _match_fields(services: Services, integration_id: int, call_id: str) -> dict[str, str]:
    with services.database.session() as session:
        match = calls.get_match(session, integration_id, call_id)
    return dict(match.fields) if match is not None else {}


async def deliver_follow_up(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    *,
    capture: list[Exchange] | None = None,
) -> Delivered:
    """F2: fire a call's `call_answered` / `call_ended` follow-ups with its number and its
    stored match; a failing request raises, and the job is retried."""
    event = CallEvent.model_validate(job.payload["event"])
    trigger = str(job.payload["trigger"])
    fields = await asyncio.to_thread(_match_fields, services, ctx.integration_id, event.call_id)
    variables = {"Phone": event.external_number(), "CallId": event.call_id, **fields}
    captured = await fire_follow_ups(services, ctx, trigger, variables)
    return Delivered(result={"trigger": trigger, "captured": sorted(captured)})
