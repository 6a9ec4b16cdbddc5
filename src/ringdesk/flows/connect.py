"""Connecting an integration (A3–A7): at once for none/Basic/bearer (then the `connected`
follow-ups run, F2), or through the OAuth2 authorization-code flow: the authorize URL with
a signed single-use `state`, then the callback's code exchange.
"""

from __future__ import annotations

import asyncio

from ringdesk.auth.oauth2 import (
    authorize_url,
    code_exchange_request,
    new_code_verifier,
    parse_token_response,
)
from ringdesk.auth.state import OAuthGrant, consume_grant, issue_state
from ringdesk.auth.tokens import TokenState
from ringdesk.errors import ConnectError, HelpdeskError, TokenResponseError
from ringdesk.flows.followup import fire_follow_ups
from ringdesk.integrations.context import callback_url
from ringdesk.redact import Redactor
from ringdesk.services import Services
from ringdesk.store import integrations as repo
from ringdesk.store import outbox as queue

__all__ = ["complete_oauth", "connect"]


def _set_status(services: Services, integration_id: int, status: str, message: str | None) -> None:
    with services.database.session() as session:
        repo.set_status(session, integration_id, status, message)


def _mark_connected(services: Services, integration_id: int) -> None:
    """Connected again: the jobs held for authentication or for the reconnect (A8) are due
    now, in the same transaction, instead of after their backoff."""
    with services.database.session() as session:
        repo.set_status(session, integration_id, "connected", None)
        if queue.release_held(session, integration_id, now=services.clock.now()):
            queue.wake_after_commit(session)


async def _finish_connect(services: Services, integration_id: int) -> None:
    """Mark connected (releasing held jobs) and fire `connected` follow-ups (F2); a failing
    follow-up leaves the integration disconnected with the reason."""
    await asyncio.to_thread(_mark_connected, services, integration_id)
    ctx = await services.contexts.load(integration_id)
    try:
        await fire_follow_ups(services, ctx, "connected", {})
    except HelpdeskError as exc:
        message = ctx.redactor.text(f"connected follow-up failed: {exc}")
        await asyncio.to_thread(_set_status, services, integration_id, "disconnected", message)
        raise ConnectError(message) from None


def _begin_oauth(services: Services, integration_id: int) -> str:
    ctx = services.contexts.get(integration_id)
    oauth = ctx.template.authentication.oauth2
    if oauth is None or not oauth.authorize_url:
        raise ConnectError("the template has no OAuth2 authorize URL")
    settings = services.settings
    # PKCE: the verifier stays with the state in the database; only its hash travels.
    verifier = new_code_verifier() if oauth.pkce else None
    with services.database.session() as session:
        token = issue_state(
            session,
            settings.resolved_secret_key(),
            integration_id,
            now=services.clock.now(),
            code_verifier=verifier,
        )
        repo.set_status(session, integration_id, "pending_oauth", None)
    return authorize_url(
        oauth,
        ctx.variables,
        state=token,
        redirect_uri=callback_url(settings.public_url),
        code_verifier=verifier,
    )


async def connect(services: Services, integration_id: int) -> dict[str, str]:
    """A3/A4/A7: connect at once; A5: hand back the authorize URL to redirect to. Raises
    LookupError for an unknown integration and ConnectError when connecting failed."""
    ctx = await services.contexts.load(integration_id)
    if ctx.auth_method == "oauth2":
        url = await asyncio.to_thread(_begin_oauth, services, integration_id)
        return {"status": "redirect", "url": url}
    await _finish_connect(services, integration_id)
    return {"status": "connected"}


def _store_tokens(
    services: Services,
    integration_id: int,
    access: str,
    refresh: str | None,
    expires_in: float | None,
) -> TokenState:
    now = services.clock.now()
    with services.database.session() as session:
        row = repo.get(session, integration_id)
        if row is None:
            raise LookupError(f"integration {integration_id} not found")
        secrets = services.crypto.decrypt(row.secrets)
        secrets["AccessToken"] = access
        if refresh:
            secrets["RefreshToken"] = refresh
        expires_at = now + expires_in if expires_in else None
        repo.save_tokens(
            session,
            integration_id,
            secrets=services.crypto.encrypt(secrets),
            expires_at=expires_at,
            refreshed_at=now,
        )
        return TokenState(access, str(secrets.get("RefreshToken", "")), expires_at, now)


def _consume(services: Services, token: str) -> OAuthGrant:
    with services.database.session() as session:
        return consume_grant(
            session, services.settings.resolved_secret_key(), token, now=services.clock.now()
        )


async def complete_oauth(services: Services, code: str, state_token: str) -> int:
    """A5: check `state`, exchange `code` at the TokenUrl, store the tokens, connect.

    Raises `OAuthStateError` for a bad state and `ConnectError` when the exchange fails (the
    integration then shows the reason)."""
    grant = await asyncio.to_thread(_consume, services, state_token)
    integration_id = grant.integration_id
    ctx = await services.contexts.load(integration_id)
    oauth = ctx.template.authentication.oauth2
    if oauth is None:
        raise ConnectError("the template has no OAuth2 section")
    request = code_exchange_request(
        oauth,
        ctx.variables,
        code=code,
        redirect_uri=callback_url(services.settings.public_url),
        headers=ctx.headers_for("token"),  # H2: only headers that say `token`
        code_verifier=grant.code_verifier,
    )
    redactor = Redactor({*ctx.secret_values, code, grant.code_verifier or ""})
    try:
        response = await services.send(ctx, request, scenario="oauth_token", authenticated=False)
        result = parse_token_response(response.text)
    except (HelpdeskError, TokenResponseError) as exc:
        message = redactor.text(f"token exchange failed: {exc}")
        await asyncio.to_thread(_set_status, services, integration_id, "disconnected", message)
        raise ConnectError(message) from None
    tokens = await asyncio.to_thread(
        _store_tokens,
        services,
        integration_id,
        result.access_token,
        result.refresh_token,
        result.expires_in,
    )
    services.tokens.remember(integration_id, tokens)
    await _finish_connect(services, integration_id)
    return integration_id
