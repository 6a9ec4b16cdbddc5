"""The retry policy (pure): Retry-After parsing, backoff with jitter, what is retryable."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.retry import (
    INLINE_RETRY,
    RetryPolicy,
    may_retry_method,
    parse_retry_after,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("1.5", 1.5),
        ("soon", None),
        ("nan", None),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
    ],
    ids=[
        "absent",
        "empty",
        "seconds",
        "padded",
        "zero",
        "negative",
        "fraction",
        "garbage",
        "nan",
        "http-date",
        "past-date",
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header, NOW) == expected


@given(st.text(max_size=40))
def test_parse_retry_after_never_raises(text):
    value = parse_retry_after(text, NOW)
    assert value is None or value >= 0


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (200, False),
        (400, False),
        (401, False),
        (404, False),
        (408, True),
        (425, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
    ],
)
def test_retryable_statuses(status, retryable):
    assert RetryPolicy.retryable_status(status) is retryable


@pytest.mark.parametrize(
    ("method", "key", "allowed"),
    [
        ("GET", None, True),
        ("PUT", None, True),
        ("POST", None, False),
        ("POST", "k", True),
        ("PATCH", None, False),
    ],
)
def test_non_idempotent_methods_need_a_key(method, key, allowed):
    assert may_retry_method(method, key) is allowed


class Fixed:
    """A random source that always gives the same point of the jitter band."""

    def __init__(self, fraction: float):
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction


def test_backoff_grows_and_jitter_stays_in_bounds():
    policy = RetryPolicy(max_attempts=10, base=1, max_delay=8, jitter=0.5)
    assert [policy.backoff(n, Fixed(0.5)) for n in range(1, 6)] == [1, 2, 4, 8, 8]
    assert policy.backoff(3, Fixed(1.0)) == pytest.approx(6.0)
    assert policy.backoff(3, Fixed(0.0)) == pytest.approx(2.0)


def test_inline_retries_honour_retry_after_and_give_long_waits_back():
    """A Retry-After within 15 s is waited inline; a longer one ends the inline retries so
    the outbox reschedules the job (L3), instead of holding a worker."""
    calm = Fixed(0.5)
    assert INLINE_RETRY.decide(1, retryable=True, retry_after=2.0, rng=calm).delay == 2.0
    assert INLINE_RETRY.decide(1, retryable=True, retry_after=0.0, rng=calm).delay == 0.5
    assert not INLINE_RETRY.decide(1, retryable=True, retry_after=60.0, rng=calm).retry
    assert not INLINE_RETRY.decide(4, retryable=True, rng=calm).retry  # attempts used up
