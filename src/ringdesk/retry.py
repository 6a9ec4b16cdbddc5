"""When a failed helpdesk call is tried again (pure): one `RetryPolicy` for the retries
inside one request (`INLINE_RETRY`, seconds) and for the durable outbox (`DELIVERY_RETRY`,
minutes to an hour), plus which answers are worth another try and `Retry-After` parsing.

Backoff is exponential with jitter, capped, and a helpdesk's `Retry-After` is honoured
(L3): as a lower bound for the delay. A `Retry-After` longer than `max_retry_after` is
capped (`cap_retry_after`, the outbox: a silly header cannot park a job for days) or ends
the inline retries at once (the executor: the outbox reschedules instead of holding a
worker). The caller passes the random source, so results are deterministic in tests.
"""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "DELIVERY_RETRY",
    "IDEMPOTENT_METHODS",
    "INLINE_RETRY",
    "RETRYABLE_STATUSES",
    "Decision",
    "RetryPolicy",
    "may_retry_method",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# 4xx answers that mean "later" rather than "never"; every 5xx is retryable too.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


def may_retry_method(method: str, idempotency_key: str | None) -> bool:
    """Non-idempotent methods are retried only when the peer can deduplicate (a key)."""
    return method.upper() in IDEMPOTENT_METHODS or bool(idempotency_key)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date.

    Returns None when absent or unparseable; never negative.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt: retry after `delay` seconds, or give up."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff `base * factor**(attempts-1)` capped at `max_delay`, jittered by ±`jitter`.

    `attempts` counts the attempts already made (1 after the first failure). A permanent
    error (`retryable=False`) or reaching `max_attempts` gives up.
    """

    base: float = 2.0
    factor: float = 2.0
    max_delay: float = 600.0
    max_attempts: int = 12
    jitter: float = 0.2
    max_retry_after: float = 3600.0
    cap_retry_after: bool = True

    @staticmethod
    def retryable_status(status: int) -> bool:
        """An answer worth another try: 408, 425, 429 and every 5xx."""
        return status in RETRYABLE_STATUSES or status >= 500

    def backoff(self, attempts: int, rng: _Uniform | None = None) -> float:
        """The jittered delay before attempt `attempts + 1`."""
        exponent = max(0, attempts - 1)
        # Cap the exponent before the power so a huge attempt count cannot overflow.
        delay = min(self.max_delay, self.base * self.factor ** min(exponent, 64))
        if self.jitter:
            spread = (rng or random).uniform(-self.jitter, self.jitter)
            delay = max(0.0, delay * (1.0 + spread))
        return delay

    def decide(
        self,
        attempts: int,
        *,
        retryable: bool,
        retry_after: float | None = None,
        rng: _Uniform | None = None,
    ) -> Decision:
        """Decide after attempt number `attempts` failed."""
        if not retryable:
            return Decision(retry=False, reason="permanent error")
        if attempts >= self.max_attempts:
            return Decision(retry=False, reason=f"gave up after {attempts} attempts")
        delay = self.backoff(attempts, rng)
        if retry_after is not None and retry_after > 0:
            if retry_after > self.max_retry_after and not self.cap_retry_after:
                return Decision(retry=False, reason=f"Retry-After {retry_after:.0f} s")
            delay = max(delay, min(retry_after, self.max_retry_after))
        return Decision(retry=True, delay=delay)


# Inside one request: a few quick tries; a long Retry-After is left to the outbox.
INLINE_RETRY = RetryPolicy(
    base=0.5,
    max_delay=20.0,
    max_attempts=4,
    jitter=0.25,
    max_retry_after=15.0,
    cap_retry_after=False,
)
# The outbox's durable retries (L3); `outbox_max_attempts` overrides max_attempts.
DELIVERY_RETRY = RetryPolicy()
