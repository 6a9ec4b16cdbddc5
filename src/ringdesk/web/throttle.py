"""Login throttling: failed logins are counted per account and per client address, in tiers
whose windows grow (by default 5 a minute, 10 in 15 minutes, 30 an hour per account), so
each further burst of guesses waits longer: a minute, then a quarter of an hour, then an hour.

The counting is the `limits` library's fixed-window strategy; its counters live in the
database (`DatabaseStorage`, a `limits` storage over `store.admin`), so every ringdesk process
on one PostgreSQL sees the same counts, and a restart forgets nothing. Only failures count,
and a successful login clears its account's counters.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from ringdesk.clock import Clock
from ringdesk.store import admin
from ringdesk.store.db import Database

__all__ = ["DatabaseStorage", "LoginThrottle", "parse_limits"]


class DatabaseStorage(Storage):
    """A `limits` storage whose counters are rows of `login_failures`."""

    STORAGE_SCHEME = None

    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__()
        self.database = database
        self.clock = clock

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (OSError,)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.database.session() as session:
            return admin.failure_incr(
                session, key, expiry=expiry, amount=amount, now=self.clock.now()
            )

    def get(self, key: str) -> int:
        with self.database.session() as session:
            return admin.failure_count(session, key, now=self.clock.now())

    def get_expiry(self, key: str) -> float:
        with self.database.session() as session:
            return admin.failure_expiry(session, key, now=self.clock.now())

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return None

    def clear(self, key: str) -> None:
        with self.database.session() as session:
            admin.failure_clear(session, key)


def parse_limits(text: str) -> list[RateLimitItem]:
    """`5/minute;10/15 minutes` → limits; ValueError naming the text when it is not that."""
    try:
        return list(parse_many(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a list of limits such as '5/minute;10/15 minutes;30/hour'"
        ) from None


@dataclass(frozen=True)
class _Check:
    item: RateLimitItem
    namespace: str
    identity: str


class LoginThrottle:
    """Whether a login may be tried now, and the bookkeeping of its outcome."""

    def __init__(
        self, database: Database, clock: Clock, *, per_account: str, per_address: str
    ) -> None:
        self.clock = clock
        self.limiter = FixedWindowRateLimiter(DatabaseStorage(database, clock))
        self.per_account = parse_limits(per_account)
        self.per_address = parse_limits(per_address)

    def _checks(self, username: str, address: str) -> list[_Check]:
        account = username.strip().lower()[:100]
        return [_Check(item, "login-account", account) for item in self.per_account] + [
            _Check(item, "login-address", address[:60]) for item in self.per_address
        ]

    def wait_seconds(self, username: str, address: str) -> float:
        """0 when a login may be tried; else how long until it may (a full tier)."""
        now = self.clock.now()
        wait = 0.0
        for check in self._checks(username, address):
            if not self.limiter.test(check.item, check.namespace, check.identity):
                stats = self.limiter.get_window_stats(check.item, check.namespace, check.identity)
                wait = max(wait, stats.reset_time - now)
        return wait

    def failed(self, username: str, address: str) -> None:
        for check in self._checks(username, address):
            self.limiter.hit(check.item, check.namespace, check.identity)

    def succeeded(self, username: str) -> None:
        for check in self._checks(username, ""):
            if check.namespace == "login-account":
                self.limiter.clear(check.item, check.namespace, check.identity)
