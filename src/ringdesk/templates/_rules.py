"""The validation rules, one small check per template section (G, A, H, F, U, C, N, L, T),
collected in the `SECTION_CHECKS` dispatch table."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ringdesk.templates import _checks
from ringdesk.templates import model as m
from ringdesk.templates._context import NAME, Ctx
from ringdesk.templates.logo import check_logo

__all__ = [
    "CONTACT_FIELD_NAMES",
    "CREATE_CONTACT_REQUIRED",
    "MAX_CUSTOM_TEMPLATES",
    "MAX_FIELDS",
    "MAX_HEADERS",
    "PHONE_FIELDS",
    "SECTION_CHECKS",
]

MAX_CUSTOM_TEMPLATES = 10  # G5
MAX_FIELDS = 5  # A2
MAX_HEADERS = 20  # H1
CONTACT_FIELD_NAMES = (*m.CONTACT_FIELDS, "CustomValue")
PHONE_FIELDS = m.PHONE_FIELDS
CREATE_CONTACT_REQUIRED = ("LastName", "FirstName", "BusinessNumber")  # N2
EXTRA_VARIABLE_SOURCES = ("response", "header", "value")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


Check = Callable[[Ctx, m.Template], None]


# ---- General (G) -----------------------------------------------------------------------
def check_general(c: Ctx, t: m.Template) -> None:
    g = t.general
    if t.format_version != "1":
        c.error(
            "HelpdeskTemplate",
            "formatVersion",
            "HelpdeskTemplate",
            f'unsupported formatVersion {t.format_version!r}; expected "1"',
        )
    if not g.name.strip():
        c.error("General", "Name", "General.Name", "the helpdesk name is required (G2)")
    if "General.MaxConcurrentRequests" in t.invalid_values:
        raw = t.invalid_values["General.MaxConcurrentRequests"]
        c.error(
            "General",
            "MaxConcurrentRequests",
            "General.MaxConcurrentRequests",
            f"{raw!r} is not an integer (G3)",
        )
    elif g.max_concurrent_requests is None:
        c.error(
            "General", "MaxConcurrentRequests", "General", "MaxConcurrentRequests is required (G3)"
        )
    elif g.max_concurrent_requests < 1:
        c.error(
            "General",
            "MaxConcurrentRequests",
            "General.MaxConcurrentRequests",
            f"must be at least 1, not {g.max_concurrent_requests} (G3)",
        )
    if "General.Logo" in t.invalid_values:
        c.error("General", "Logo", "General.Logo", "logo is not valid Base64 (G1)")
    elif g.logo is not None:
        verdict = check_logo(g.logo.data, g.logo.content_type or None)
        for message in verdict.errors:
            c.error("General", "Logo", "General.Logo", message + " (G1)")
        for message in verdict.warnings:
            c.warning("General", "Logo", "General.Logo", message + " (G1)")


# ---- Authentication (A) ----------------------------------------------------------------
def check_authentication(c: Ctx, t: m.Template) -> None:
    a, S = t.authentication, "Authentication"
    if a.method not in m.AUTH_METHODS:
        c.error(
            S, "method", S, f"method {a.method!r} is not one of {', '.join(m.AUTH_METHODS)} (A1)"
        )
    seen: set[str] = set()
    for i, f in enumerate(a.fields):
        loc, field = f"{S}.Fields.Field[{i}]", f"Fields[{i}]"
        if i == MAX_FIELDS:
            c.error(
                S,
                field,
                loc,
                f"at most {MAX_FIELDS} connect fields are allowed (A2); this is field {i + 1}",
            )
        if f.type not in ("text", "password", "select"):
            c.error(S, field, loc, f"field type {f.type!r} is not text, password or select (A2)")
        if not NAME.match(f.name):
            c.error(
                S, field, loc, f"field name {f.name!r} must be a variable name (letters, digits, _)"
            )
        elif f.name in seen:
            c.error(S, field, loc, f"field name {f.name!r} is used twice")
        seen.add(f.name)
        if f.type == "select" and not f.option_list:
            c.error(S, field, loc, "a select field needs options (comma-separated) (A2)")
        if not f.title:
            c.warning(S, field, loc, "the field has no title to show on the connect page")
    _check_auth_sections(c, a)


def _check_auth_sections(c: Ctx, a: m.Authentication) -> None:
    S = "Authentication"
    wanted = {"basic": "Basic", "oauth2": "OAuth2", "bearer": "Bearer"}
    present = {"Basic": a.basic, "OAuth2": a.oauth2, "Bearer": a.bearer}
    for tag, section in present.items():
        if section is not None and wanted.get(a.method) != tag:
            c.warning(S, tag, f"{S}.{tag}", f"<{tag}> is ignored with method {a.method!r}")
    if a.method == "basic":
        if a.basic is None or not a.basic.format:
            c.error(
                S, "Basic.Format", f"{S}.Basic", "basic authentication needs <Basic><Format> (A4)"
            )
        else:
            if a.basic.credential_type not in ("username_password", "api_key"):
                c.error(
                    S,
                    "Basic@credentialType",
                    f"{S}.Basic",
                    f"credentialType {a.basic.credential_type!r} is not "
                    "username_password or api_key (A4)",
                )
            c.template(S, "Basic.Format", f"{S}.Basic.Format", a.basic.format, "auth")
    elif a.method == "oauth2":
        o = a.oauth2
        if o is None:
            c.error(S, "OAuth2", S, "oauth2 authentication needs an <OAuth2> section (A5)")
            return
        P = f"{S}.OAuth2"
        for field, value in (("AuthorizeUrl", o.authorize_url), ("TokenUrl", o.token_url)):
            if not value:
                c.error(S, f"OAuth2.{field}", P, f"oauth2 needs {field} (A5)")
            c.template(S, f"OAuth2.{field}", f"{P}.{field}", value, "auth")
        if o.token_content_type not in ("application/x-www-form-urlencoded", "application/json"):
            c.error(
                S,
                "OAuth2.TokenContentType",
                f"{P}.TokenContentType",
                "TokenContentType must be application/x-www-form-urlencoded "
                "or application/json (A5)",
            )
        c.template(S, "OAuth2.ExtraQuery", f"{P}.ExtraQuery", o.extra_query, "auth")
        if o.refresh is not None:
            _check_refresh(c, o.refresh, f"{P}.Refresh")
    elif a.method == "bearer":
        if a.bearer is None or not a.bearer.token:
            c.error(
                S, "Bearer.Token", f"{S}.Bearer", "bearer authentication needs <Bearer><Token> (A7)"
            )
        else:
            c.template(S, "Bearer.Token", f"{S}.Bearer.Token", a.bearer.token, "auth")


def _check_refresh(c: Ctx, r: m.Refresh, loc: str) -> None:
    S, F = "Authentication", "OAuth2.Refresh"
    c.method(S, f"{F}@method", loc, r.method)
    if f"{loc}@intervalMinutes" in c.t.invalid_values:
        raw = c.t.invalid_values[f"{loc}@intervalMinutes"]
        c.error(S, f"{F}@intervalMinutes", loc, f"{raw!r} is not a whole number of minutes (A6)")
    elif r.interval_minutes is not None and r.interval_minutes < 0:
        c.error(
            S,
            f"{F}@intervalMinutes",
            loc,
            "intervalMinutes must be 0 (never), blank (25) or more (A6)",
        )
    if not r.url:
        c.error(S, f"{F}.Url", loc, "a refresh URL is required (A6)")
    c.template(S, f"{F}.Url", f"{loc}.Url", r.url, "auth")
    c.template(S, f"{F}.Body", f"{loc}.Body", r.body, "auth")


# ---- Headers (H) -----------------------------------------------------------------------
def check_headers(c: Ctx, t: m.Template) -> None:
    S = "Headers"
    seen: set[str] = set()
    for i, h in enumerate(t.headers):
        loc, field = f"{S}.Header[{i}]", f"Header[{i}]"
        if i == MAX_HEADERS:
            c.error(
                S,
                field,
                loc,
                f"at most {MAX_HEADERS} custom headers are allowed (H1); this is header {i + 1}",
            )
        if not _HEADER_NAME.match(h.name):
            c.error(S, field, loc, f"header name {h.name!r} is not a valid HTTP header name")
        elif h.name.lower() in seen:
            c.warning(S, field, loc, f"header {h.name!r} is defined twice; the last one wins")
        seen.add(h.name.lower())
        if h.name.lower() == "authorization":
            c.warning(
                S,
                field,
                loc,
                "an Authorization header overrides the one produced by Basic/OAuth2/Bearer (H3)",
            )
        c.template(S, field, loc, h.value, "users")


# ---- Follow-up requests (F) ------------------------------------------------------------
def check_follow_ups(c: Ctx, t: m.Template) -> None:
    S = "FollowUpRequests"
    for i, q in enumerate(t.follow_up_requests):
        loc, field = f"{S}.Request[{i}]", f"Request[{i}]"
        if q.trigger not in m.TRIGGER_EVENTS:
            c.error(
                S,
                f"{field}@trigger",
                loc,
                f"unknown trigger {q.trigger!r}; one of {', '.join(m.TRIGGER_EVENTS)} (F2)",
            )
        c.request(
            S, field, loc, m.RequestSpec(method=q.method, url=q.url, body=q.body), "follow_up"
        )
        c.template(S, f"{field}.Headers", f"{loc}.Headers", q.headers, "follow_up")
        c.json_body(
            S, f"{field}.Headers", f"{loc}.Headers", q.headers, "follow_up", object_required=True
        )
        paths, names = q.path_list, q.variable_list
        if len(paths) != len(names):
            c.error(
                S,
                f"{field}.TargetVariables",
                f"{loc}.TargetVariables",
                f"{len(paths)} response path(s) but {len(names)} target variable(s) (F3)",
            )
        for name in names:
            if not NAME.match(name):
                c.error(
                    S,
                    f"{field}.TargetVariables",
                    f"{loc}.TargetVariables",
                    f"target variable {name!r} must be a variable name",
                )
        for path in paths:
            problem = _checks.jsonpath_error(path)
            if problem is not None:
                c.error(
                    S,
                    f"{field}.ResponsePaths",
                    f"{loc}.ResponsePaths",
                    f"JSONPath {path!r}: {problem.message}",
                    column=problem.column,
                )


# ---- User association (U) --------------------------------------------------------------
_PAGING_REQUIRED = {
    "page": (("pageParam", "page_param"), ("pageSizeParam", "page_size_param")),
    "offset": (("offsetParam", "offset_param"), ("limitParam", "limit_param")),
    "link": (("nextLinkPath", "next_link_path"),),
    "none": (),
}


def check_user_association(c: Ctx, t: m.Template) -> None:
    u, S = t.user_association, "UserAssociation"
    if u is None:
        return
    _invalid_attrs(c, S, S, S, ("enabled",))
    if not u.enabled:
        return
    c.request(S, "Request", f"{S}.Request", u.request, "users", json_body=False)
    p, loc = u.pagination, f"{S}.Pagination"
    _invalid_attrs(c, S, "Pagination", loc, ("pageStart", "pageSize", "offsetStart", "limit"))
    if p.type not in m.PAGINATION_TYPES:
        c.error(
            S,
            "Pagination@type",
            loc,
            f"pagination type {p.type!r} is not one of {', '.join(m.PAGINATION_TYPES)} (U2)",
        )
    for attr, field in _PAGING_REQUIRED.get(p.type, ()):
        if not getattr(p, field):
            c.error(S, f"Pagination@{attr}", loc, f"{p.type} pagination needs {attr} (U2)")
    if p.type == "page" and p.page_size < 1:
        c.error(
            S, "Pagination@pageSize", loc, f"pageSize must be at least 1, not {p.page_size} (U2)"
        )
    if p.type == "offset" and p.limit < 1:
        c.error(S, "Pagination@limit", loc, f"limit must be at least 1, not {p.limit} (U2)")
    if p.type == "link" and p.next_link_path:
        c.gjson(S, "Pagination@nextLinkPath", loc, p.next_link_path)
    mp = u.mapping
    if not mp.id:
        c.error(S, "Mapping@id", f"{S}.Mapping", "the user ID path is required (U4)")
    for attr, value in (
        ("id", mp.id),
        ("firstName", mp.first_name),
        ("lastName", mp.last_name),
        ("email", mp.email),
    ):
        if value:
            c.gjson(S, f"Mapping@{attr}", f"{S}.Mapping", value)


def _invalid_attrs(c: Ctx, section: str, field: str, loc: str, attrs: tuple[str, ...] = ()) -> None:
    for attr in attrs:
        raw = c.t.invalid_values.get(f"{loc}@{attr}")
        if raw is not None:
            c.error(section, f"{field}@{attr}", loc, f"{raw!r} is not a valid value for {attr}")


# ---- Contact search (C) ----------------------------------------------------------------
def check_contact_search(c: Ctx, t: m.Template) -> None:
    S = "ContactSearch"
    names: set[str] = set()
    for i, ct in enumerate(t.contact_search.contact_types):
        loc, field = f"{S}.ContactType[{i}]", f"ContactType[{i}]"
        if not ct.name:
            c.error(S, field, loc, "the contact type needs a name (C1)")
        elif ct.name in names:
            c.error(S, field, loc, f"contact type {ct.name!r} is defined twice")
        names.add(ct.name)
        c.request(
            S, f"{field}.Request", f"{loc}.Request", ct.request, "contact_search", json_body=False
        )
        used = _checks.referenced_variables(ct.request.url)
        if used is not None and "Phone" not in used:
            c.warning(
                S,
                f"{field}.Request.Url",
                f"{loc}.Request.Url",
                "the search URL does not use {{.Phone}} (C2)",
            )
        _check_popup(c, ct.popup, f"{loc}.Popup", f"{field}.Popup")
        _check_mapping(c, ct.mapping, f"{loc}.Mapping", f"{field}.Mapping")


def _check_popup(c: Ctx, popup: m.Popup, loc: str, field: str) -> None:
    S = "ContactSearch"
    if popup.mode not in ("url", "field"):
        c.error(S, f"{field}@mode", loc, f"popup mode {popup.mode!r} is not url or field (C3)")
    elif not popup.value:
        c.warning(S, field, loc, "no screen-pop URL: agents get no link (C3)")
    elif popup.mode == "url":
        c.template(S, field, loc, popup.value, "popup")
    else:
        c.gjson(S, field, loc, popup.value, phone=True)


def _check_mapping(c: Ctx, mapping: m.ContactMapping, loc: str, field: str) -> None:
    S = "ContactSearch"
    names = [f.name for f in mapping.fields]
    for j, f in enumerate(mapping.fields):
        floc, ffield = f"{loc}.Field[{j}]", f"{field}.Field[{j}]"
        raw = c.t.invalid_values.get(f"{floc}@required")
        if raw is not None:
            c.error(S, f"{ffield}@required", floc, f"{raw!r} is not true or false")
        if f.name not in CONTACT_FIELD_NAMES:
            c.error(
                S,
                ffield,
                floc,
                f"unknown contact field {f.name!r}; one of {', '.join(CONTACT_FIELD_NAMES)} (C4)",
            )
        elif names.index(f.name) != j:
            c.error(S, ffield, floc, f"field {f.name!r} is mapped twice")
        if not f.path:
            c.error(S, ffield, floc, "a GJSON path is required (C4)")
        else:
            c.gjson(S, ffield, floc, f.path, phone=True)
    for required in ("ContactId", "FirstName"):
        if required not in names:
            c.error(S, field, loc, f"the mapping needs {required} (C5)")
    if not any(n in PHONE_FIELDS for n in names):
        c.error(
            S,
            field,
            loc,
            f"the mapping needs at least one phone field ({', '.join(PHONE_FIELDS)}) (C5)",
        )


# ---- Create contact (N) ----------------------------------------------------------------
def check_create_contact(c: Ctx, t: m.Template) -> None:
    cc, S = t.create_contact, "CreateContact"
    if cc is None:
        return
    _invalid_attrs(c, S, S, S, ("enabled",))
    if cc.enabled and not cc.contact_types:
        c.error(S, "ContactType", S, "create contact is enabled but has no <ContactType> (N1)")
    for i, ct in enumerate(cc.contact_types):
        loc, field = f"{S}.ContactType[{i}]", f"ContactType[{i}]"
        if not ct.name:
            c.error(S, field, loc, "the contact type needs a name (N1)")
        c.request(S, f"{field}.Request", f"{loc}.Request", ct.request, "create_contact")
        used = _checks.referenced_variables(ct.request.body)
        if used is None:  # no engine: a plain textual look is still a useful check
            used = set(re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)", ct.request.body))
        missing = [n for n in CREATE_CONTACT_REQUIRED if n not in used]
        if missing:
            c.error(
                S,
                f"{field}.Request.Body",
                f"{loc}.Request.Body",
                f"the body must use {', '.join('{{.' + n + '}}' for n in missing)} (N2)",
                line=c.text_line(f"{loc}.Request.Body"),
            )
        for j, v in enumerate(ct.extra_variables):
            vloc, vfield = f"{loc}.ExtraVariables.Variable[{j}]", f"{field}.ExtraVariables[{j}]"
            if not NAME.match(v.name):
                c.error(S, vfield, vloc, f"variable name {v.name!r} must be a variable name")
            if v.source not in EXTRA_VARIABLE_SOURCES:
                c.error(
                    S,
                    f"{vfield}@from",
                    vloc,
                    f"from={v.source!r} is not one of {', '.join(EXTRA_VARIABLE_SOURCES)}",
                )
            elif v.source == "response":
                if not v.path:
                    c.error(S, f"{vfield}@path", vloc, "a response variable needs a GJSON path")
                else:
                    c.gjson(S, f"{vfield}@path", vloc, v.path)
            elif v.source == "header" and not v.path:
                c.error(
                    S, f"{vfield}@path", vloc, "a header variable needs the header name in path"
                )
            elif v.source == "value":
                c.template(S, f"{vfield}@value", vloc, v.value, "create_contact")


# ---- Call log (L) and ticket (T) -------------------------------------------------------
def _check_options(
    c: Ctx,
    section: str,
    loc: str,
    options: Iterable[tuple[str, m.OptionText | m.OptionFlag]],
    scenario: str,
) -> None:
    for tag, option in options:
        oloc = f"{loc}.{tag}"
        for attr in ("enabled", "default"):
            raw = c.t.invalid_values.get(f"{oloc}@{attr}")
            if raw is not None:
                c.error(section, f"Options.{tag}@{attr}", oloc, f"{raw!r} is not true or false")
        if isinstance(option, m.OptionText):
            c.template(section, f"Options.{tag}", oloc, option.default, scenario)


def check_call_log(c: Ctx, t: m.Template) -> None:
    cl, S = t.call_log, "CallLog"
    if cl is None:
        return
    _invalid_attrs(c, S, S, S, ("enabled",))
    if not cl.enabled:
        return
    c.request(S, "Request", f"{S}.Request", cl.request, "call_log")
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
    )


def check_ticket(c: Ctx, t: m.Template) -> None:
    tk, S = t.ticket, "Ticket"
    if tk is None:
        return
    _invalid_attrs(c, S, S, S, ("enabled",))
    if not tk.enabled:
        return
    c.request(S, "Request", f"{S}.Request", tk.request, "ticket")
    _check_options(
        c,
        S,
        f"{S}.Options",
        (("Subject", tk.options.subject), ("Description", tk.options.description)),
        "ticket",
    )


# Section → its checks; run in document order.
SECTION_CHECKS: dict[str, Check] = {
    "General": check_general,
    "Authentication": check_authentication,
    "Headers": check_headers,
    "FollowUpRequests": check_follow_ups,
    "UserAssociation": check_user_association,
    "ContactSearch": check_contact_search,
    "CreateContact": check_create_contact,
    "CallLog": check_call_log,
    "Ticket": check_ticket,
}
