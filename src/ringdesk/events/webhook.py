"""The documented JSON webhook (api.md "Call event"): HMAC signatures and event parsing.

Pure: bytes in, a `CallEvent` or an `EventFormatError` naming the fields at fault out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import ValidationError

from ringdesk.errors import EventFormatError
from ringdesk.events.model import CallEvent

__all__ = [
    "MAX_EVENT_BYTES",
    "SIGNATURE_HEADER",
    "parse_event",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-Ringdesk-Signature"
# A call event is a few hundred bytes; anything this large is not one.
MAX_EVENT_BYTES = 64 * 1024


def sign(body: bytes, secret: str) -> str:
    """The header value for `body`: `sha256=<hex HMAC-SHA256>`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """True when `header` is the signature of `body` (constant-time comparison)."""
    if not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def parse_event(body: bytes | str | dict[str, Any]) -> CallEvent:
    """Parse one call event; raises `EventFormatError` naming each field at fault."""
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventFormatError([{"field": "body", "message": f"not JSON: {exc}"}]) from None
    if not isinstance(data, dict):
        raise EventFormatError([{"field": "body", "message": "must be a JSON object"}])
    try:
        return CallEvent.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": _field_name(err["loc"]), "message": str(err["msg"])}
            for err in exc.errors(include_url=False)
        ]
        raise EventFormatError(problems) from None
