"""Integration use cases behind the REST API (I1, A3–A7): create, update, describe, connect,
and complete the OAuth2 callback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringdesk.auth.oauth2 import (
    TokenError,
    authorize_url,
    code_exchange_request,
    parse_token_response,
)
from ringdesk.auth.refresh import TokenState
from ringdesk.auth.state import consume_state, issue_state
from ringdesk.errors import PeerError
from ringdesk.http.redact import Redactor
from ringdesk.integrations.context import (
    TOKEN_VARIABLES,
    callback_url,
    context_from_row,
    is_secret_name,
    load_context,
    load_template,
)
from ringdesk.integrations.followup import fire_follow_ups
from ringdesk.integrations.options import effective_options, merge_options, validate_options
from ringdesk.store.crypto import SecretBox
from ringdesk.store.tables import Integration
from ringdesk.templates.model import Template

__all__ = [
    "ConnectError",
    "InputError",
    "complete_oauth",
    "connect",
    "create_integration",
    "public_view",
    "update_integration",
    "validate_fields",
]

_log = logging.getLogger(__name__)


class InputError(ValueError):
    """What the admin sent is invalid; `problems` lists `(field, message)`."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


class ConnectError(RuntimeError):
    """Connecting failed; the message is safe to show (redacted)."""


def validate_fields(
    template: Template, fields: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str | None]]:
    """Split connect values into (plain, secret) after checking them against the template's
    connect fields (A2): unknown names refused, select values among the options.
    A secret given as None or "" means "unset"."""
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
        if spec.type == "select" and value and value not in spec.option_list:
            problems.append((f"fields.{name}", f"must be one of {', '.join(spec.option_list)}"))
            continue
        if spec.secret:
            secret[name] = value or None
        else:
            plain[name] = value or ""
    if problems:
        raise InputError(problems)
    return plain, secret


def _options(template: Template, options: Mapping[str, Any]) -> dict[str, Any]:
    from ringdesk.integrations.options import OptionsError

    try:
        return validate_options(template, options)
    except OptionsError as exc:
        raise InputError([(f"options.{f}", m) for f, m in exc.problems]) from None


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
    template = load_template(session, template_id)
    if not name.strip():
        raise InputError([("name", "required")])
    plain, secret = validate_fields(template, fields)
    row = Integration(
        template_id=template_id,
        name=name.strip(),
        status="disconnected",
        fields=plain,
        options=_options(template, options),
        secrets=crypto.encrypt({k: v for k, v in secret.items() if v is not None}),
        variables={},
    )
    session.add(row)
    session.flush()
    return row


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
    template = load_template(session, row.template_id)
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
        row.options = _options(template, merged)
    session.flush()
    return row


def public_view(session: Session, crypto: SecretBox, row: Integration) -> dict[str, Any]:
    """The API's view of an integration: secrets only as set/unset (A9)."""
    template = load_template(session, row.template_id)
    secrets = crypto.decrypt(row.secrets)
    secret_names = sorted({*template.secret_field_names(), *TOKEN_VARIABLES, *(k for k in secrets)})
    return {
        "id": row.id,
        "template_id": row.template_id,
        "helpdesk": template.general.name,
        "name": row.name,
        "auth_method": template.authentication.method,
        "status": row.status,
        "status_message": row.status_message,
        "fields": {k: v for k, v in (row.fields or {}).items()},
        "secrets": {k: ("set" if secrets.get(k) else "unset") for k in secret_names},
        "variables": {k: v for k, v in (row.variables or {}).items() if not is_secret_name(k)},
        "options": effective_options(template, row.options or {}),
        "token_expires_at": row.token_expires_at,
        "token_refreshed_at": row.token_refreshed_at,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _set_status(state: Any, integration_id: int, status: str, message: str | None) -> None:
    with state.db.session() as session:
        row = session.get(Integration, integration_id)
        if row is not None:
            row.status = status
            row.status_message = message


async def _finish_connect(state: Any, integration_id: int) -> None:
    """Mark connected and fire `connected` follow-ups (F2); a failing follow-up leaves the
    integration disconnected with the reason."""
    await asyncio.to_thread(_set_status, state, integration_id, "connected", None)
    ctx = await load_context(state, integration_id)
    try:
        await fire_follow_ups(state, ctx, "connected", {})
    except PeerError as exc:
        message = Redactor(ctx.secret_values).text(f"connected follow-up failed: {exc}")
        await asyncio.to_thread(_set_status, state, integration_id, "disconnected", message)
        raise ConnectError(message) from None


def _begin_oauth(state: Any, integration_id: int) -> str:
    settings = state.settings
    with state.db.session() as session:
        row = session.get(Integration, integration_id)
        if row is None:
            raise LookupError(f"integration {integration_id} not found")
        ctx = context_from_row(session, row, state.crypto, settings.public_url)
        oauth = ctx.template.authentication.oauth2
        if oauth is None or not oauth.authorize_url:
            raise ConnectError("the template has no OAuth2 authorize URL")
        token = issue_state(
            session,
            settings.resolved_secret_key(),
            integration_id,
            now=state.executor.clock.now(),
        )
        row.status = "pending_oauth"
        row.status_message = None
        return authorize_url(
            oauth, ctx.variables, state=token, redirect_uri=callback_url(settings.public_url)
        )


async def connect(state: Any, integration_id: int) -> dict[str, str]:
    """A3/A4/A7: connect at once; A5: hand back the authorize URL to redirect to."""
    ctx = await load_context(state, integration_id)
    if ctx.auth_method == "oauth2":
        url = await asyncio.to_thread(_begin_oauth, state, integration_id)
        return {"status": "redirect", "url": url}
    await _finish_connect(state, integration_id)
    return {"status": "connected"}


def _store_tokens(
    state: Any, integration_id: int, access: str, refresh: str | None, expires_in: float | None
) -> TokenState:
    now = state.executor.clock.now()
    with state.db.session() as session:
        row = session.get(Integration, integration_id)
        if row is None:
            raise LookupError(f"integration {integration_id} not found")
        secrets = state.crypto.decrypt(row.secrets)
        secrets["AccessToken"] = access
        if refresh:
            secrets["RefreshToken"] = refresh
        row.secrets = state.crypto.encrypt(secrets)
        row.token_expires_at = now + expires_in if expires_in else None
        row.token_refreshed_at = now
        return TokenState(access, secrets.get("RefreshToken", ""), row.token_expires_at, now)


def _consume(state: Any, token: str) -> int:
    with state.db.session() as session:
        return consume_state(
            session,
            state.settings.resolved_secret_key(),
            token,
            now=state.executor.clock.now(),
        )


async def complete_oauth(state: Any, code: str, state_token: str) -> int:
    """A5: check `state`, exchange `code` at the TokenUrl, store the tokens, connect.

    Raises `auth.state.StateError` for a bad state and `ConnectError` when the exchange
    fails (the integration then shows the reason)."""
    integration_id = await asyncio.to_thread(_consume, state, state_token)
    ctx = await load_context(state, integration_id)
    oauth = ctx.template.authentication.oauth2
    if oauth is None:
        raise ConnectError("the template has no OAuth2 section")
    request = code_exchange_request(
        oauth, ctx.variables, code=code, redirect_uri=callback_url(state.settings.public_url)
    )
    redactor = Redactor({*ctx.secret_values, code})
    try:
        response = await state.executor.request(
            ctx,
            scenario="oauth_token",
            method=request.method,
            url=request.url,
            body=request.body,
            content_type=request.content_type,
            apply_auth=False,
            apply_custom_headers=False,  # H2: not on token requests
        )
        result = parse_token_response(response.text)
    except (PeerError, TokenError) as exc:
        message = redactor.text(f"token exchange failed: {exc}")
        await asyncio.to_thread(_set_status, state, integration_id, "disconnected", message)
        raise ConnectError(message) from None
    tokens = await asyncio.to_thread(
        _store_tokens,
        state,
        integration_id,
        result.access_token,
        result.refresh_token,
        result.expires_in,
    )
    state.executor.tokens[integration_id] = tokens
    await _finish_connect(state, integration_id)
    return integration_id


def list_integrations(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.id)))
