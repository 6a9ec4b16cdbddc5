"""Secrets out of the access log: uvicorn logs every request's path with its query string,
which carries the Yeastar webhook `?token=`, agent `?key=`, setup `?code=` and OAuth2
`?code=`/`?state=` values. A filter on the `uvicorn.access` logger masks those values (and
any parameter whose name looks secret) before a handler sees the record.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from ringdesk.redact import MASK, is_secret_name

__all__ = ["ACCESS_LOGGER", "AccessLogFilter", "protect_access_log", "redact_target"]

ACCESS_LOGGER = "uvicorn.access"
_ALWAYS = frozenset({"token", "key", "code", "state"})


def _secret_param(name: str) -> bool:
    plain = unquote_plus(name).strip().lower()
    return plain in _ALWAYS or is_secret_name(plain)


def redact_target(target: str) -> str:
    """`path?query` with the values of secret parameters masked."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    parts = query.split("&")
    for i, part in enumerate(parts):
        name, eq, value = part.partition("=")
        if eq and value and _secret_param(name):
            parts[i] = f"{name}={MASK}"
    return f"{path}?{'&'.join(parts)}"


class AccessLogFilter(logging.Filter):
    """Masks secret query values in uvicorn's access records (`client - "METHOD target
    HTTP/x" status`, the target being the third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            cleaned = redact_target(args[2])
            if cleaned != args[2]:
                record.args = (*args[:2], cleaned, *args[3:])
        elif "?" in str(record.msg):
            record.msg = " ".join(redact_target(word) for word in str(record.msg).split(" "))
        return True


_FILTER = AccessLogFilter()


def protect_access_log() -> None:
    """Install the filter on uvicorn's access logger (idempotent; a logging configuration
    applied later keeps logger filters)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
