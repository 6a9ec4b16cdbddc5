"""What every helpdesk call needs to know about one integration: its template, variables
(secrets decrypted), options with template defaults, and the secret values to redact.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringdesk.integrations.options import effective_options
from ringdesk.integrations.render import render
from ringdesk.store.crypto import SecretBox
from ringdesk.store.tables import Integration, TemplateRow
from ringdesk.templates.model import Template

__all__ = [
    "CALLBACK_PATH",
    "TOKEN_VARIABLES",
    "IntegrationContext",
    "build_context",
    "callback_url",
    "context_from_row",
    "is_secret_name",
    "list_active_integration_ids",
    "load_context",
    "load_template",
]

CALLBACK_PATH = "/api/v1/oauth/callback"
TOKEN_VARIABLES = ("AccessToken", "RefreshToken")
_SECRET_NAME = re.compile(r"token|secret|passw|key|session|auth|cookie|credential", re.I)


def is_secret_name(name: str) -> bool:
    """Whether a variable name looks like it holds a secret (such variables are encrypted)."""
    return bool(_SECRET_NAME.search(name))


def callback_url(public_url: str) -> str:
    """The OAuth2 `redirect_uri` ringdesk offers (A5)."""
    return public_url.rstrip("/") + CALLBACK_PATH


@dataclass(frozen=True)
class IntegrationContext:
    """An integration as the flows see it (immutable snapshot)."""

    integration_id: int
    name: str
    template_id: str
    template: Template
    variables: dict[str, str]
    options: dict[str, Any]
    secret_values: frozenset[str]
    status: str
    token_expires_at: float | None = None
    token_refreshed_at: float | None = None
    # Per-snapshot memo (rendered headers, redactor); not part of the value.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def auth_method(self) -> str:
        return self.template.authentication.method

    @property
    def helpdesk(self) -> str:
        """The helpdesk's name for metrics and messages (G2)."""
        return self.template.general.name or self.template_id

    @property
    def max_concurrent(self) -> int:
        return self.template.general.max_concurrent_requests or 1


def build_context(
    *,
    integration_id: int,
    name: str,
    template_id: str,
    template: Template,
    fields: Mapping[str, Any],
    secrets: Mapping[str, Any],
    persisted: Mapping[str, Any],
    options: Mapping[str, Any],
    status: str,
    public_url: str,
    token_expires_at: float | None = None,
    token_refreshed_at: float | None = None,
) -> IntegrationContext:
    """Assemble a context from stored values (pure)."""
    variables: dict[str, str] = {}
    for source in (fields, persisted, secrets):
        variables.update({k: "" if v is None else str(v) for k, v in source.items()})
    variables["redirect_uri"] = callback_url(public_url)
    secret_values = {str(v) for v in secrets.values() if v}
    auth = template.authentication
    if auth.method == "basic" and auth.basic is not None:
        plain = render(auth.basic.format, variables)
        variables["basic_string"] = base64.b64encode(plain.encode()).decode()
        secret_values.add(variables["basic_string"])
        if plain:
            secret_values.add(plain)
    elif auth.method == "bearer" and auth.bearer is not None:
        variables["AccessToken"] = render(auth.bearer.token, variables)
        if variables["AccessToken"]:
            secret_values.add(variables["AccessToken"])
    return IntegrationContext(
        integration_id=integration_id,
        name=name,
        template_id=template_id,
        template=template,
        variables=variables,
        options=effective_options(template, options),
        secret_values=frozenset(secret_values),
        status=status,
        token_expires_at=token_expires_at,
        token_refreshed_at=token_refreshed_at,
    )


_TEMPLATES: dict[str, tuple[float, str, Template]] = {}


def load_template(session: Session, template_id: str) -> Template:
    """The parsed template (cached until its row changes); raises LookupError."""
    row = session.get(TemplateRow, template_id)
    if row is None:
        raise LookupError(f"template {template_id!r} not found")
    cached = _TEMPLATES.get(template_id)
    if cached is not None and cached[0] == row.updated_at and cached[1] == row.xml:
        return cached[2]
    from ringdesk.templates.library import load_row

    template = load_row(row)
    _TEMPLATES[template_id] = (row.updated_at, row.xml, template)
    return template


def context_from_row(
    session: Session, row: Integration, crypto: SecretBox, public_url: str
) -> IntegrationContext:
    """Build the context of a loaded integration row."""
    return build_context(
        integration_id=row.id,
        name=row.name,
        template_id=row.template_id,
        template=load_template(session, row.template_id),
        fields=row.fields or {},
        secrets=crypto.decrypt(row.secrets),
        persisted=row.variables or {},
        options=row.options or {},
        status=row.status,
        public_url=public_url,
        token_expires_at=row.token_expires_at,
        token_refreshed_at=row.token_refreshed_at,
    )


def _load(state: Any, integration_id: int) -> IntegrationContext:
    with state.db.session() as session:
        row = session.get(Integration, integration_id)
        if row is None:
            raise LookupError(f"integration {integration_id} not found")
        return context_from_row(session, row, state.crypto, state.settings.public_url)


async def load_context(state: Any, integration_id: int) -> IntegrationContext:
    """The current context of an integration; raises LookupError when it does not exist."""
    return await asyncio.to_thread(_load, state, integration_id)


def list_active_integration_ids(session: Session) -> list[int]:
    """Ids of the integrations whose status is "connected"."""
    return list(
        session.scalars(
            select(Integration.id).where(Integration.status == "connected").order_by(Integration.id)
        )
    )
