"""PBX request scenarios → ringdesk sections: UserAssociation, CreateNewContact →
CreateContact, CallJournal → CallLog, CreateNewTicket → Ticket (SyncContactAuto and
SearchContact → ContactSearch are in `_pbx_contacts`). `SCENARIO_CONVERTERS` is the
dispatch table `pbx_convert` runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ringdesk.templates import model as m
from ringdesk.templates._pbx_contacts import contact_search
from ringdesk.templates._pbx_ctx import Ctx, flag, unknown_parameters
from ringdesk.templates._pbx_requests import (
    chain,
    extra_requests,
    link,
    request_spec,
    roots,
    split,
)
from ringdesk.templates.pbx_model import PbxParameter, PbxRequest, PbxScenario
from ringdesk.templates.pbx_vocabulary import (
    COMMON,
    CREATE,
    JOURNAL,
    TICKET,
    USER_OUTPUTS,
    USERS,
)

__all__ = ["SCENARIO_CONVERTERS", "finish_requests", "section_enabled"]


def section_enabled(c: Ctx, attr: str) -> bool:
    """A root flag (`CallJournal="1"`); absent counts as on, since the scenario is there."""
    raw = c.doc.attrs.get(attr)
    if raw is None:
        return True
    value = flag(raw)
    if value is None:
        c.ledger.unmapped(f"Information@{attr}", f"{raw!r} is not 0 or 1; read as off")
        return False
    c.ledger.mapped(f"Information@{attr}")
    return value


def _flag_off(c: Ctx, attr: str, why: str) -> None:
    if attr in c.doc.attrs and flag(c.doc.attrs[attr]):
        c.ledger.unmapped(f"Information@{attr}", why)
    else:
        c.ledger.mapped(f"Information@{attr}")


def _empty_scenario(c: Ctx, scenario: PbxScenario | None) -> None:
    if scenario is not None and (scenario.parameters or scenario.requests):
        c.cover_scenario(scenario, f"scenario {scenario.id!r} has no request to run")


def _primary_name(c: Ctx, request: PbxRequest, expected: str) -> None:
    if request.name == expected:
        c.ledger.mapped(request.key)
    else:
        c.ledger.changed(
            request.key, f"ringdesk keeps no name for this request; it is exported as {expected!r}"
        )


def _outputs_lost(c: Ctx, request: PbxRequest, why: str) -> None:
    for output in request.outputs:
        if not output.path:
            c.ledger.empty(output.key)
        else:
            c.ledger.unmapped(output.key, why)


# ---- user association --------------------------------------------------------------------
def user_association(c: Ctx) -> m.UserAssociation | None:
    scenario = c.doc.scenario(USERS)
    found = roots(scenario)
    if scenario is None or not found:
        _flag_off(c, "UserAssociation", "there is no UserAssociation request to turn on")
        _empty_scenario(c, scenario)
        return None
    enabled = section_enabled(c, "UserAssociation")
    for extra in found[1:]:
        c.cover(extra, "is a second user request; ringdesk makes one")
    requests = chain(c, found[0])
    before, primary, after = split(requests, "UserUniqueId")
    for request in before:
        c.cover(request, "runs before the user request; ringdesk's user association has none")
    _primary_name(c, primary, USERS)
    spec = request_spec(c, primary, "users", "GET")
    mapping: dict[str, str] = {}
    for output in primary.outputs:
        target = USER_OUTPUTS.get(output.name)
        if output.duplicate:
            c.ledger.unmapped(output.key, "appears twice; the first one is used")
        elif not output.path:
            c.ledger.empty(output.key)
        elif target is None:
            c.ledger.unmapped(output.key, f"{output.name!r} is not a user field ringdesk maps")
        else:
            mapping[target] = output.path
            c.ledger.mapped(output.key)
    link(c, [primary], after)
    unknown_parameters(c, scenario, set())
    return m.UserAssociation(enabled=enabled, request=spec, mapping=m.UserMapping(**mapping))


# ---- create contact ----------------------------------------------------------------------
def create_contact(c: Ctx) -> m.CreateContact | None:
    scenario = c.doc.scenario(CREATE)
    found = roots(scenario)
    if scenario is None or not found:
        _flag_off(c, "CreateNewContact", "there is no CreateNewContact request to turn on")
        _empty_scenario(c, scenario)
        return None
    enabled = section_enabled(c, "CreateNewContact")
    types: list[m.CreateContactType] = []
    for root in found:
        requests = chain(c, root)
        before, primary, after = split(requests, "ContactId")
        extras, keep = extra_requests(c, before, "create_contact")
        name = primary.name or "Contacts"
        if not primary.name:
            c.ledger.changed(primary.key, "a contact type needs a name: Contacts")
        c.ledger.mapped(primary.key)
        spec = request_spec(c, primary, "create_contact", "POST", keep)
        variables: list[m.ExtraVariable] = []
        for output in primary.outputs:
            if output.duplicate:
                c.ledger.unmapped(output.key, "appears twice; the first one is used")
            elif not output.path:
                c.ledger.empty(output.key)
            else:
                c.ledger.mapped(output.key)
                variables.append(
                    m.ExtraVariable(name=output.name, source="response", path=output.path)
                )
        link(c, requests[: len(before) + 1], after)
        types.append(
            m.CreateContactType(
                name=name, extra_requests=extras, request=spec, extra_variables=tuple(variables)
            )
        )
    unknown_parameters(c, scenario, set())
    return m.CreateContact(enabled=enabled, contact_types=tuple(types))


# ---- call log and ticket -----------------------------------------------------------------
def _option_text(
    c: Ctx, scenario: PbxScenario, names: tuple[str, str], section: str, keep: list[str]
) -> m.OptionText:
    enable, text = (scenario.parameter(n) for n in names)
    enabled = _option_flag(c, enable)
    default = ""
    if text is not None and text.value:
        default = c.parameter_text(text, section, keep=keep).strip()
    elif text is not None:
        c.ledger.empty(text.key)
    return m.OptionText(enabled=enabled, default=default)


def _option_flag(c: Ctx, p: PbxParameter | None) -> bool:
    if p is None:
        return False
    value = flag(p.value)
    if value is None:
        if p.value:
            c.ledger.unmapped(p.key, f"{p.value!r} is not 0 or 1; read as off")
        else:
            c.ledger.empty(p.key)
        return False
    c.ledger.mapped(p.key)
    return value


def _need_sync(c: Ctx, scenario: PbxScenario) -> None:
    p = scenario.parameter("NeedSyncContact")
    if p is None:
        return
    value = flag(p.value)
    if value:
        c.ledger.mapped(p.key)
    elif value is False:
        c.ledger.changed(p.key, "ringdesk always looks the caller's contact up")
    elif p.value:
        c.ledger.unmapped(p.key, f"{p.value!r} is not 0 or 1")
    else:
        c.ledger.empty(p.key)


def _delivery(
    c: Ctx, sid: str, attr: str, id_output: str, section: str
) -> tuple[bool, tuple[m.ExtraRequest, ...], m.RequestSpec, PbxScenario, list[str]] | None:
    scenario = c.doc.scenario(sid)
    found = roots(scenario)
    if scenario is None or not found:
        _flag_off(c, attr, f"there is no {sid} request to turn on")
        _empty_scenario(c, scenario)
        return None
    enabled = section_enabled(c, attr)
    for extra in found[1:]:
        c.cover(extra, f"is a second {sid} request that no Next reaches; ringdesk sends one")
    requests = chain(c, found[0])
    before, primary, after = split(requests, id_output)
    extras, keep = extra_requests(c, before, section)
    _primary_name(c, primary, sid)
    spec = request_spec(c, primary, section, "POST", keep)
    if spec.url.lstrip().startswith("{{if") or spec.url.lstrip().startswith("{{ if"):
        c.ledger.changed(
            primary.attr_key("URLFormat"),
            "a URL that renders empty makes the PBX skip the request; ringdesk reports a "
            "failed delivery instead",
        )
    _outputs_lost(
        c,
        primary,
        "ringdesk reads the created record's id itself (`id` at the top of the answer or "
        f"one level down) and keeps no other output of the {section.replace('_', ' ')} request",
    )
    link(c, requests[: len(before) + 1], after)
    _need_sync(c, scenario)
    return enabled, extras, spec, scenario, keep


def call_log(c: Ctx) -> m.CallLog | None:
    found = _delivery(c, JOURNAL, "CallJournal", "", "call_log")
    if found is None:
        return None
    enabled, extras, spec, scenario, keep = found
    subject = _option_text(c, scenario, ("EnableSubject", "Subject"), "call_log", keep)
    description = _option_text(c, scenario, ("EnableDescription", "Description"), "call_log", keep)
    recording = m.OptionFlag(
        enabled=_option_flag(c, scenario.parameter("EnablePlayCallRecording")),
        default=_option_flag(c, scenario.parameter("PlayCallRecording")),
    )
    ticket_id = scenario.parameter("TicketId")
    if ticket_id is not None and ticket_id.value:
        c.ledger.unmapped(
            ticket_id.key, "ringdesk's call log does not know the ticket created for the call"
        )
    elif ticket_id is not None:
        c.ledger.empty(ticket_id.key)
    known = {"EnableSubject", "Subject", "EnableDescription", "Description", "NeedSyncContact"}
    unknown_parameters(
        c, scenario, known | {"EnablePlayCallRecording", "PlayCallRecording", "TicketId"}
    )
    options = m.CallLogOptions(subject=subject, description=description, play_recording=recording)
    return m.CallLog(enabled=enabled, extra_requests=extras, request=spec, options=options)


def ticket(c: Ctx) -> m.Ticket | None:
    found = _delivery(c, TICKET, "CreateNewTicket", "TicketId", "ticket")
    if found is None:
        return None
    enabled, extras, spec, scenario, keep = found
    options = m.TicketOptions(
        subject=_option_text(c, scenario, ("EnableSubject", "Subject"), "ticket", keep),
        description=_option_text(c, scenario, ("EnableDescription", "Description"), "ticket", keep),
    )
    known = {"EnableSubject", "Subject", "EnableDescription", "Description", "NeedSyncContact"}
    unknown_parameters(c, scenario, known)
    return m.Ticket(enabled=enabled, extra_requests=extras, request=spec, options=options)


def finish_requests(c: Ctx) -> None:
    """Report the requests no scenario used (e.g. in Common, but named by no `Next`)."""
    common = c.doc.scenario(COMMON)
    if common is not None:
        unknown_parameters(c, common, set())
    for request in c.doc.requests():
        if c.ledger.seen(request.key):
            continue
        if request.target:
            c.cover(request, "is reached only from requests that are not mapped")
        else:
            c.cover(request, "is not reached from any scenario (no Next names it)")


SCENARIO_CONVERTERS: dict[str, Callable[[Ctx], Any]] = {
    "user_association": user_association,
    "contact_search": contact_search,
    "create_contact": create_contact,
    "call_log": call_log,
    "ticket": ticket,
}
