"""PBX template → ringdesk template (pure): `convert_pbx(doc)` builds the model and the
report of what could not be mapped or changed on the way.

This module converts the root (General), the connect fields and the global headers, and
puts the template together; `_pbx_auth` converts the AuthMethod scenario and
`_pbx_contacts`/`_pbx_scenarios` the request scenarios.
The mapping, element by element, is the table of docs/template-reference/pbx-import.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ringdesk.templates import model as m
from ringdesk.templates._pbx_auth import authentication, field_parameters, refresh_body
from ringdesk.templates._pbx_ctx import Ctx
from ringdesk.templates._pbx_scenarios import SCENARIO_CONVERTERS, finish_requests
from ringdesk.templates.pbx_model import PbxDocument
from ringdesk.templates.pbx_report import Finding, Status
from ringdesk.templates.pbx_vocabulary import (
    AUTH,
    EDITORS,
    FATHER_HEADERS,
    FATHER_SCENARIO_PARAMETER,
    SCENARIO_IDS,
    SCENARIO_TYPES,
)
from ringdesk.templates.vocabulary import URL_BASE

__all__ = ["DEFAULT_CONCURRENCY", "HEADER_SCOPES", "Conversion", "convert_pbx"]

DEFAULT_CONCURRENCY = 10
# PBX headers go on every scenario request, and PBX chained requests are scenario requests:
# in ringdesk those are the scenario requests and the extra requests.
HEADER_SCOPES = "scenarios,extra"


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
    auth = authentication(c)
    headers = _headers(c)
    sections = {field: convert(c) for field, convert in SCENARIO_CONVERTERS.items()}
    _scenarios(c)
    finish_requests(c)
    for stray in doc.strays:
        c.ledger.unmapped(stray.key, f"unknown {stray.what}")
    template = m.Template(
        general=general, authentication=_with_fields(c, auth), headers=headers, **sections
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


# ---- connect fields and headers ----------------------------------------------------------
def _fields(c: Ctx) -> list[m.ConnectField]:
    fields: list[m.ConnectField] = []
    for p in field_parameters(c):
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
            # a password field's default may be a real secret: never repeat it
            shown = "its value" if kind == "password" else f"the value {p.value!r}"
            c.ledger.changed(p.key, f"{shown} is dropped: ringdesk connect fields have no default")
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
    c.auth_fields = {p.field_key or p.name for p in field_parameters(c)}
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
    bases = {match.group(1) for url in c.urls if (match := URL_BASE.match(url))}
    for index, f in enumerate(fields):
        if f.name in bases and f.type == "text":
            fields[index] = f.model_copy(update={"type": "url"})
            key = next(
                (p.key for p in field_parameters(c) if (p.field_key or p.name) == f.name), ""
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
