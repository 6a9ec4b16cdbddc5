"""The validation rules, one small check per template section (G, A, H, F, U, C, N, L, T),
collected in the `SECTION_CHECKS` dispatch table. The setup sections (G, A, H, F) live here,
the scenario sections in `_rules_scenarios`."""

from __future__ import annotations

import re
from collections.abc import Callable

from ringdesk.templates import model as m
from ringdesk.templates._context import NAME, Ctx, path_pieces
from ringdesk.templates._rules_requests import HEADER_NAME
from ringdesk.templates._rules_scenarios import (
    CONTACT_FIELD_NAMES,
    CREATE_CONTACT_REQUIRED,
    check_call_log,
    check_contact_search,
    check_create_contact,
    check_ticket,
    check_user_association,
)
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
PHONE_FIELDS = m.PHONE_FIELDS
# An Authorization scheme: tokens separated by single spaces, optionally ending in `=`
# (`Bearer`, `token`, `Token token=`); never whitespace at the ends or control characters.
_SCHEME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?: [!#$%&'*+.^_`|~0-9A-Za-z-]+)*=?$")


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
        c.error("General", "Name", "General.Name", "the helpdesk name is required")
    if "General.MaxConcurrentRequests" in t.invalid_values:
        raw = t.invalid_values["General.MaxConcurrentRequests"]
        c.error(
            "General",
            "MaxConcurrentRequests",
            "General.MaxConcurrentRequests",
            f"{raw!r} is not an integer",
        )
    elif g.max_concurrent_requests is None:
        c.error("General", "MaxConcurrentRequests", "General", "MaxConcurrentRequests is required")
    elif g.max_concurrent_requests < 1:
        c.error(
            "General",
            "MaxConcurrentRequests",
            "General.MaxConcurrentRequests",
            f"must be at least 1, not {g.max_concurrent_requests}",
        )
    if "General.Logo" in t.invalid_values:
        c.error("General", "Logo", "General.Logo", "logo is not valid Base64")
    elif g.logo is not None:
        verdict = check_logo(g.logo.data, g.logo.content_type or None)
        for message in verdict.errors:
            c.error("General", "Logo", "General.Logo", message + "")
        for message in verdict.warnings:
            c.warning("General", "Logo", "General.Logo", message + "")


# ---- Authentication (A) ----------------------------------------------------------------
def check_authentication(c: Ctx, t: m.Template) -> None:
    a, S = t.authentication, "Authentication"
    if a.method not in m.AUTH_METHODS:
        c.error(S, "method", S, f"method {a.method!r} is not one of {', '.join(m.AUTH_METHODS)}")
    seen: set[str] = set()
    for i, f in enumerate(a.fields):
        loc, field = f"{S}.Fields.Field[{i}]", f"Fields[{i}]"
        if i == MAX_FIELDS:
            c.error(
                S,
                field,
                loc,
                f"at most {MAX_FIELDS} connect fields are allowed; this is field {i + 1}",
            )
        if f.type not in m.CONNECT_FIELD_TYPES:
            c.error(
                S,
                field,
                f"{loc}@type",
                f"field type {f.type!r} is not one of {', '.join(m.CONNECT_FIELD_TYPES)}",
            )
        if not NAME.match(f.name):
            c.error(
                S,
                field,
                f"{loc}@name",
                f"field name {f.name!r} must be a variable name (letters, digits, _)",
            )
        elif f.name in seen:
            c.error(S, field, f"{loc}@name", f"field name {f.name!r} is used twice")
        seen.add(f.name)
        if f.type == "select" and not f.option_list:
            c.error(S, field, loc, "a select field needs options (comma-separated)")
        if not f.title:
            c.warning(S, field, loc, "the field has no title to show on the connect page")
        raw_secret = t.invalid_values.get(f"{loc}@secret")
        if raw_secret is not None:
            c.error(S, f"{field}@secret", f"{loc}@secret", f"{raw_secret!r} is not true or false")
        elif f.type in ("text", "url") and f.secret_flag is None and f.secret:
            c.warning(
                S,
                field,
                f"{loc}@name",
                f"field name {f.name!r} looks secret, so its value is encrypted, shown only as "
                'set/unset and masked in logs; declare type="password" (or secret="false" '
                "if it is not a secret)",
            )
        elif f.type == "password" and f.secret_flag is False:
            c.warning(
                S,
                field,
                f"{loc}@secret",
                'a password field is always secret; secret="false" is ignored',
            )
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
            c.error(S, "Basic.Format", f"{S}.Basic", "basic authentication needs <Basic><Format>")
        else:
            if a.basic.credential_type not in ("username_password", "api_key"):
                c.error(
                    S,
                    "Basic@credentialType",
                    f"{S}.Basic@credentialType",
                    f"credentialType {a.basic.credential_type!r} is not "
                    "username_password or api_key",
                )
            c.template(S, "Basic.Format", f"{S}.Basic.Format", a.basic.format, "auth")
    elif a.method == "oauth2":
        o = a.oauth2
        if o is None:
            c.error(S, "OAuth2", S, "oauth2 authentication needs an <OAuth2> section")
            return
        P = f"{S}.OAuth2"
        _check_scheme(c, "OAuth2@scheme", f"{P}@scheme", o.scheme)
        for field, value in (("AuthorizeUrl", o.authorize_url), ("TokenUrl", o.token_url)):
            if not value:
                c.error(S, f"OAuth2.{field}", P, f"oauth2 needs {field}")
            c.template(S, f"OAuth2.{field}", f"{P}.{field}", value, "auth")
            c.url_base(S, f"OAuth2.{field}", f"{P}.{field}", value)
        if o.token_content_type not in ("application/x-www-form-urlencoded", "application/json"):
            c.error(
                S,
                "OAuth2.TokenContentType",
                f"{P}.TokenContentType",
                "TokenContentType must be application/x-www-form-urlencoded or application/json",
            )
        c.template(S, "OAuth2.ExtraQuery", f"{P}.ExtraQuery", o.extra_query, "auth")
        if o.refresh is not None:
            _check_refresh(c, o.refresh, f"{P}.Refresh")
    elif a.method == "bearer":
        if a.bearer is None or not a.bearer.token:
            c.error(S, "Bearer.Token", f"{S}.Bearer", "bearer authentication needs <Bearer><Token>")
        else:
            _check_scheme(c, "Bearer@scheme", f"{S}.Bearer@scheme", a.bearer.scheme)
            c.template(S, "Bearer.Token", f"{S}.Bearer.Token", a.bearer.token, "auth")


def _check_scheme(c: Ctx, field: str, loc: str, scheme: str) -> None:
    """A6/A7: the Authorization scheme must be usable in a header (no spaces at the ends, no
    control characters); `token`, `Bearer`, `Token token=` are."""
    if not _SCHEME.match(scheme):
        c.error(
            "Authentication",
            field,
            loc,
            f"scheme {scheme!r} is not an HTTP authorization scheme (e.g. Bearer, token, "
            "Token token=)",
        )


def _check_refresh(c: Ctx, r: m.Refresh, loc: str) -> None:
    S, F = "Authentication", "OAuth2.Refresh"
    c.method(S, f"{F}@method", f"{loc}@method", r.method)
    if f"{loc}@intervalMinutes" in c.t.invalid_values:
        raw = c.t.invalid_values[f"{loc}@intervalMinutes"]
        c.error(
            S,
            f"{F}@intervalMinutes",
            f"{loc}@intervalMinutes",
            f"{raw!r} is not a whole number of minutes",
        )
    elif r.interval_minutes is not None and r.interval_minutes < 0:
        c.error(
            S,
            f"{F}@intervalMinutes",
            f"{loc}@intervalMinutes",
            "intervalMinutes must be 0 (never), blank (25) or more",
        )
    if not r.url:
        c.error(S, f"{F}.Url", loc, "a refresh URL is required")
    c.template(S, f"{F}.Url", f"{loc}.Url", r.url, "auth")
    c.url_base(S, f"{F}.Url", f"{loc}.Url", r.url)
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
                f"at most {MAX_HEADERS} custom headers are allowed; this is header {i + 1}",
            )
        if not HEADER_NAME.match(h.name):
            c.error(
                S, field, f"{loc}@name", f"header name {h.name!r} is not a valid HTTP header name"
            )
        elif h.name.lower() in seen:
            c.warning(S, field, loc, f"header {h.name!r} is defined twice; the last one wins")
        seen.add(h.name.lower())
        if h.name.lower() == "authorization":
            c.warning(
                S,
                field,
                loc,
                "an Authorization header overrides the one produced by Basic/OAuth2/Bearer; "
                'for a token sent as "token <T>" use <Bearer scheme="token"> instead',
            )
        _check_scopes(c, h, f"{loc}@appliesTo", f"{field}@appliesTo")
        c.template(S, field, loc, h.value, "users")


def _check_scopes(c: Ctx, h: m.Header, loc: str, field: str) -> None:
    """H2: `appliesTo` names known scopes (scenarios, followups, extra, token)."""
    pieces = path_pieces(h.applies_to)
    if not pieces:
        c.error("Headers", field, loc, f"appliesTo names no scope; use some of {_SCOPES}")
    for start, scope in pieces:
        if scope not in m.HEADER_SCOPES:
            c.error(
                "Headers",
                field,
                loc,
                f"unknown scope {scope!r} in appliesTo; one of {_SCOPES}",
                offset=start,
            )


_SCOPES = ", ".join(m.HEADER_SCOPES)


# ---- Follow-up requests (F) ------------------------------------------------------------
def check_follow_ups(c: Ctx, t: m.Template) -> None:
    S = "FollowUpRequests"
    for i, q in enumerate(t.follow_up_requests):
        loc, field = f"{S}.Request[{i}]", f"Request[{i}]"
        if q.trigger not in m.TRIGGER_EVENTS:
            c.error(
                S,
                f"{field}@trigger",
                f"{loc}@trigger",
                f"unknown trigger {q.trigger!r}; one of {', '.join(m.TRIGGER_EVENTS)}",
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
                f"{len(paths)} response path(s) but {len(names)} target variable(s)",
            )
        for name in names:
            if not NAME.match(name):
                c.error(
                    S,
                    f"{field}.TargetVariables",
                    f"{loc}.TargetVariables",
                    f"target variable {name!r} must be a variable name",
                )
        c.jsonpath(S, f"{field}.ResponsePaths", f"{loc}.ResponsePaths", q.response_paths)


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
