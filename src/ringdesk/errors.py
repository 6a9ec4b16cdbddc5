"""The exception tree shared by every part of ringdesk."""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "PeerError",
    "RingdeskError",
    "TemplateError",
]


class RingdeskError(Exception):
    """Base of every error ringdesk raises on purpose."""


class ConfigError(RingdeskError):
    """The service's settings are unusable (missing key file, bad database URL...)."""


class TemplateError(RingdeskError):
    """A template cannot be loaded; carries where (line, column) when known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}" if line is not None else ""
        if where and column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}" if where else message)


class AuthError(RingdeskError):
    """Connecting or refreshing credentials with a helpdesk failed."""


class PeerError(RingdeskError):
    """A helpdesk request failed; `retryable` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)
