"""PBX template → ringdesk template (pure): `convert_pbx(doc)` builds the model and the
report of what could not be mapped or changed on the way.

This module converts the root (General), the AuthMethod scenario (Authentication, its
connect fields and the global headers); `_pbx_scenarios` converts the request scenarios.
The mapping, element by element, is the table of docs/template-reference/pbx-import.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ringdesk.templates import model as m
from ringdesk.templates._pbx_ctx import Ctx, flag
from ringdesk.templates._pbx_scenarios import SCENARIO_CONVERTERS, finish_requests
from ringdesk.templates.pbx_model import PbxDocument, PbxParameter
from ringdesk.templates.pbx_report import Finding, Status
from ringdesk.templates.pbx_vocabulary import (
    AUTH,
    AUTH_PARAMETERS,
    EDITORS,
    FATHER_AUTH_OPTION,
    FATHER_FIELDS,
    FATHER_HEADERS,
    FATHER_SCENARIO_PARAMETER,
    FATHER_TOKEN_ERRORS,
    NO_REFRESH,
    SCENARIO_IDS,
    SCENARIO_TYPES,
)

__all__ = ["DEFAULT_CONCURRENCY", "HEADER_SCOPES", "Conversion", "convert_pbx", "refresh_body"]

DEFAULT_CONCURRENCY = 10
# PBX headers go on every scenario request, and PBX chained requests are scenario requests:
# in ringdesk those are the scenario requests and the extra requests.
HEADER_SCOPES = "scenarios,extra"
_URL_BASE = re.compile(r"\s*\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")


@dataclass(frozen=True)
class Conversion:
    """The converted template, the report (`findings`, by position) and the status of every
    element of the PBX document (key → mapped / changed / unmapped / empty)."""

    template: m.Template
    findings: tuple[Finding, ...]
    statuses: Mapping[str, Status]


def convert_pbx(doc: PbxDocument) -> Conversion:
    """Convert a read PBX template; never raises. Whatever has no ringdesk equivalent is in
    the findings with its line and column; the template may still fail validation (for
    example when the PBX file lacks a required part), which the caller checks."""
    c = Ctx(doc)
    _known_fields(c)
    general = _general(c)
    authentication = _authentication(c)
    headers = _headers(c)
    sections = {field: convert(c) for field, convert in SCENARIO_CONVERTERS.items()}
    _scenarios(c)
    finish_requests(c)
    for stray in doc.strays:
        c.ledger.unmapped(stray.key, f"unknown {stray.what}")
    authentication = _with_fields(c, authentication)
    template = m.Template(
        general=general, authentication=authentication, headers=headers, **sections
    )
    statuses, findings = c.ledger.close()
    return Conversion(template, tuple(findings), statuses)


# ---- General ---------------------------------------------------------------------------
def _general(c: Ctx) -> m.General:
    attrs, ledger = c.doc.attrs, c.ledger
    provider = attrs.get("Provider", "")
    if provider == "helpdesk":
        ledger.mapped("Information@Provider")
    elif provider.lower() == "crm":
        ledger.changed("Information@Provider", "a CRM template becomes a helpdesk template")
    elif provider:
        ledger.unmapped("Information@Provider", f"unknown provider {provider!r}")
    why = {
        "Key": "ringdesk makes a template's id from its name",
        "Logo": "a file name: the image is not in the XML (upload the logo on the template page)",
        "Version": "ringdesk templates carry no version of their own",
    }
    for attr, message in why.items():
        if attr in attrs:
            ledger.unmapped(f"Information@{attr}", message)
    ledger.mapped("Information@Name", "Information@Remark")
    return m.General(
        name=attrs.get("Name", "").strip(),
        max_concurrent_requests=_concurrency(c),
        notes=attrs.get("Remark", "").strip(),
    )


def _concurrency(c: Ctx) -> int:
    raw = c.doc.attrs.get("MaxConcurrentRequest")
    key = "Information@MaxConcurrentRequest"
    if raw is None:
        c.ledger.changed(
            "Information",
            f"MaxConcurrentRequest is missing; ringdesk needs it: {DEFAULT_CONCURRENCY}",
            at=(c.doc.loc.line, c.doc.loc.column),
        )
        return DEFAULT_CONCURRENCY
    try:
        value = int(raw.strip())
    except ValueError:
        c.ledger.unmapped(key, f"{raw!r} is not a number; {DEFAULT_CONCURRENCY} is used")
        return DEFAULT_CONCURRENCY
    c.ledger.mapped(key)
    return value


# ---- Authentication ----------------------------------------------------------------------
def _method(c: Ctx) -> str:
    """AuthMethod (the parameter) or AuthType (the root attribute): none/basic/oauth2/bearer."""
    scenario = c.doc.scenario(AUTH)
    parameter = scenario.parameter("AuthMethod") if scenario else None
    attr = c.doc.attrs.get("AuthType", "")
    raw = parameter.value if parameter is not None and parameter.value else attr
    method = raw.strip().lower() or "none"
    keys = [parameter.key] if parameter is not None else []
    if "AuthType" in c.doc.attrs:
        keys.append("Information@AuthType")
    if method not in m.AUTH_METHODS:
        for key in keys:
            c.ledger.unmapped(key, f"unknown authentication {raw!r}; none is used")
        return "none"
    for key, value in (("Information@AuthType", attr), (parameter.key if parameter else "", raw)):
        if value and value.strip().lower() != method:
            c.ledger.changed(key, f"{value!r} differs from AuthMethod {raw!r}, which is used")
        elif value and value != method:
            c.ledger.changed(key, f"{value!r} is written {method!r}")
    c.ledger.mapped(*keys)
    return method


def _authentication(c: Ctx) -> m.Authentication:
    method = _method(c)
    scenario = c.doc.scenario(AUTH)
    plain: dict[str, PbxParameter] = {}
    for p in scenario.parameters if scenario else ():
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.father == "" and p.name in AUTH_PARAMETERS:
            plain[p.name] = p
        elif p.father == FATHER_TOKEN_ERRORS:
            c.ledger.unmapped(
                p.key,
                f"ringdesk renews a token after an HTTP 401 only; an error text "
                f"({p.value!r}) in an answer is not recognised",
            )
        elif p.father not in (FATHER_FIELDS, FATHER_HEADERS, FATHER_AUTH_OPTION):
            c.ledger.unmapped(p.key, "not a parameter ringdesk knows")
        for stray in p.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
    if "AuthMethod" in plain:
        c.ledger.mapped(plain["AuthMethod"].key)
    used = {"AuthMethod"}
    auth = m.Authentication(method=method)
    if method == "basic":
        used |= {"CredentialType", "Base64EncodedCredential"}
        auth = auth.model_copy(update={"basic": _basic(c, plain)})
    elif method == "oauth2" or (method == "bearer" and _value(plain, "TokenEndPoint")):
        used |= {"TokenType", "AuthEndPoint", "TokenEndPoint", "AdditionalQueryString", "Scope"}
        if method == "bearer":
            c.ledger.changed(
                plain["AuthMethod"].key if "AuthMethod" in plain else "Information@AuthType",
                "a Bearer token got from a token endpoint is ringdesk's oauth2 method "
                "(ringdesk's bearer is a fixed token)",
            )
        auth = m.Authentication(method="oauth2", oauth2=_oauth2(c, plain))
    elif method == "bearer":
        used |= {"TokenType", "AccessToken"}
        auth = auth.model_copy(update={"bearer": _bearer(c, plain)})
    for name, p in plain.items():
        if name not in used:
            if p.value:
                c.ledger.unmapped(p.key, f"ignored with AuthMethod {method!r}")
            else:
                c.ledger.empty(p.key)
    return auth


def _value(plain: Mapping[str, PbxParameter], name: str) -> str:
    p = plain.get(name)
    return p.value if p is not None else ""


def _text(c: Ctx, plain: Mapping[str, PbxParameter], name: str) -> str:
    """A parameter's value in ringdesk's dialect ("" and marked empty when it has none)."""
    p = plain.get(name)
    if p is None:
        return ""
    if not p.value:
        c.ledger.empty(p.key)
        return ""
    return c.parameter_text(p, "auth").strip()


def _scheme(c: Ctx, plain: Mapping[str, PbxParameter]) -> str:
    p = plain.get("TokenType")
    if p is None or not p.value:
        if p is not None:
            c.ledger.empty(p.key)
        return m.DEFAULT_AUTH_SCHEME
    c.ledger.mapped(p.key)
    return p.value


def _basic(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.Basic:
    p = plain.get("CredentialType")
    credential = "username_password"
    if p is not None and p.value:
        folded = p.value.lower().replace("_", "").replace(" ", "")
        credential = {"apikey": "api_key", "usernamepassword": "username_password"}.get(folded, "")
        if not credential:
            c.ledger.unmapped(p.key, f"unknown credential type {p.value!r}; username_password")
            credential = "username_password"
        elif credential != p.value:
            c.ledger.changed(p.key, f"written {credential!r}")
        c.ledger.mapped(p.key)
    elif p is not None:
        c.ledger.empty(p.key)
    return m.Basic(credential_type=credential, format=_text(c, plain, "Base64EncodedCredential"))


def _scopes(c: Ctx, plain: Mapping[str, PbxParameter]) -> str:
    p = plain.get("Scope")
    if p is None or not p.value.strip():
        if p is not None:
            c.ledger.empty(p.key)
        return ""
    parts = p.value.split(",") if "," in p.value else p.value.split()
    scopes = ",".join(s.strip() for s in parts if s.strip())
    if scopes != p.value:
        c.ledger.changed(p.key, f"written as the comma-separated list {scopes!r}")
    c.ledger.mapped(p.key)
    return scopes


def refresh_body(field_names: set[str]) -> str:
    """The standard refresh grant, with the client's credentials when fields hold them."""
    body = "grant_type=refresh_token&refresh_token={{.RefreshToken}}"
    for name in ("client_id", "client_secret"):
        if name in field_names:
            body += f"&{name}={{{{.{name}}}}}"
    return body


def _oauth2(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.OAuth2:
    token_url = _text(c, plain, "TokenEndPoint")
    oauth = m.OAuth2(
        scheme=_scheme(c, plain),
        authorize_url=_text(c, plain, "AuthEndPoint"),
        token_url=token_url,
        scopes=_scopes(c, plain),
        extra_query=_text(c, plain, "AdditionalQueryString"),
    )
    c.urls += [oauth.authorize_url, token_url]
    option = _auth_option(c)
    if option is not None and flag(option.value):
        c.ledger.changed(
            option.key,
            "ringdesk never renews the token on a schedule, but still tries once after an HTTP 401",
        )
        c.ledger.mapped(option.key)
        # the fields are known only later: the body is completed in `_with_fields`
        return oauth.model_copy(update={"refresh": m.Refresh(interval_minutes=0, url=token_url)})
    if option is not None:
        if flag(option.value) is None and option.value:
            c.ledger.unmapped(option.key, f"{option.value!r} is not 0 or 1; the token is renewed")
        else:
            c.ledger.mapped(option.key)
    return oauth


def _auth_option(c: Ctx) -> PbxParameter | None:
    scenario = c.doc.scenario(AUTH)
    found = None
    for p in scenario.parameters if scenario else ():
        if p.father != FATHER_AUTH_OPTION or p.duplicate:
            continue
        if p.name == NO_REFRESH:
            found = p
        else:
            c.ledger.unmapped(p.key, f"unknown authentication option {p.name!r}")
    return found


def _bearer(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.Bearer:
    scheme = _scheme(c, plain)
    token = _text(c, plain, "AccessToken")
    if not token:
        secrets = [f for f in _field_parameters(c) if f.editor.lower() == "password"]
        if len(secrets) == 1:
            name = secrets[0].field_key or secrets[0].name
            token = f"{{{{.{name}}}}}"
            c.ledger.changed(
                secrets[0].key,
                f"no AccessToken parameter: the token is taken to be this field, {token}",
            )
    return m.Bearer(scheme=scheme, token=token)


# ---- connect fields and headers ----------------------------------------------------------
def _field_parameters(c: Ctx) -> list[PbxParameter]:
    scenario = c.doc.scenario(AUTH)
    return [
        p
        for p in (scenario.parameters if scenario else ())
        if p.father == FATHER_FIELDS and not p.duplicate
    ]


def _fields(c: Ctx) -> list[m.ConnectField]:
    fields: list[m.ConnectField] = []
    for p in _field_parameters(c):
        name = p.field_key or p.name
        if p.field_key and p.name and p.field_key != p.name:
            c.ledger.changed(
                p.key,
                f"Name {p.name!r} differs from Key {p.field_key!r}: the "
                f"variable is {{{{.{name}}}}}",
            )
        kind = EDITORS.get(p.editor.lower())
        if kind is None:
            c.ledger.changed(p.key, f"unknown Editor {p.editor!r}: a text field")
            kind = "text"
        if kind != "select" and p.value:
            c.ledger.changed(
                p.key, f"the value {p.value!r} is dropped: ringdesk connect fields have no default"
            )
        c.ledger.mapped(p.key)
        fields.append(
            m.ConnectField(
                type=kind,
                name=name,
                title=p.title.strip(),
                options=p.value if kind == "select" else "",
            )
        )
    return fields


def _known_fields(c: Ctx) -> None:
    """Record the connect-field names before any `{{…}}` is converted (never renamed)."""
    c.auth_fields = {p.field_key or p.name for p in _field_parameters(c)}
    scenario_fields = {
        p.name
        for s in c.doc.scenarios
        for p in s.parameters
        if p.father == FATHER_SCENARIO_PARAMETER
    }
    c.field_names = c.auth_fields | scenario_fields


def _with_fields(c: Ctx, auth: m.Authentication) -> m.Authentication:
    """The connect fields (a field starting a URL becomes a `url` field: only those are
    trusted as a URL base) and, for a never-renewed OAuth2 token, the refresh body."""
    fields = _fields(c) + [field for field, _ in c.scenario_fields]
    bases = {match.group(1) for url in c.urls if (match := _URL_BASE.match(url))}
    for index, f in enumerate(fields):
        if f.name in bases and f.type == "text":
            fields[index] = f.model_copy(update={"type": "url"})
            key = next(
                (p.key for p in _field_parameters(c) if (p.field_key or p.name) == f.name), ""
            )
            c.ledger.changed(
                key,
                f"{{{{.{f.name}}}}} starts URLs, and ringdesk trusts only url fields as a URL "
                "base: it is a url field (an absolute http(s) URL)",
            )
    if auth.oauth2 is not None and auth.oauth2.refresh is not None:
        names = {f.name for f in fields}
        refresh = auth.oauth2.refresh.model_copy(update={"body": refresh_body(names)})
        auth = auth.model_copy(
            update={"oauth2": auth.oauth2.model_copy(update={"refresh": refresh})}
        )
    return auth.model_copy(update={"fields": tuple(fields)})


def _headers(c: Ctx) -> tuple[m.Header, ...]:
    """`PopulateTemplateString` parameters (of the AuthMethod scenario or the root)."""
    scenario = c.doc.scenario(AUTH)
    for p in c.doc.parameters:
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.father != FATHER_HEADERS:
            c.ledger.unmapped(p.key, "not a parameter ringdesk knows")
        for stray in p.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
    candidates = [*c.doc.parameters, *(scenario.parameters if scenario else ())]
    headers: list[m.Header] = []
    for p in candidates:
        if p.father != FATHER_HEADERS or p.duplicate:
            continue
        if p.type.lower() != "header":
            c.ledger.unmapped(p.key, f"Type {p.type!r}: only Header values are known")
            continue
        value = c.parameter_text(p, "auth").strip()
        headers.append(m.Header(name=p.name, value=value, applies_to=HEADER_SCOPES))
    return tuple(headers)


# ---- the scenarios themselves ------------------------------------------------------------
def _scenarios(c: Ctx) -> None:
    for scenario in c.doc.scenarios:
        for stray in scenario.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
        if scenario.duplicate:
            c.cover_scenario(scenario, f"a second scenario {scenario.id!r}; the first is used")
        elif scenario.id not in SCENARIO_IDS:
            c.cover_scenario(scenario, f"ringdesk has no scenario {scenario.id!r}")
        elif scenario.type and scenario.type != SCENARIO_TYPES[scenario.id]:
            c.ledger.changed(
                scenario.key, f"Type {scenario.type!r} is written {SCENARIO_TYPES[scenario.id]!r}"
            )
        else:
            c.ledger.mapped(scenario.key)
