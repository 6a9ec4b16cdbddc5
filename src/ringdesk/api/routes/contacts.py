"""REST resource: contacts — live lookup, phonebook sync and caller-ID lookup (C1–C8), and
the test console (I3) for integrations and for templates being edited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, ServicesDep, SessionDep
from ringdesk.console import SCENARIOS, console_context, run_scenario
from ringdesk.errors import HelpdeskError, TemplateError
from ringdesk.flows.contacts import phone_forms, search_contacts
from ringdesk.flows.phonebook import run_sync
from ringdesk.integrations.context import IntegrationContext
from ringdesk.phones import normalise
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import phonebook
from ringdesk.store import templates as templates_repo
from ringdesk.templates import load_xml

__all__ = ["router"]

router = APIRouter(tags=["contacts"], dependencies=[AdminDep])

_PHONE = Query(min_length=1, max_length=64)


class ConsoleIn(BaseModel):
    """A console run: the scenario, sample input, and for templates being edited the
    connect values (`fields`), options and optionally the unsaved XML."""

    scenario: str
    sample: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    xml: str | None = Field(default=None, max_length=1_000_000)


async def _context(services: ServicesDep, integration_id: int) -> IntegrationContext:
    try:
        return await services.contexts.load(integration_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "integration not found") from exc


@router.post("/integrations/{integration_id}/contacts/sync")
async def sync_contacts(integration_id: int, services: ServicesDep) -> dict[str, Any]:
    """C8: sync the integration's chosen contact types into the local phonebook. A search
    request that cannot be rendered for the sync is 422 naming the template field; a
    helpdesk failure is 502. Either way the integration shows it (`contact_sync`)."""
    ctx = await _context(services, integration_id)
    try:
        outcome = await run_sync(services, ctx)
    except TemplateError as exc:
        detail = {
            "message": exc.message,
            "field": exc.field,
            "line": exc.line,
            "column": exc.column,
        }
        raise HTTPException(422, detail) from None
    except HelpdeskError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"helpdesk error: {exc}") from exc
    return outcome.summary()


@router.get("/integrations/{integration_id}/contacts/lookup")
async def lookup_live(
    integration_id: int, services: ServicesDep, phone: str = _PHONE
) -> dict[str, Any]:
    """C1–C7: live search of the helpdesk → contacts and the first one's popup URL."""
    ctx = await _context(services, integration_id)
    try:
        contacts = await search_contacts(services, ctx, phone)
    except HelpdeskError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"helpdesk error: {exc}") from exc
    return {
        "phone": phone,
        "candidates": phone_forms(ctx, phone),
        "contacts": [c.as_dict() for c in contacts],
        "popup_url": contacts[0].popup_url if contacts else "",
    }


@router.get("/phonebook/lookup")
def lookup_phonebook(
    session: SessionDep, phone: str = _PHONE, region: str | None = None
) -> dict[str, Any]:
    """C8: caller-ID from the local phonebook. Without `region`, the integrations' default
    regions are tried in turn."""
    regions = [region.upper()] if region else []
    if not regions:
        from ringdesk.integrations.options import Options

        for stored in integrations_repo.stored_options(session):
            found = Options(default_region=str(stored.get("default_region") or "")).region
            if found not in regions:
                regions.append(found)
        regions = regions or [Options().region]
    entries: list[phonebook.Hit] = []
    used = regions[0]
    for used in regions:
        entries = phonebook.lookup(session, phone, region=used)
        if entries:
            break
    number = normalise(phone, used)
    return {
        "phone": phone,
        "e164": number.e164,
        "name": entries[0].name if entries else "",
        "entries": [
            {
                "integration_id": e.integration_id,
                "contact_type": e.contact_type,
                "contact_id": e.contact_id,
                "name": e.name,
                "phone": e.phone,
                "popup_url": e.popup_url,
            }
            for e in entries
        ],
    }


def _check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise HTTPException(
            422,
            f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}",
        )


@router.post("/integrations/{integration_id}/console")
async def integration_console(
    integration_id: int, body: ConsoleIn, services: ServicesDep
) -> dict[str, Any]:
    """I3: run a scenario of a saved integration with sample input."""
    _check_scenario(body.scenario)
    ctx = await _context(services, integration_id)
    run = await run_scenario(services, ctx, body.scenario, body.sample)
    return run.as_dict()


@router.post("/templates/{template_id}/console")
async def template_console(
    template_id: str, body: ConsoleIn, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """I3: run a scenario of a template before it is saved: the XML in the body (or the
    stored template), the connect values in `fields`, the sample input in `sample`."""
    _check_scenario(body.scenario)
    try:
        template = (
            load_xml(body.xml) if body.xml else templates_repo.get_template(session, template_id)
        )
    except TemplateError as exc:
        detail = {"message": exc.message, "line": exc.line, "column": exc.column}
        raise HTTPException(422, detail) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "template not found") from exc
    ctx = console_context(
        template,
        body.fields,
        public_url=services.settings.public_url,
        template_id=template_id,
        options=body.options,
    )
    run = await run_scenario(services, ctx, body.scenario, body.sample)
    return run.as_dict()
