"""PBX request scenarios → ringdesk sections: SyncContactAuto/SearchContact → ContactSearch,
UserAssociation, CreateNewContact → CreateContact, CallJournal → CallLog, CreateNewTicket →
Ticket. `SCENARIO_CONVERTERS` is the dispatch table `pbx_convert` runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ringdesk.templates import model as m
from ringdesk.templates._pbx_ctx import Ctx, flag
from ringdesk.templates._pbx_requests import (
    chain,
    extra_requests,
    link,
    request_spec,
    roots,
    split,
)
from ringdesk.templates._rules import MAX_FIELDS
from ringdesk.templates.pbx_model import PbxParameter, PbxRequest, PbxScenario
from ringdesk.templates.pbx_vocabulary import (
    COMMON,
    CONTACT_OUTPUTS,
    CREATE,
    FATHER_SCENARIO_PARAMETER,
    FIELD_FOR_URI,
    JOURNAL,
    SEARCH,
    SYNC,
    TICKET,
    URL_FORMAT_MODE,
    USER_OUTPUTS,
    USERS,
)

__all__ = ["SCENARIO_CONVERTERS", "finish_requests", "section_enabled"]

_REQUIRED = ("ContactId", "FirstName")
_POPUP = ("ContactUrlType", "URLFormat", "ContactFieldForUri")
_ENABLE = {f"{name}Enable": name for name in (*CONTACT_OUTPUTS, "Remark")}


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


def _unknown_parameters(c: Ctx, scenario: PbxScenario, known: set[str]) -> None:
    for p in scenario.parameters:
        for stray in p.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.father == FATHER_SCENARIO_PARAMETER:
            _scenario_field(c, p)
        elif p.father or p.name not in known:
            c.ledger.unmapped(p.key, f"a {scenario.id} parameter ringdesk does not know")


def _scenario_field(c: Ctx, p: PbxParameter) -> None:
    """A per-scenario setting (`CustomScenarioParameter`) becomes a connect field."""
    if p.name in c.auth_fields:
        c.ledger.unmapped(p.key, f"a connect field {p.name!r} exists already; it is used")
        return
    names = {f.name for f, _ in c.scenario_fields}
    if p.name not in names and len(c.auth_fields) + len(names) >= MAX_FIELDS:
        c.ledger.unmapped(p.key, f"ringdesk allows {MAX_FIELDS} connect fields, all taken")
        return
    if p.name not in names:
        title = p.title.strip() or p.name
        c.scenario_fields.append((m.ConnectField(type="text", name=p.name, title=title), p.key))
    c.ledger.changed(
        p.key,
        f"ringdesk has no per-scenario settings: {{{{.{p.name}}}}} is a connect field, set "
        "when connecting",
    )


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


# ---- contact search ----------------------------------------------------------------------
def _popup(c: Ctx, sync: PbxScenario | None) -> m.Popup:
    if sync is None:
        return m.Popup()
    mode_p, url_p, field_p = (sync.parameter(name) for name in _POPUP)
    mode_v, url_v, field_v = (p.value if p else "" for p in (mode_p, url_p, field_p))
    field_mode = mode_v not in ("", URL_FORMAT_MODE) or (not mode_v and not url_v and field_v)
    if mode_p is not None:
        if mode_v in ("", URL_FORMAT_MODE, FIELD_FOR_URI):
            c.ledger.mapped(mode_p.key)
        else:
            c.ledger.changed(mode_p.key, f"{mode_v!r}: read as taking the URL from a contact field")
    used, unused = (field_p, url_p) if field_mode else (url_p, field_p)
    if unused is not None:
        if unused.value:
            c.ledger.unmapped(unused.key, f"ignored with ContactUrlType {mode_v!r}")
        else:
            c.ledger.empty(unused.key)
    if used is None or not used.value:
        if used is not None:
            c.ledger.empty(used.key)
        return m.Popup(mode="field" if field_mode else "url")
    if field_mode:
        c.ledger.mapped(used.key)
        return m.Popup(mode="field", value=used.value)
    url = c.parameter_text(used, "popup").strip()
    c.urls.append(url)
    return m.Popup(mode="url", value=url)


def _enabled_flags(sync: PbxScenario | None) -> dict[str, bool | None]:
    """PBX output name → its `<Name>Enable` flag (None when not 0 or 1)."""
    if sync is None:
        return {}
    return {
        _ENABLE[p.name]: flag(p.value)
        for p in sync.parameters
        if p.name in _ENABLE and not p.father and not p.duplicate
    }


def _mapping(
    c: Ctx, request: PbxRequest, flags: dict[str, bool | None], keep: list[str]
) -> m.ContactMapping:
    fields: list[m.MappedField] = []
    for output in request.outputs:
        target = CONTACT_OUTPUTS.get(output.name)
        if output.duplicate:
            c.ledger.unmapped(output.key, "appears twice; the first one is used")
        elif not output.path:
            c.ledger.empty(output.key)
        elif output.name == "Remark":
            c.ledger.unmapped(output.key, "ringdesk contacts have no remark field")
        elif target is None:
            c.ledger.unmapped(output.key, f"{output.name!r} is not a PBX contact field")
        elif flags.get(output.name) is False:
            c.ledger.unmapped(output.key, f"turned off by {output.name}Enable")
        else:
            path = c.text(output.path, output.key, output.loc, "Path", "contact_search", keep=keep)
            fields.append(m.MappedField(name=target, path=path, required=target in _REQUIRED))
    return m.ContactMapping(fields=tuple(fields))


def _contact_type(
    c: Ctx,
    root: PbxRequest,
    flags: dict[str, bool | None],
    popup: m.Popup,
    *,
    search: bool = False,
) -> m.ContactType:
    """One contact type from the chain at `root`. With `search` (a SearchContact request),
    the chain's first request is named `SearchContact_<name>`: the prefix is dropped."""
    requests = chain(c, root)
    before, primary, after = split(requests, "ContactsId")
    extras, keep = extra_requests(c, before, "contact_search")
    name = primary.name
    if search and primary is root:
        name = name.removeprefix(f"{SEARCH}_")
    elif search and extras:
        first = extras[0].model_copy(update={"name": extras[0].name.removeprefix(f"{SEARCH}_")})
        extras = (first, *extras[1:])
    if not name:
        name = "Contacts"
        c.ledger.changed(primary.key, "a contact type needs a name: Contacts")
    c.ledger.mapped(primary.key)
    spec = request_spec(c, primary, "contact_search", "GET", keep)
    mapping = _mapping(c, primary, flags, keep)
    link(c, requests[: len(before) + 1], after)
    return m.ContactType(
        name=name, extra_requests=extras, request=spec, popup=popup, mapping=mapping
    )


def _merge_search(
    c: Ctx,
    search: PbxScenario,
    types: list[m.ContactType],
    flags: dict[str, bool | None],
    popup: m.Popup,
) -> None:
    """SearchContact requests equal to a SyncContactAuto contact type are the same search;
    ringdesk has one search for calls and lookups, so any other one is reported."""
    for root in roots(search):
        with c.dry():
            candidate = _contact_type(c, root, flags, popup, search=True)
        if any(candidate.model_copy(update={"name": t.name}) == t for t in types):
            _contact_type(c, root, flags, popup, search=True)
            continue
        for request in chain(c, root):
            if not c.ledger.seen(request.key):
                c.cover(
                    request,
                    f"differs from every {SYNC} contact type, and ringdesk uses one search "
                    f"(the {SYNC} one) for calls and lookups",
                )


def contact_search(c: Ctx) -> m.ContactSearch:
    sync, search = c.doc.scenario(SYNC), c.doc.scenario(SEARCH)
    source = sync if roots(sync) else search
    popup = _popup(c, sync)
    flags = _enabled_flags(sync)
    types = [
        _contact_type(c, root, flags, popup, search=source is search) for root in roots(source)
    ]
    for root in roots(search) if source is search else []:
        if not root.name.startswith(f"{SEARCH}_"):
            c.ledger.changed(root.key, f"exported as {SEARCH}_{root.name} (and in {SYNC})")
    mapped = {f.name for t in types for f in t.mapping.fields}
    if sync is not None:
        for p in sync.parameters:
            if p.name in _ENABLE and not p.father and not p.duplicate:
                field = CONTACT_OUTPUTS.get(_ENABLE[p.name])
                if flag(p.value) is None and p.value:
                    c.ledger.unmapped(p.key, f"{p.value!r} is not 0 or 1")
                elif flag(p.value) and field in mapped:
                    c.ledger.mapped(p.key)
                else:
                    c.ledger.empty(p.key)
        _unknown_parameters(c, sync, {*_POPUP, *_ENABLE})
    if search is not None:
        if source is sync:
            _merge_search(c, search, types, flags, popup)
        _unknown_parameters(c, search, set())
    return m.ContactSearch(contact_types=tuple(types))


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
    _unknown_parameters(c, scenario, set())
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
    _unknown_parameters(c, scenario, set())
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
    _unknown_parameters(
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
    _unknown_parameters(c, scenario, known)
    return m.Ticket(enabled=enabled, extra_requests=extras, request=spec, options=options)


def finish_requests(c: Ctx) -> None:
    """Report the requests no scenario used (e.g. in Common, but named by no `Next`)."""
    common = c.doc.scenario(COMMON)
    if common is not None:
        _unknown_parameters(c, common, set())
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
