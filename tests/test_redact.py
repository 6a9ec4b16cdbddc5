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
