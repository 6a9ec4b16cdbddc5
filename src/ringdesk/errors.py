"""The exception tree shared by every part of ringdesk: every error raised on purpose is a
`RingdeskError`, and its class says what the caller (and the outbox worker) should do.

    RingdeskError
    ├── ConfigError            the service's settings are unusable
    ├── InputError             what an admin sent is invalid: `problems` [(field, message)]
    ├── EventFormatError       a call event is malformed: `problems` [{field, message}]
    ├── TemplateError          a template cannot be loaded or used: `line`, `column`, `field`
    ├── OAuthStateError        an OAuth2 `state` is forged, expired, unknown or used
    ├── TokenResponseError     a token endpoint's answer carries no usable token
    ├── ConnectError           connecting an integration failed (message safe to show)
    ├── Deferred               outbox: put the job back uncounted, due after `delay`
    ├── NotFound               what the work refers to is gone (a deleted integration)
    └── HelpdeskError          a helpdesk request failed: `retryable`, `status`, ...
        └── HelpdeskAuthError  refused credentials (401/403 after a refresh, or the
                               refresh itself failed): work waits, it is never dropped

Expression errors (`ringdesk.expressions.ExpressionError`, a `ValueError`) are raised by the
pure engines; the outbox treats them like a `TemplateError`: the job can never succeed.
Anything else reaching the outbox worker is a bug: retried with backoff, logged with its
traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConfigError",
    "ConnectError",
    "Deferred",
    "EventFormatError",
    "HelpdeskAuthError",
    "HelpdeskError",
    "InputError",
    "NotFound",
    "OAuthStateError",
    "RingdeskError",
    "TemplateError",
    "TokenResponseError",
]


class RingdeskError(Exception):
    """Base of every error ringdesk raises on purpose."""


class ConfigError(RingdeskError):
    """The service's settings are unusable (missing key file, bad database URL...)."""


class InputError(RingdeskError, ValueError):
    """What an admin sent is invalid; `problems` lists `(field, message)` pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.problems))


class EventFormatError(RingdeskError, ValueError):
    """A call event is malformed; `problems` lists `{"field", "message"}` dicts."""

    def __init__(self, problems: list[dict[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))


class TemplateError(RingdeskError):
    """A template cannot be loaded or used; carries where (line, column, and the template
    `field`, e.g. `ContactSearch.ContactType[0].Request.Url`) when known."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ):
        self.message = message
        self.line = line
        self.column = column
        self.field = field
        where = f"line {line}" if line is not None else ""
        if where and column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}" if where else message)


class OAuthStateError(RingdeskError, ValueError):
    """An OAuth2 `state` is forged, expired, unknown or already used (A5)."""


class TokenResponseError(RingdeskError, ValueError):
    """A token endpoint's answer carries no usable access token (A5, A6)."""


class ConnectError(RingdeskError):
    """Connecting an integration failed; the message is redacted and safe to show."""


class Deferred(RingdeskError):
    """Put an outbox job back, due after `delay` seconds, without counting the attempt
    (e.g. the contact it refers to is still being created)."""

    def __init__(self, reason: str, *, delay: float = 1.0):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class NotFound(RingdeskError, LookupError):
    """What the work refers to no longer exists (e.g. its integration was deleted)."""


class HelpdeskError(RingdeskError):
    """A helpdesk request failed. `retryable` says whether trying again may help;
    `status` is the final HTTP status (None when no answer came), `retry_after` the
    helpdesk's `Retry-After` in seconds, `body` a redacted excerpt of its answer."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        body: str = "",
    ):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.body = body


class HelpdeskAuthError(HelpdeskError):
    """The helpdesk refused our credentials even after a refresh, or the refresh failed.

    Always retryable: the work waits (A8) until the token is fixed or the integration is
    reconnected; `needs_reconnect` is True when a refresh really failed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        needs_reconnect: bool = False,
    ):
        super().__init__(message, retryable=True, status=status, body=body)
        self.needs_reconnect = needs_reconnect
