"""ringdesk `<Authentication>` and `<Headers>` → the PBX's AuthMethod parameters (pure), the
reverse of `_pbx_auth`: the method, Basic, OAuth2 and its refresh option, a fixed Bearer
token, the connect fields and the global headers. What the PBX format cannot say is handed
to `lost(path, why)`."""

from __future__ import annotations

from collections.abc import Callable

from ringdesk.templates import model as m
from ringdesk.templates._pbx_layout import Param, param
from ringdesk.templates.pbx_vocabulary import (
    FATHER_AUTH_OPTION,
    FATHER_FIELDS,
    FATHER_HEADERS,
    NO_REFRESH,
)

__all__ = ["auth_parameters"]

Lost = Callable[[str, str], None]
Text = Callable[[str, str], str]

_EDITOR = {"text": "string", "password": "password", "select": "select", "url": "string"}
_FORM = "application/x-www-form-urlencoded"
_HEADER_SCOPES = {"scenarios", "extra"}
P = "Authentication"


def auth_parameters(t: m.Template, lost: Lost, text: Text, bases: set[str]) -> list[Param]:
    """The AuthMethod scenario's parameters, in the order of the PBX's own files. `text`
    converts a value (`{{…}}`) and `bases` names the fields that start a URL."""
    a = t.authentication
    oauth = a.oauth2 if a.method == "oauth2" else None
    basic = a.basic if a.method == "basic" else None
    bearer = a.bearer if a.method == "bearer" else None
    if a.method == "oauth2" and oauth is None:
        lost(P, "oauth2 without an <OAuth2> section")
    scheme = oauth.scheme if oauth else bearer.scheme if bearer else ""
    out = [param("AuthMethod", a.method), param("TokenType", scheme)]
    for name, value, path in (
        ("AuthEndPoint", oauth.authorize_url if oauth else "", "OAuth2.AuthorizeUrl"),
        ("TokenEndPoint", oauth.token_url if oauth else "", "OAuth2.TokenUrl"),
        ("AdditionalQueryString", oauth.extra_query if oauth else "", "OAuth2.ExtraQuery"),
    ):
        out.append(param(name, text(value, f"{P}.{path}")))
    out.append(param("Scope", ",".join(oauth.scope_list) if oauth else ""))
    if oauth is not None:
        out.append(_refresh(oauth, lost))
    out.append(param("CredentialType", basic.credential_type if basic else ""))
    credential = text(basic.format, f"{P}.Basic.Format") if basic else ""
    out.append(param("Base64EncodedCredential", credential))
    if bearer is not None:
        out.append(param("AccessToken", text(bearer.token, f"{P}.Bearer.Token")))
    for i, f in enumerate(a.fields):
        if f.type == "url" and f.name not in bases:
            lost(f"{P}.Fields.Field[{i}]", "a url field not starting any URL is a text field")
        value = f.options if f.type == "select" else ""
        editor = _EDITOR.get(f.type, "string")
        out.append(param(f.name, value, FATHER_FIELDS, Editor=editor, Title=f.title, Key=f.name))
    for i, h in enumerate(t.headers):
        path = f"Headers.Header[{i}]"
        if not _same_scopes(t, set(h.scopes)):
            lost(f"{path}@appliesTo", "PBX headers go on every scenario and chained request")
        if h.description:
            lost(f"{path}@description", "PBX headers have no description in the XML")
        out.append(param(h.name, text(h.value, path), FATHER_HEADERS, Type="Header"))
    return out


def _same_scopes(t: m.Template, scopes: set[str]) -> bool:
    """Whether a header with `scopes` goes where a PBX header goes: the scenario requests
    and, when the template has any, the extra requests and duplicate checks."""
    creates = t.create_contact.contact_types if t.create_contact else ()
    sections: list[m.ContactType | m.CreateContactType | m.CallLog | m.Ticket | None] = [
        t.call_log,
        t.ticket,
        *t.contact_search.contact_types,
        *creates,
    ]
    extras = any(s is not None and s.extra_requests for s in sections) or any(
        getattr(s, "duplicate_check", None) is not None for s in sections
    )
    return scopes == _HEADER_SCOPES or (not extras and scopes == {"scenarios"})


def _refresh(oauth: m.OAuth2, lost: Lost) -> Param:
    """`NoNeedRefreshAccessToken`: 1 for ringdesk's "never on a schedule", else 0."""
    path = f"{P}.OAuth2"
    if oauth.token_content_type != _FORM:
        lost(f"{path}.TokenContentType", "the PBX's name for it is not published")
    r = oauth.refresh
    never = r is not None and r.interval_minutes == 0
    if r is not None and not never:
        lost(
            f"{path}.Refresh",
            "the PBX's refresh settings are not published: it renews at the token endpoint",
        )
    elif r is not None and (r.url != oauth.token_url or r.method != "POST"):
        lost(
            f"{path}.Refresh",
            "the PBX's refresh settings are not published: only 'never on a schedule' is written",
        )
    return param(NO_REFRESH, "1" if never else "0", FATHER_AUTH_OPTION)
