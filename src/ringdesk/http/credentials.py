"""How a request is authenticated, as the executor sees it: a strategy object instead of
boolean switches. Static credentials (none, Basic, a fixed bearer token) never change;
OAuth2 credentials (`ringdesk.auth.tokens`) may be renewed once after a 401 (A8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["NO_CREDENTIALS", "Credentials", "StaticCredentials"]


class Credentials(Protocol):
    """The headers that authenticate a request, and what to do when they are refused."""

    async def headers(self) -> Mapping[str, str]:
        """The credential headers to send now (e.g. `Authorization`)."""
        ...

    def current(self, held: Mapping[str, str]) -> Mapping[str, str]:
        """The headers to send now, `held` having been read earlier (before the wait for a
        request slot): newer ones when this process has learnt of them meanwhile, else
        `held`. No I/O."""
        ...

    async def renew(self, refused: Mapping[str, str]) -> bool:
        """The helpdesk answered 401 to `refused`; return True when new headers are worth
        one more try. Raises `HelpdeskError` when renewing failed."""
        ...


@dataclass(frozen=True)
class StaticCredentials:
    """Headers that never change: Basic auth (A4), a fixed bearer token (A7), or none."""

    values: Mapping[str, str] = field(default_factory=dict)

    async def headers(self) -> Mapping[str, str]:
        return self.values

    def current(self, held: Mapping[str, str]) -> Mapping[str, str]:
        return held

    async def renew(self, refused: Mapping[str, str]) -> bool:
        return False


NO_CREDENTIALS = StaticCredentials()
