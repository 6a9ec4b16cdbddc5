"""The retry policy for helpdesk requests (pure): which outcomes are worth another try, and
how long to wait — exponential backoff with jitter, or the peer's `Retry-After`.
"""

from __future__ import annotations

import email.utils
import math
from dataclasses import dataclass

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "is_retryable_status",
    "may_retry_method",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# 4xx answers that mean "later" rather than "never"; every 5xx is retryable too.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


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
class RetryPolicy:
    """How many attempts, and how long between them.

    `max_inline_wait`: a longer `Retry-After` is not slept on inside a request; the error
    carries it back so the durable outbox can reschedule instead of holding a worker.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    jitter: float = 0.5  # fraction of the backoff taken off at random
    max_inline_wait: float = 15.0

    def backoff(self, attempt: int, rand: float) -> float:
        """Delay after failed attempt number `attempt` (1-based); `rand` in [0, 1)."""
        raw = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return raw * (1.0 - self.jitter * rand)

    def delay(self, attempt: int, retry_after: float | None, rand: float) -> float | None:
        """Seconds to wait before the next attempt, or None when no attempt is left or the
        peer asks for a wait too long to take inline."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_inline_wait:
                return None
            return retry_after if retry_after > 0 else self.backoff(attempt, rand)
        return self.backoff(attempt, rand)
