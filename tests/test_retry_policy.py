"""RetryPolicy: backoff growth, cap, jitter bounds, Retry-After, permanent errors (L3)."""

from __future__ import annotations

import random

import pytest

from ringdesk.retry import RetryPolicy

NO_JITTER = RetryPolicy(base=2.0, factor=2.0, max_delay=60.0, max_attempts=5, jitter=0.0)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (0, 2.0)],
    ids=["first", "second", "third", "fourth", "zero-is-first"],
)
def test_backoff_doubles(attempts, delay):
    """Without jitter the delay doubles per attempt."""
    assert NO_JITTER.backoff(attempts) == delay


def test_backoff_is_capped_even_for_huge_attempt_counts():
    """The cap holds and a huge exponent does not overflow."""
    assert NO_JITTER.backoff(10_000) == 60.0


def test_jitter_stays_within_its_band():
    """Jittered delays stay within ±jitter of the base delay."""
    policy = RetryPolicy(base=10.0, factor=1.0, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.backoff(1, rng) for _ in range(200)]
    assert all(8.0 <= d <= 12.0 for d in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("attempts", "retryable", "retry_after", "retry", "delay"),
    [
        (1, True, None, True, 2.0),
        (1, True, 30.0, True, 30.0),  # covers L3: Retry-After honoured on 429/503
        (3, True, 1.0, True, 8.0),  # a shorter Retry-After never shortens the backoff
        (1, True, 99_999.0, True, 3600.0),  # a silly Retry-After is capped
        (1, False, None, False, 0.0),  # permanent error: fail at once
        (5, True, None, False, 0.0),  # max attempts reached
    ],
    ids=["retry", "retry-after", "retry-after-shorter", "retry-after-capped", "permanent", "max"],
)
def test_decide(attempts, retryable, retry_after, retry, delay):
    """Retryable errors back off until max attempts; permanent ones fail."""
    decision = NO_JITTER.decide(attempts, retryable=retryable, retry_after=retry_after)
    assert decision.retry is retry
    assert decision.delay == delay
    if not retry:
        assert decision.reason
