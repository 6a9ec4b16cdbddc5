"""Validation rules of the scenario sections: user association (U), contact search (C),
create contact (N), call log (L) and ticket (T)."""

from __future__ import annotations

from collections.abc import Iterable

from ringdesk.templates import model as m
from ringdesk.templates._context import NAME, Ctx, path_pieces
from ringdesk.templates._rules_requests import (
    check_duplicate_check,
    check_extra_requests,
    check_pagination,
    invalid_attrs,
    uses_variable,
)

__all__ = [
    "CONTACT_FIELD_NAMES",
    "CREATE_CONTACT_REQUIRED",
    "EXTRA_VARIABLE_SOURCES",
    "check_call_log",
    "check_contact_search",
    "check_create_contact",
    "check_ticket",
    "check_user_association",
]

CONTACT_FIELD_NAMES = (*m.CONTACT_FIELDS, "CustomValue")
CREATE_CONTACT_REQUIRED = ("LastName", "FirstName", "BusinessNumber")  # N2
EXTRA_VARIABLE_SOURCES = ("response", "header", "value")


# ---- User association (U) --------------------------------------------------------------
def check_user_association(c: Ctx, t: m.Template) -> None:
    u, S = t.user_association, "UserAssociation"
    if u is None:
        return
    invalid_attrs(c, S, S, S, ("enabled",))
    if not u.enabled:
        return
    c.request(S, "Request", f"{S}.Request", u.request, "users", json_body=False)
    check_pagination(c, S, "Pagination", f"{S}.Pagination", u.pagination)
    mp = u.mapping
    if not mp.id:
        c.error(S, "Mapping@id", f"{S}.Mapping", "the user ID path is required")
    for attr, value in (
        ("id", mp.id),
        ("firstName", mp.first_name),
        ("lastName", mp.last_name),
        ("email", mp.email),
    ):
        if value:
            c.gjson(S, f"Mapping@{attr}", f"{S}.Mapping@{attr}", value)


# ---- Contact search (C) ----------------------------------------------------------------
def check_contact_search(c: Ctx, t: m.Template) -> None:
    S = "ContactSearch"
    names: set[str] = set()
    for i, ct in enumerate(t.contact_search.contact_types):
        loc, field = f"{S}.ContactType[{i}]", f"ContactType[{i}]"
        if not ct.name:
            c.error(S, field, loc, "the contact type needs a name")
        elif ct.name in names:
            c.error(S, field, f"{loc}@name", f"contact type {ct.name!r} is defined twice")
        names.add(ct.name)
        _check_matching(c, ct, loc, field)
        outputs = check_extra_requests(c, S, f"{field}.", loc, ct.extra_requests, "contact_search")
        c.request(
            S,
            f"{field}.Request",
            f"{loc}.Request",
            ct.request,
            "contact_search",
            json_body=False,
            extra=outputs,
        )
        # A search API that takes its filter in a POST body (HubSpot's CRM search) carries
        # the number there instead of in the URL.
        searched = uses_variable(ct.request.url, "Phone") or uses_variable(ct.request.body, "Phone")
        if ct.match == "query" and ct.request.url and not searched:
            c.warning(
                S,
                f"{field}.Request.Url",
                f"{loc}.Request.Url#",
                "the search request does not use {{.Phone}} in its URL or body; to list "
                'contacts and compare their numbers in ringdesk, set match="phone"',
            )
        check_pagination(c, S, f"{field}.Pagination", f"{loc}.Pagination", ct.pagination)
        _check_popup(c, ct.popup, f"{loc}.Popup", f"{field}.Popup", outputs)
        _check_mapping(c, ct.mapping, f"{loc}.Mapping", f"{field}.Mapping")


def _check_matching(c: Ctx, ct: m.ContactType, loc: str, field: str) -> None:
    S = "ContactSearch"
    if ct.match not in m.MATCH_MODES:
        c.error(
            S,
            f"{field}@match",
            f"{loc}@match",
            f"match {ct.match!r} is not one of {', '.join(m.MATCH_MODES)}",
        )
    seen: set[str] = set()
    for start, form in path_pieces(ct.phone_forms):
        if form not in m.PHONE_FORMS:
            c.error(
                S,
                f"{field}@phoneForms",
                f"{loc}@phoneForms",
                f"unknown phone form {form!r}; one of {', '.join(m.PHONE_FORMS)}",
                offset=start,
            )
        elif form in seen:
            c.warning(
                S,
                f"{field}@phoneForms",
                f"{loc}@phoneForms",
                f"phone form {form!r} is listed twice",
                offset=start,
            )
        seen.add(form)
    if ct.match == "phone" and ct.phone_forms:
        c.warning(
            S,
            f"{field}@phoneForms",
            f"{loc}@phoneForms",
            'phoneForms is not used with match="phone": every stored format is compared',
        )


def _check_popup(c: Ctx, popup: m.Popup, loc: str, field: str, outputs: list[str]) -> None:
    S = "ContactSearch"
    if popup.mode not in ("url", "field"):
        c.error(S, f"{field}@mode", f"{loc}@mode", f"popup mode {popup.mode!r} is not url or field")
    elif not popup.value:
        c.warning(S, field, loc, "no screen-pop URL: agents get no link")
    elif popup.mode == "url":
        c.template(S, field, loc, popup.value, "popup", extra=outputs)
        c.url_base(S, field, loc, popup.value)
    else:
        c.gjson(S, field, loc, popup.value, phone=True)


def _check_mapping(c: Ctx, mapping: m.ContactMapping, loc: str, field: str) -> None:
    S = "ContactSearch"
    names = [f.name for f in mapping.fields]
    for j, f in enumerate(mapping.fields):
        floc, ffield = f"{loc}.Field[{j}]", f"{field}.Field[{j}]"
        raw = c.t.invalid_values.get(f"{floc}@required")
        if raw is not None:
            c.error(S, f"{ffield}@required", f"{floc}@required", f"{raw!r} is not true or false")
        if f.name not in CONTACT_FIELD_NAMES:
            c.error(
                S,
                ffield,
                f"{floc}@name",
                f"unknown contact field {f.name!r}; one of {', '.join(CONTACT_FIELD_NAMES)}",
            )
        elif names.index(f.name) != j:
            c.error(S, ffield, f"{floc}@name", f"field {f.name!r} is mapped twice")
        if not f.path:
            c.error(S, ffield, floc, "a GJSON path is required")
        else:
            c.gjson(S, ffield, f"{floc}@path", f.path, phone=True)
    for required in ("ContactId", "FirstName"):
        if required not in names:
            c.error(S, field, loc, f"the mapping needs {required}")
    if not any(n in m.PHONE_FIELDS for n in names):
        c.error(
            S,
            field,
            loc,
            f"the mapping needs at least one phone field ({', '.join(m.PHONE_FIELDS)})",
        )


# ---- Create contact (N) ----------------------------------------------------------------
def check_create_contact(c: Ctx, t: m.Template) -> None:
    cc, S = t.create_contact, "CreateContact"
    if cc is None:
        return
    invalid_attrs(c, S, S, S, ("enabled",))
    if cc.enabled and not cc.contact_types:
        c.error(S, "ContactType", S, "create contact is enabled but has no <ContactType>")
    for i, ct in enumerate(cc.contact_types):
        loc, field = f"{S}.ContactType[{i}]", f"ContactType[{i}]"
        if not ct.name:
            c.error(S, field, loc, "the contact type needs a name")
        outputs = check_extra_requests(c, S, f"{field}.", loc, ct.extra_requests, "create_contact")
        check_duplicate_check(
            c,
            S,
            f"{field}.",
            loc,
            ct.duplicate_check,
            "create_contact",
            create_body=ct.request.body,
            extra=outputs,
        )
        c.request(
            S, f"{field}.Request", f"{loc}.Request", ct.request, "create_contact", extra=outputs
        )
        missing = [n for n in CREATE_CONTACT_REQUIRED if not uses_variable(ct.request.body, n)]
        if missing:
            c.error(
                S,
                f"{field}.Request.Body",
                f"{loc}.Request.Body#",
                f"the body must use {', '.join('{{.' + n + '}}' for n in missing)}",
            )
        _check_extra_variables(c, ct, loc, field, outputs)


def _check_extra_variables(
    c: Ctx, ct: m.CreateContactType, loc: str, field: str, outputs: list[str]
) -> None:
    S = "CreateContact"
    for j, v in enumerate(ct.extra_variables):
        vloc, vfield = f"{loc}.ExtraVariables.Variable[{j}]", f"{field}.ExtraVariables[{j}]"
        if not NAME.match(v.name):
            c.error(S, vfield, f"{vloc}@name", f"variable name {v.name!r} must be a variable name")
        if v.source not in EXTRA_VARIABLE_SOURCES:
            c.error(
                S,
                f"{vfield}@from",
                f"{vloc}@from",
                f"from={v.source!r} is not one of {', '.join(EXTRA_VARIABLE_SOURCES)}",
            )
        elif v.source == "response":
            if not v.path:
                c.error(S, f"{vfield}@path", vloc, "a response variable needs a GJSON path")
            else:
                c.gjson(S, f"{vfield}@path", f"{vloc}@path", v.path)
        elif v.source == "header" and not v.path:
            c.error(S, f"{vfield}@path", vloc, "a header variable needs the header name in path")
        elif v.source == "value":
            c.template(
                S, f"{vfield}@value", f"{vloc}@value", v.value, "create_contact", extra=outputs
            )


# ---- Call log (L) and ticket (T) -------------------------------------------------------
def _check_options(
    c: Ctx,
    section: str,
    loc: str,
    options: Iterable[tuple[str, m.OptionText | m.OptionFlag]],
    scenario: str,
    outputs: list[str],
) -> None:
    for tag, option in options:
        oloc = f"{loc}.{tag}"
        for attr in ("enabled", "default"):
            raw = c.t.invalid_values.get(f"{oloc}@{attr}")
            if raw is not None:
                c.error(
                    section,
                    f"Options.{tag}@{attr}",
                    f"{oloc}@{attr}",
                    f"{raw!r} is not true or false",
                )
        if isinstance(option, m.OptionText):
            c.template(section, f"Options.{tag}", oloc, option.default, scenario, extra=outputs)


def _check_delivery(c: Ctx, S: str, scenario: str, section: m.CallLog | m.Ticket) -> list[str]:
    """The requests of a call log or ticket: extra requests, duplicate check, the create."""
    outputs = check_extra_requests(c, S, "", S, section.extra_requests, scenario)
    check_duplicate_check(
        c,
        S,
        "",
        S,
        section.duplicate_check,
        scenario,
        create_body=section.request.body,
        extra=outputs,
    )
    c.request(S, "Request", f"{S}.Request", section.request, scenario, extra=outputs)
    return outputs


def check_call_log(c: Ctx, t: m.Template) -> None:
    cl, S = t.call_log, "CallLog"
    if cl is None:
        return
    invalid_attrs(c, S, S, S, ("enabled",))
    if not cl.enabled:
        return
    outputs = _check_delivery(c, S, "call_log", cl)
    o = cl.options
    _check_options(
        c,
        S,
        f"{S}.Options",
        (
            ("Subject", o.subject),
            ("Description", o.description),
            ("PlayRecording", o.play_recording),
            ("SkipMissedForUnansweredAgents", o.skip_missed_for_unanswered_agents),
        ),
        "call_log",
        outputs,
    )


def check_ticket(c: Ctx, t: m.Template) -> None:
    tk, S = t.ticket, "Ticket"
    if tk is None:
        return
    invalid_attrs(c, S, S, S, ("enabled",))
    if not tk.enabled:
        return
    outputs = _check_delivery(c, S, "ticket", tk)
    _check_options(
        c,
        S,
        f"{S}.Options",
        (("Subject", tk.options.subject), ("Description", tk.options.description)),
        "ticket",
        outputs,
    )
