"""PBX SyncContactAuto and SearchContact scenarios → ringdesk's `<ContactSearch>` (pure).

Each request that starts a SyncContactAuto chain is a contact type, named after the
chain's request that yields `ContactsId`; its outputs are the contact mapping (with the
scenario's `<Field>Enable` flags), the scenario's popup parameters its `<Popup>`. ringdesk
has one search for calls and lookups: a SearchContact request equal to a contact type is
that search (the PBX's editor writes both), any other one is reported.
"""

from __future__ import annotations

from ringdesk.templates import model as m
from ringdesk.templates._pbx_ctx import Ctx, flag, unknown_parameters
from ringdesk.templates._pbx_requests import chain, extra_requests, link, request_spec, roots, split
from ringdesk.templates.pbx_model import PbxRequest, PbxScenario
from ringdesk.templates.pbx_vocabulary import (
    CONTACT_OUTPUTS,
    FIELD_FOR_URI,
    SEARCH,
    SYNC,
    URL_FORMAT_MODE,
)

__all__ = ["contact_search"]

_REQUIRED = ("ContactId", "FirstName")
_POPUP = ("ContactUrlType", "URLFormat", "ContactFieldForUri")
_ENABLE = {f"{name}Enable": name for name in (*CONTACT_OUTPUTS, "Remark")}


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
        unknown_parameters(c, sync, {*_POPUP, *_ENABLE})
    if search is not None:
        if source is sync:
            _merge_search(c, search, types, flags, popup)
        unknown_parameters(c, search, set())
    return m.ContactSearch(contact_types=tuple(types))
