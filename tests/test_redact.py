"""Redaction (A9): by value and its encodings, by header name, by query/body key name."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from ringdesk.redact import MASK, Redactor

SECRET = "pa$$ w0rd&x"


@pytest.mark.parametrize(
    "text",
    [
        f"password is {SECRET}",
        f"q={quote(SECRET, safe='')}",
        json.dumps({"p": SECRET}),
        base64.b64encode(SECRET.encode()).decode(),
    ],
    ids=["plain", "url-encoded", "json-escaped", "base64"],
)
def test_secret_values_masked_in_every_encoding(text):
    out = Redactor([SECRET]).text(text)
    assert SECRET not in out
    assert quote(SECRET, safe="") not in out
    assert MASK in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"access_token": "abc", "x": 1}', '{"access_token": "***", "x": 1}'),
        ('{"refresh_token":"r\\"q"}', '{"refresh_token":"***"}'),
        (
            "grant_type=refresh_token&refresh_token=zzz&client_id=c",
            "grant_type=refresh_token&refresh_token=***&client_id=c",
        ),
        ("code=abc&state=s", "code=***&state=s"),
        ("postal_code=12345", "postal_code=12345"),
    ],
    ids=["json-key", "json-escaped-quote", "form", "code", "lookalike-kept"],
)
def test_secret_keys_masked(text, expected):
    assert Redactor().text(text) == expected


def test_url_masks_query_params_and_userinfo():
    red = Redactor(["hunter22"])
    url = "https://user:pw@h.example/p/hunter22?token=t1&page=2&client_secret=cs"
    assert red.url(url) == "https://***@h.example/p/***?token=***&page=2&client_secret=***"


def test_headers_masked_by_name_and_value():
    red = Redactor(["hunter22"])
    out = red.headers(
        {"Authorization": "Bearer x", "X-Api-Key": "k", "X-Note": "hunter22", "Accept": "a"}
    )
    assert out == {"Authorization": MASK, "X-Api-Key": MASK, "X-Note": MASK, "Accept": "a"}


def test_short_values_are_not_masked_everywhere():
    assert Redactor(["1"]).text("page 1") == "page 1"


# -- the HTTP loggers' filter stays bounded (issue 12: flat memory) -------------------------
def _masked(log_filter, message: str) -> str:
    import logging

    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, message, None, None)
    log_filter.filter(record)
    return record.getMessage()


def test_an_integrations_rotating_tokens_do_not_pile_up():
    from ringdesk.redact import _LogFilter

    log_filter = _LogFilter()
    log_filter.remember(["static-api-key-1"], owner="other")
    for n in range(1000):  # a token refreshed every few seconds for an hour
        log_filter.remember(["client-secret-x", f"access-token-{n:04d}"], owner=1)
    assert log_filter.remembered() == 4  # the other's key, the secret, the last two tokens
    line = "GET https://h/x?t=access-token-0999&u=access-token-0998 static-api-key-1"
    assert _masked(log_filter, line) == f"GET https://h/x?t={MASK}&u={MASK} {MASK}"
    assert "access-token-0997" in _masked(log_filter, "access-token-0997")
    log_filter.forget(1)
    assert log_filter.remembered() == 1


def test_values_without_an_owner_are_a_bounded_lru():
    from ringdesk.redact import _UNOWNED_LIMIT, _LogFilter

    log_filter = _LogFilter()
    log_filter.remember([f"value-{n:05d}" for n in range(_UNOWNED_LIMIT * 3)])
    assert log_filter.remembered() == _UNOWNED_LIMIT
    newest = f"value-{_UNOWNED_LIMIT * 3 - 1:05d}"
    assert _masked(log_filter, newest) == MASK
    assert _masked(log_filter, "value-00000") == "value-00000"
