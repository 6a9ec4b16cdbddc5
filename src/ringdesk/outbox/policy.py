"""RetryPolicy: when a failed delivery is tried again, and when it is given up (pure).

Exponential backoff with full-range jitter, a cap, a maximum number of attempts, and the
helpdesk's `Retry-After` honoured (L3). The caller passes the random source, so the result is
deterministic in tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Decision", "RetryPolicy"]


@dataclass(frozen=True)
class Decision:
    """What to do with a job after a failed attempt: retry after `delay` seconds, or fail."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff `base * factor**(attempt-1)` capped at `max_delay`, jittered by ±`jitter`.

    `attempts` counts the attempts already made (1 after the first failure). A permanent error
    (`retryable=False`) or reaching `max_attempts` fails the job. A `retry_after` from the
    helpdesk is a lower bound for the delay (capped at `max_retry_after` so a silly header
    cannot park a job for days).
    """

    base: float = 2.0
    factor: float = 2.0
    max_delay: float = 600.0
    max_attempts: int = 12
    jitter: float = 0.2
    max_retry_after: float = 3600.0

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """The jittered delay before attempt `attempts + 1`."""
        exponent = max(0, attempts - 1)
        # Cap the exponent before the power so a huge attempt count cannot overflow.
        raw = self.base * self.factor ** min(exponent, 64)
        delay = min(self.max_delay, raw)
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
        rng: random.Random | None = None,
    ) -> Decision:
        """Decide after attempt number `attempts` failed."""
        if not retryable:
            return Decision(retry=False, reason="permanent error")
        if attempts >= self.max_attempts:
            return Decision(retry=False, reason=f"gave up after {attempts} attempts")
        delay = self.backoff(attempts, rng)
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.max_retry_after))
        return Decision(retry=True, delay=delay)
