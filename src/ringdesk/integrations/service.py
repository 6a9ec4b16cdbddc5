"""Integration administration behind the REST API (I1, A2, A9): create, update and describe
integrations (connecting them is `ringdesk.flows.connect`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ringdesk.errors import InputError
from ringdesk.expressions import ExpressionError
from ringdesk.integrations.context import TOKEN_VARIABLES, build_context, is_secret_name
from ringdesk.integrations.options import effective_options, merge_options, validate_options
from ringdesk.store import integrations as repo
from ringdesk.store import templates as templates_repo
from ringdesk.store.crypto import SecretBox
from ringdesk.store.db import Session
from ringdesk.store.tables import Integration
from ringdesk.templates.connect import (
    field_value_error,
    host_fields,
    host_part_error,
    url_value_error,
)
from ringdesk.templates.model import Template

__all__ = [
    "check_connect_values",
    "create_integration",
    "public_view",
    "secret_states",
    "update_integration",
    "validate_fields",
]

# A text value that starts like a URL is checked as one before connecting: a `base_url`
# declared as text is a URL base all the same.
_URL_LIKE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")


def validate_fields(
    template: Template, fields: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str | None]]:
    """Split connect values into (plain, secret) after checking them against the template's
    connect fields (A2): unknown names refused, select values among the options, URL
    fields usable URLs. Secret fields (by type or secret-looking name, A9) go to the
    secrets. A secret given as None or "" means "unset"."""
    known = {f.name: f for f in template.authentication.fields}
    problems: list[tuple[str, str]] = []
    plain: dict[str, str] = {}
    secret: dict[str, str | None] = {}
    for name, value in fields.items():
        spec = known.get(name)
        if spec is None:
            problems.append((f"fields.{name}", "not a connect field of this template"))
            continue
        if value is not None and not isinstance(value, str):
            problems.append((f"fields.{name}", "must be a string"))
            continue
        error = field_value_error(spec, value or "")
        if error:
            problems.append((f"fields.{name}", error))
            continue
        if spec.secret:
            secret[name] = value or None
        else:
            plain[name] = value or ""
    if problems:
        raise InputError(problems)
    return plain, secret


def check_connect_values(template: Template, values: Mapping[str, str]) -> None:
    """Before connecting: every URL a connect field holds (a `url` field, or a text value
    that starts with `scheme://`) must be an http(s) URL with a host every layer reads
    alike and no user:password. A text value that goes into a host name
    (`https://{{.subdomain}}.zendesk.com`) must be host-name characters only. Raises
    InputError naming each field at fault."""
    problems: list[tuple[str, str]] = []
    in_hosts = host_fields(template)
    for spec in template.authentication.fields:
        value = values.get(spec.name, "")
        error: str | None = None
        if spec.is_url:
            error = url_value_error(value)
        elif spec.type == "text" and spec.name in in_hosts:
            error = host_part_error(value, in_hosts[spec.name])
        elif spec.type == "text" and _URL_LIKE.match(value):
            error = url_value_error(value)
        if error:
            problems.append((f"fields.{spec.name}", error))
    if problems:
        raise InputError(problems)


def create_integration(
    session: Session,
    crypto: SecretBox,
    *,
    template_id: str,
    name: str,
    fields: Mapping[str, Any],
    options: Mapping[str, Any],
) -> Integration:
    """Insert a new (disconnected) integration; raises LookupError or InputError."""
    template = templates_repo.get_template(session, template_id)
    if not name.strip():
        raise InputError([("name", "required")])
    plain, secret = validate_fields(template, fields)
    return repo.create(
        session,
        template_id=template_id,
        name=name.strip(),
        fields=plain,
        options=validate_options(template, options),
        secrets=crypto.encrypt({k: v for k, v in secret.items() if v is not None}),
    )


def update_integration(
    session: Session,
    crypto: SecretBox,
    row: Integration,
    *,
    name: str | None = None,
    fields: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Integration:
    """PATCH semantics: only what is given changes (options merged one level deep)."""
    template = templates_repo.get_template(session, row.template_id)
    if name is not None:
        if not name.strip():
            raise InputError([("name", "required")])
        row.name = name.strip()
    if fields is not None:
        plain, secret = validate_fields(template, fields)
        row.fields = {**(row.fields or {}), **plain}
        secrets = crypto.decrypt(row.secrets)
        for key, value in secret.items():
            if value is None:
                secrets.pop(key, None)
            else:
                secrets[key] = value
        row.secrets = crypto.encrypt(secrets)
    if options is not None:
        merged = merge_options(row.options or {}, options)
        row.options = validate_options(template, merged)
    session.flush()
    return row


def secret_states(
    template: Template, row: Integration, secrets: Mapping[str, Any]
) -> dict[str, str]:
    """Each secret variable as "set" or "unset" (A9), judged on the variables the
    integration's requests are rendered with: a bearer template's `AccessToken` is rendered
    from a connect field (`{{.api_token}}`) and never stored, yet the integration has it."""
    names = sorted({*template.secret_field_names(), *TOKEN_VARIABLES, *secrets})
    try:
        variables: Mapping[str, Any] = build_context(
            integration_id=row.id,
            name=row.name,
            template_id=row.template_id,
            template=template,
            fields=row.fields or {},
            secrets=secrets,
            persisted=row.variables or {},
            options=row.options or {},
            status=row.status,
            public_url="",
        ).variables
    except ExpressionError:  # an auth format that does not render: only what is stored
        variables = secrets
    return {name: ("set" if variables.get(name) else "unset") for name in names}


def public_view(session: Session, crypto: SecretBox, row: Integration) -> dict[str, Any]:
    """The API's view of an integration: secrets only as set/unset (A9)."""
    template = templates_repo.get_template(session, row.template_id)
    secrets = crypto.decrypt(row.secrets)
    return {
        "id": row.id,
        "template_id": row.template_id,
        "helpdesk": template.general.name,
        "name": row.name,
        "auth_method": template.authentication.method,
        "status": row.status,
        "status_message": row.status_message,
        "fields": {k: v for k, v in (row.fields or {}).items()},
        "secrets": secret_states(template, row, secrets),
        "variables": {k: v for k, v in (row.variables or {}).items() if not is_secret_name(k)},
        "options": effective_options(template, row.options or {}).as_dict(),
        "token_expires_at": row.token_expires_at,
        "token_refreshed_at": row.token_refreshed_at,
        "contact_sync": row.contact_sync,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
