"""Authorization checks of the vendor fixtures: HTTP Basic, token schemes with any prefix
(`Bearer x`, `Zoho-oauthtoken x`, `Token token=x`), and an OAuth token store that issues,
refreshes (rotating or not) and expires tokens the way each vendor documents."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["AnyAuth", "Auth", "BasicAuth", "TokenAuth", "TokenStore"]


class TokenStore:
    """Issued OAuth tokens. `rotate` = every refresh returns a new refresh token and kills
    the old one (Zendesk, Jira); otherwise the same refresh token comes back or none."""

    def __init__(self, *, rotate: bool, access_ttl: int = 3600) -> None:
        self.rotate = rotate
        self.access_ttl = access_ttl
        self.access: set[str] = set()
        self.expired: set[str] = set()
        self.refresh: set[str] = set()
        self.dead_refresh: set[str] = set()
        self._lock = threading.Lock()

    def issue(self, access: str | None = None, refresh: str | None = None) -> tuple[str, str]:
        with self._lock:
            access = access or "at-" + secrets.token_hex(8)
            refresh = refresh or "rt-" + secrets.token_hex(8)
            self.access.add(access)
            self.refresh.add(refresh)
            return access, refresh

    def use_refresh(self, token: str) -> tuple[str, str | None] | None:
        """Trade a refresh token: (new access, new refresh or None); None if not valid."""
        with self._lock:
            if token not in self.refresh:
                return None
            access = "at-" + secrets.token_hex(8)
            self.access.add(access)
            if not self.rotate:
                return access, None
            self.refresh.discard(token)
            self.dead_refresh.add(token)
            new = "rt-" + secrets.token_hex(8)
            self.refresh.add(new)
            return access, new

    def expire_all(self) -> None:
        with self._lock:
            self.expired |= self.access
            self.access.clear()


class Auth:
    """Checks the Authorization header: returns 'ok', 'expired' or 'bad'."""

    def check(self, headers: Mapping[str, str]) -> tuple[str, str]:
        raise NotImplementedError


@dataclass
class BasicAuth(Auth):
    """HTTP Basic with one of the accepted `user:password` pairs."""

    accepted: set[tuple[str, str]]
    revoked: set[tuple[str, str]] = field(default_factory=set)

    def check(self, headers: Mapping[str, str]) -> tuple[str, str]:
        value = headers.get("authorization", "")
        if not value.startswith("Basic "):
            return "bad", ""
        try:
            user, _, password = base64.b64decode(value[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "bad", ""
        if (user, password) in self.revoked:
            return "expired", user
        return ("ok", user) if (user, password) in self.accepted else ("bad", "")


@dataclass
class TokenAuth(Auth):
    """`Authorization: {scheme} {token}`; a scheme ending in `=` takes no space
    (`Token token=abc`). Tokens come from `store` (OAuth) and/or `static` (API tokens)."""

    scheme: str
    store: TokenStore | None = None
    static: set[str] = field(default_factory=set)

    def check(self, headers: Mapping[str, str]) -> tuple[str, str]:
        value = headers.get("authorization", "")
        prefix = self.scheme if self.scheme.endswith("=") else self.scheme + " "
        if not value.startswith(prefix):
            return "bad", ""
        token = value[len(prefix) :]
        if token in self.static or (self.store and token in self.store.access):
            return "ok", token
        if self.store and token in self.store.expired:
            return "expired", token
        return "bad", ""


@dataclass
class AnyAuth(Auth):
    """The first of several schemes that accepts the header wins."""

    schemes: Sequence[Auth]

    def check(self, headers: Mapping[str, str]) -> tuple[str, str]:
        results = [scheme.check(headers) for scheme in self.schemes]
        for wanted in ("ok", "expired"):
            for result in results:
                if result[0] == wanted:
                    return result
        return "bad", ""
