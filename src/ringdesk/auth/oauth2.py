"""The OAuth2 authorization-code flow (A5, A6), sans I/O: the authorize URL, the code
exchange and refresh requests, PKCE (RFC 7636, S256) when the template asks for it, and the
reading of token responses."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ringdesk.errors import TokenResponseError
from ringdesk.expressions import gotemplate
from ringdesk.http.request import HelpdeskRequest, render_url
from ringdesk.templates.model import OAuth2

__all__ = [
    "TokenResult",
    "authorize_url",
    "code_challenge",
    "code_exchange_request",
    "encode_body",
    "new_code_verifier",
    "parse_token_response",
    "refresh_request",
]


@dataclass(frozen=True)
class TokenResult:
    access_token: str
    refresh_token: str | None
    expires_in: float | None


def _is_json(content_type: str) -> bool:
    return "json" in content_type.lower()


def render_query(template: str, data: Mapping[str, str]) -> str:
    """Render a query string or form body (`a={{.x}}&b=…`): every value percent-encoded as a
    query value. The URL escaper picks its rule by where a value lands in a URL, so the text
    is rendered as the query part of an (empty) URL."""
    if "{{" not in template:
        return template
    return gotemplate.render("?" + template, data, escape="url")[1:]


def _token_request(
    method: str, url: str, body: str, content_type: str, headers: Mapping[str, str]
) -> HelpdeskRequest:
    return HelpdeskRequest(
        method=method, url=url, headers={**headers, "Content-Type": content_type}, body=body
    )


def encode_body(params: Mapping[str, str], content_type: str) -> str:
    """Form-encode or JSON-encode token request parameters."""
    return json.dumps(dict(params)) if _is_json(content_type) else urlencode(params)


def new_code_verifier() -> str:
    """A PKCE code verifier: 43 characters of the unreserved set (32 random bytes)."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of `verifier`: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(
    oauth: OAuth2,
    variables: Mapping[str, str],
    *,
    state: str,
    redirect_uri: str,
    code_verifier: str | None = None,
) -> str:
    """A5: the rendered AuthorizeUrl plus `response_type=code`, `client_id` (when a
    `client_id` variable exists and the URL lacks it), `scope` (space-separated), the
    rendered ExtraQuery, `redirect_uri` and `state`. Parameters already present win, except
    `state` and, with a `code_verifier` (PKCE), `code_challenge` and
    `code_challenge_method=S256`, which are always ringdesk's."""
    parts = urlsplit(render_url(oauth.authorize_url, variables))
    query = parse_qsl(parts.query, keep_blank_values=True)
    extra = parse_qsl(render_query(oauth.extra_query.lstrip("?&"), variables), True)
    names = {k for k, _ in query}
    for key, value in extra:
        if key not in names:
            query.append((key, value))
            names.add(key)
    wanted = [("response_type", "code")]
    if variables.get("client_id"):
        wanted.append(("client_id", variables["client_id"]))
    if oauth.scope_list:
        wanted.append(("scope", " ".join(oauth.scope_list)))
    wanted.append(("redirect_uri", redirect_uri))
    query.extend((k, v) for k, v in wanted if k not in names)
    ours = [("state", state)]
    if code_verifier:
        ours += [
            ("code_challenge", code_challenge(code_verifier)),
            ("code_challenge_method", "S256"),
        ]
    mine = {k for k, _ in ours}
    query = [(k, v) for k, v in query if k not in mine] + ours
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _client_params(variables: Mapping[str, str]) -> dict[str, str]:
    return {k: variables[k] for k in ("client_id", "client_secret") if variables.get(k)}


def code_exchange_request(
    oauth: OAuth2,
    variables: Mapping[str, str],
    *,
    code: str,
    redirect_uri: str,
    headers: Mapping[str, str] | None = None,
    code_verifier: str | None = None,
) -> HelpdeskRequest:
    """A5: exchange an authorization code at the TokenUrl (`headers`: the custom headers
    that apply to token requests; the PKCE `code_verifier` when the authorize URL carried
    its challenge)."""
    params = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        **_client_params(variables),
    }
    if code_verifier:
        params["code_verifier"] = code_verifier
    content_type = oauth.token_content_type or "application/x-www-form-urlencoded"
    return _token_request(
        "POST",
        render_url(oauth.token_url, variables),
        encode_body(params, content_type),
        content_type,
        headers or {},
    )


def refresh_request(
    oauth: OAuth2, variables: Mapping[str, str], *, headers: Mapping[str, str] | None = None
) -> HelpdeskRequest:
    """A6: the template's refresh request, or a standard `refresh_token` grant at the
    TokenUrl when the template declares none (`headers`: as for the code exchange)."""
    refresh = oauth.refresh
    if refresh is not None and refresh.url:
        content_type = refresh.content_type or "application/x-www-form-urlencoded"
        body = (
            gotemplate.render(refresh.body, variables, escape="json")
            if _is_json(content_type)
            else render_query(refresh.body, variables)
        )
        return _token_request(
            (refresh.method or "POST").upper(),
            render_url(refresh.url, variables),
            body,
            content_type,
            headers or {},
        )
    content_type = oauth.token_content_type or "application/x-www-form-urlencoded"
    params = {
        "grant_type": "refresh_token",
        "refresh_token": variables.get("RefreshToken", ""),
        **_client_params(variables),
    }
    return _token_request(
        "POST",
        render_url(oauth.token_url, variables),
        encode_body(params, content_type),
        content_type,
        headers or {},
    )


def _document(text: str) -> dict[str, Any]:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            raise TokenResponseError("the token response is not valid JSON") from None
        return value if isinstance(value, dict) else {}
    # Some providers answer form-encoded (access_token=...&token_type=bearer).
    return dict(parse_qsl(stripped, keep_blank_values=True))


def parse_token_response(text: str) -> TokenResult:
    """Read a token response; raise `TokenResponseError` when it holds an `error` or no access token
    (an HTTP 200 with `{"error": ...}` is a failure, not a success)."""
    doc = _document(text)
    if doc.get("error"):
        detail = doc.get("error_description") or doc.get("message") or ""
        raise TokenResponseError(f"{doc['error']}: {detail}".rstrip(": "))
    source = doc
    if "access_token" not in source and isinstance(doc.get("data"), dict):
        source = doc["data"]
    access = source.get("access_token")
    if not isinstance(access, str) or not access:
        raise TokenResponseError("the token response has no access_token")
    refresh = source.get("refresh_token")
    expires_in: float | None = None
    raw_expiry = source.get("expires_in")
    if raw_expiry not in (None, ""):
        try:
            expires_in = float(raw_expiry)
        except (TypeError, ValueError):
            raise TokenResponseError(f"expires_in is not a number: {raw_expiry!r}") from None
    return TokenResult(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_in=expires_in,
    )
