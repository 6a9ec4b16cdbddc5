"""Follow-up requests (F1–F3): fired on a trigger, their responses copied into variables by
JSONPath; variables captured on `connected`/`token_refreshed` persist with the integration
(secret-looking ones encrypted)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from ringdesk.errors import PeerError
from ringdesk.http.requestlog import LogRow
from ringdesk.integrations.context import IntegrationContext, is_secret_name
from ringdesk.integrations.render import render
from ringdesk.store.tables import Integration

__all__ = ["PERSISTENT_TRIGGERS", "fire_follow_ups", "persist_variables"]

PERSISTENT_TRIGGERS = ("connected", "token_refreshed")


def _headers(text: str, data: Mapping[str, str]) -> dict[str, str]:
    if not text.strip():
        return {}
    try:
        value = json.loads(render(text, data, escape="json"))
    except ValueError:
        raise PeerError("follow-up headers are not a JSON object", retryable=False) from None
    if not isinstance(value, dict):
        raise PeerError("follow-up headers are not a JSON object", retryable=False)
    return {str(k): str(v) for k, v in value.items()}


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def persist_variables(state: Any, integration_id: int, values: Mapping[str, str]) -> None:
    """Store captured variables on the integration; secret-looking names encrypted (A9)."""
    with state.db.session() as session:
        row = session.get(Integration, integration_id)
        if row is None:
            return
        plain = dict(row.variables or {})
        secrets = state.crypto.decrypt(row.secrets)
        for name, value in values.items():
            if is_secret_name(name):
                secrets[name] = value
                plain.pop(name, None)
            else:
                plain[name] = value
        row.variables = plain
        row.secrets = state.crypto.encrypt(secrets)


async def fire_follow_ups(
    state: Any, ctx: IntegrationContext, trigger: str, variables: Mapping[str, str]
) -> dict[str, str]:
    """Run the template's follow-up requests for `trigger` in order and return the
    variables they captured. Raises `PeerError` when a request fails."""
    requests = [r for r in ctx.template.follow_up_requests if r.trigger == trigger]
    if not requests:
        return {}
    from ringdesk.expressions import jsonpath

    data: dict[str, str] = {**ctx.variables, **variables}
    captured: dict[str, str] = {}
    for number, spec in enumerate(requests, 1):
        headers = _headers(spec.headers, data)
        body = render(spec.body, data, escape="json") if spec.body.strip() else None
        has_type = any(k.lower() == "content-type" for k in headers)
        response = await state.executor.request(
            ctx,
            scenario=f"follow_up:{trigger}",
            method=spec.method,
            url=render(spec.url, data, escape="url"),
            body=body,
            content_type=None if has_type or body is None else "application/json",
            extra_headers=headers,
            apply_custom_headers=False,  # H2: custom headers are not sent on follow-ups
        )
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
            state.executor.request_log.add(
                LogRow(
                    integration_id=ctx.integration_id,
                    scenario=f"follow_up:{trigger}",
                    method=spec.method.upper(),
                    url=f"(follow-up #{number})",
                    status=response.status,
                    duration_ms=0.0,
                    request_excerpt="",
                    response_excerpt="",
                    error=f"{path} found nothing; {name} left unset",
                    created_at=state.executor.clock.now(),
                )
            )
    if trigger in PERSISTENT_TRIGGERS and captured:
        await asyncio.to_thread(persist_variables, state, ctx.integration_id, captured)
    return captured
