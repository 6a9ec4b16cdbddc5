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
    "MAX_JSON_DEPTH",
    "SIGNATURE_HEADER",
    "json_depth_error",
    "parse_event",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-Ringdesk-Signature"
# A call event is a few hundred bytes; anything this large is not one.
MAX_EVENT_BYTES = 64 * 1024
# A call event nests three levels deep; Python's JSON parser recurses per level and fails
# with RecursionError near 1,000, so deeper documents are refused before parsing.
MAX_JSON_DEPTH = 32


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


def json_depth_error(text: bytes | str, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why `text` nests deeper than `limit` arrays/objects (None when it does not); one pass
    that skips strings, so `"[[["` inside a value does not count."""
    raw = text.encode() if isinstance(text, str) else text
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return f"JSON nests deeper than {limit} levels"
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return None


def parse_event(body: bytes | str | dict[str, Any]) -> CallEvent:
    """Parse one call event; raises `EventFormatError` naming each field at fault (the
    `body` for a document that is not JSON, or nests too deep to be an event)."""
    data: Any = body
    if isinstance(body, bytes | str):
        too_deep = json_depth_error(body)
        if too_deep:
            raise EventFormatError([{"field": "body", "message": too_deep}])
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
