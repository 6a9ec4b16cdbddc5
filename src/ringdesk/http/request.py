"""One request renderer for every helpdesk call (pure): a template's request spec plus the
variables → `HelpdeskRequest`, the value the executor sends.

Delivery, contact search, user sync, follow-ups, token requests and the test console all go
through `render_request`, so the console shows byte for byte what production sends. The URL
is rendered with position-aware URL escaping, the body with JSON escaping, both in the
integration's time zone; a JSON object of extra headers (follow-ups) is rendered with JSON
escaping and parsed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from ringdesk.errors import HelpdeskError, TemplateError
from ringdesk.expressions import gotemplate

__all__ = [
    "HelpdeskRequest",
    "RequestTemplate",
    "check_path",
    "render_headers",
    "render_request",
    "render_url",
]

JSON = "application/json"


class RequestTemplate(Protocol):
    """What a template section says about one request (`RequestSpec`, `FollowUpRequest`)."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def body(self) -> str: ...


@dataclass(frozen=True, slots=True)
class HelpdeskRequest:
    """A fully rendered request. `headers` excludes credentials (the executor adds them);
    `idempotency_key` is sent as `Idempotency-Key` and makes a POST safe to retry."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | bytes | None = None
    idempotency_key: str | None = None


def render_url(template: str, variables: Mapping[str, str], *, tz: str = "UTC") -> str:
    """A request or popup URL: each value escaped for the part of the URL it lands in."""
    if "{{" not in template:
        return template
    return gotemplate.render(template, variables, escape="url", tz=tz)


def check_path(template: str, url: str) -> None:
    """Refuse a rendered URL whose path has an empty segment the template did not write
    (`/ticket/{{.TicketId}}/comment` with TicketId unset → `/ticket//comment`): a variable
    in the path is unset, and such a request would reach the wrong resource. Raises a
    `TemplateError` naming the URL's template."""
    path = urlsplit(url).path
    if "//" not in path:
        return
    if "//" in template.split("?", 1)[0].split("://", 1)[-1]:
        return  # the template itself asks for an empty segment
    raise TemplateError(
        f"a variable in the URL path is empty ({template!r} gave {path!r}); "
        "the request was not sent"
    )


def render_headers(text: str, variables: Mapping[str, str], *, tz: str = "UTC") -> dict[str, str]:
    """A templated JSON object of headers (F1) → dict; raises a permanent HelpdeskError when
    it does not render to a JSON object."""
    if not text.strip():
        return {}
    try:
        value = json.loads(gotemplate.render(text, variables, escape="json", tz=tz))
    except ValueError:
        raise HelpdeskError("request headers are not a JSON object", retryable=False) from None
    if not isinstance(value, dict):
        raise HelpdeskError("request headers are not a JSON object", retryable=False)
    return {str(k): str(v) for k, v in value.items()}


def render_request(
    spec: RequestTemplate,
    variables: Mapping[str, str],
    *,
    tz: str = "UTC",
    headers: Mapping[str, str] | None = None,
    headers_json: str = "",
    idempotency_key: str | None = None,
    default_method: str = "GET",
) -> HelpdeskRequest:
    """Render `spec` over `variables`.

    `headers` are sent as given (the template's custom headers for this kind of request);
    `headers_json` is a templated JSON object rendered here and laid over them. A body gets
    `Content-Type: application/json` unless a header says otherwise. Raises ExpressionError
    when a template fails to render.
    """
    url = render_url(spec.url, variables, tz=tz)
    check_path(spec.url, url)
    body = gotemplate.render(spec.body, variables, escape="json", tz=tz) if spec.body else None
    sent: dict[str, str] = dict(headers or {})
    sent.update(render_headers(headers_json, variables, tz=tz))
    if body is not None and not any(name.lower() == "content-type" for name in sent):
        sent["Content-Type"] = JSON
    return HelpdeskRequest(
        method=(spec.method or default_method).upper(),
        url=url,
        headers=sent,
        body=body,
        idempotency_key=idempotency_key,
    )
