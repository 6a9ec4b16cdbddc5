"""What every helpdesk call needs to know about one integration: `IntegrationContext`, an
immutable snapshot of its template, variables (secrets decrypted), typed options and the
secret values to redact; built from stored values by `build_context` (pure).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ringdesk.expressions import gotemplate
from ringdesk.expressions.gotemplate import SafeURL
from ringdesk.integrations.headers import custom_headers
from ringdesk.integrations.options import Options, effective_options
from ringdesk.redact import Redactor, is_secret_name, protect_http_logs
from ringdesk.templates.model import Template

__all__ = [
    "CALLBACK_PATH",
    "TOKEN_VARIABLES",
    "IntegrationContext",
    "build_context",
    "callback_url",
    "is_secret_name",
]

CALLBACK_PATH = "/api/v1/oauth/callback"
TOKEN_VARIABLES = ("AccessToken", "RefreshToken")


# `is_secret_name` (defined in `ringdesk.redact`, below the template layer, so templates,
# integrations and redaction share it) is the one rule for secret-looking names.
def callback_url(public_url: str) -> str:
    """The OAuth2 `redirect_uri` ringdesk offers (A5)."""
    return public_url.rstrip("/") + CALLBACK_PATH


def _render(template: str, data: Mapping[str, str]) -> str:
    return gotemplate.render(template, data) if "{{" in template else template


@dataclass(frozen=True, eq=False)
class IntegrationContext:
    """An integration as the flows see it (immutable snapshot; derived values are cached
    on the snapshot, so a new snapshot is taken whenever the integration changes)."""

    integration_id: int
    name: str
    template_id: str
    template: Template
    variables: Mapping[str, str]
    options: Options
    secret_values: frozenset[str]
    status: str
    token_expires_at: float | None = None
    token_refreshed_at: float | None = None

    @property
    def auth_method(self) -> str:
        return self.template.authentication.method

    @property
    def helpdesk(self) -> str:
        """The helpdesk's name for metrics and messages (G2)."""
        return self.template.general.name or self.template_id

    @property
    def max_concurrent(self) -> int:
        """G3: the cap on this integration's requests in flight."""
        return self.template.general.max_concurrent_requests or 1

    @cached_property
    def cap_key(self) -> str:
        """What the G3 cap is counted per: one helpdesk account, named by the template id
        and a short hash of this integration's non-secret connect field values (`url`,
        `text` and `select` fields; never a secret one). Two integrations of a template
        that point at the same account (same values) share one cap; at another account
        (any value differs) each has its own. URLs compare without case and trailing
        slashes, other values without surrounding spaces."""
        named: list[tuple[str, str]] = []
        for field in self.template.authentication.fields:
            if field.secret or field.type not in ("url", "text", "select"):
                continue
            value = str(self.variables.get(field.name, "")).strip()
            if field.type == "url":
                value = value.rstrip("/").lower()
            named.append((field.name, value))
        if not named:
            return self.template_id  # nothing names an account: one cap per template
        digest = hashlib.sha256(json.dumps(sorted(named)).encode()).hexdigest()[:12]
        return f"{self.template_id}#{digest}"

    @property
    def tz(self) -> str:
        """The time zone templates render times in."""
        return self.options.timezone

    @cached_property
    def redactor(self) -> Redactor:
        """Masks this integration's secrets; the HTTP libraries' own logs learn them too."""
        protect_http_logs(self.secret_values)
        return Redactor(self.secret_values)

    @cached_property
    def _headers_by_scope(self) -> dict[str, Mapping[str, str]]:
        return {}

    def headers_for(self, scope: str) -> Mapping[str, str]:
        """H1, H2: the template's custom headers that apply to `scope` (scenarios,
        followups, extra, token), rendered once per snapshot."""
        cache = self._headers_by_scope
        if scope not in cache:
            cache[scope] = custom_headers(self.template.headers, self.variables, scope)
        return cache[scope]

    @property
    def scenario_headers(self) -> Mapping[str, str]:
        """H2: the custom headers of scenario requests (users, search, create, log, ticket)."""
        return self.headers_for("scenarios")


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
    # Only url connect fields and ringdesk's own callback may form a URL's scheme and host
    # (validation enforces it); the renderer escapes every other value by its position.
    for field_name in template.url_field_names():
        if variables.get(field_name):
            variables[field_name] = SafeURL(variables[field_name])
    variables["redirect_uri"] = SafeURL(callback_url(public_url))
    secret_values = {str(v) for v in secrets.values() if v}
    # Values stored in clear under a secret-looking name (before that name was treated as
    # secret) are still masked wherever they would be logged.
    for source in (fields, persisted):
        secret_values.update(str(v) for k, v in source.items() if v and is_secret_name(k))
    auth = template.authentication
    if auth.method == "basic" and auth.basic is not None:
        plain = _render(auth.basic.format, variables)
        variables["basic_string"] = base64.b64encode(plain.encode()).decode()
        secret_values.add(variables["basic_string"])
        if plain:
            secret_values.add(plain)
    elif auth.method == "bearer" and auth.bearer is not None:
        variables["AccessToken"] = _render(auth.bearer.token, variables)
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
