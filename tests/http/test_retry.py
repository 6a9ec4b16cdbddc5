"""The retry policy (pure): Retry-After parsing, backoff with jitter, what is retryable."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.http.retry import (
    RetryPolicy,
    is_retryable_status,
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
    assert is_retryable_status(status) is retryable


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


def test_backoff_grows_and_jitter_stays_in_bounds():
    policy = RetryPolicy(max_attempts=10, base_delay=1, max_delay=8, jitter=0.5)
    assert [policy.backoff(n, 0.0) for n in range(1, 6)] == [1, 2, 4, 8, 8]
    assert policy.backoff(3, 0.999) == pytest.approx(2.002, abs=0.01)


def test_delay_honours_retry_after_and_limits():
    policy = RetryPolicy(max_attempts=3, base_delay=1, max_inline_wait=10)
    assert policy.delay(1, 2.0, 0.0) == 2.0
    assert policy.delay(1, 0.0, 0.0) == 1.0  # "0" → normal backoff
    assert policy.delay(1, 60.0, 0.0) is None  # too long to wait inline: give it back
    assert policy.delay(3, None, 0.0) is None  # attempts used up
