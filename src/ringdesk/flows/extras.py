"""Requests a scenario runs before its own (issue 13): the template's extra-variable requests,
whose outputs become variables of the scenario, and the duplicate check of a create, for
helpdesks that ignore `Idempotency-Key`. Custom headers with scope `extra` go on both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ringdesk.errors import HelpdeskAuthError, HelpdeskError
from ringdesk.flows.outputs import duplicate_id, extract_outputs
from ringdesk.http.client import Exchange
from ringdesk.http.request import render_request, render_url
from ringdesk.integrations.context import IntegrationContext
from ringdesk.services import Services
from ringdesk.templates.model import DuplicateCheck, ExtraRequest

__all__ = ["find_duplicate", "run_extra_requests"]


async def run_extra_requests(
    services: Services,
    ctx: IntegrationContext,
    requests: Sequence[ExtraRequest],
    variables: Mapping[str, str],
    *,
    scenario: str,
    capture: list[Exchange] | None = None,
) -> dict[str, str]:
    """Run `requests` in order and return `variables` plus everything they captured. A
    request whose URL renders empty is skipped (its outputs stay unset); one whose path has
    an unset variable fails the scenario (`TemplateError`); a helpdesk failure raises
    `HelpdeskError` like the scenario's own request would."""
    data = dict(variables)
    for spec in requests:
        if not render_url(spec.url, data, tz=ctx.tz).strip():
            continue
        request = render_request(
            spec,
            data,
            tz=ctx.tz,
            headers=ctx.headers_for("extra"),
            headers_json=spec.headers,
        )
        response = await services.send(
            ctx, request, scenario=f"{scenario}:{spec.name or 'extra'}", capture=capture
        )
        data.update(
            extract_outputs(
                spec.outputs,
                status=response.status,
                headers=dict(response.headers),
                body=response.content,
            )
        )
    return data


async def find_duplicate(
    services: Services,
    ctx: IntegrationContext,
    check: DuplicateCheck | None,
    variables: Mapping[str, str],
    *,
    scenario: str,
    capture: list[Exchange] | None = None,
) -> str:
    """The id of the record a create would duplicate (the check found it), or "" (create).
    No check: "".

    An answer that is not a success finds nothing, so the create runs: a lookup by id
    answers 404 for a record that does not exist yet (Request Tracker's `GET /user/{Name}`).
    Refused credentials and errors worth retrying (5xx, 429, no answer) are raised instead:
    creating without knowing could make the duplicate the check is there to prevent."""
    if check is None or not check.url:
        return ""
    request = render_request(check, variables, tz=ctx.tz, headers=ctx.headers_for("extra"))
    try:
        response = await services.send(
            ctx, request, scenario=f"{scenario}:duplicate_check", capture=capture
        )
    except HelpdeskAuthError:
        raise
    except HelpdeskError as exc:
        if exc.retryable or exc.status is None:
            raise
        return ""
    return duplicate_id(check, status=response.status, body=response.content)
