"""The OAuth2 flow's pure parts (A5, A6): authorize URL, token requests, token responses."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from ringdesk.auth.oauth2 import (
    authorize_url,
    code_exchange_request,
    parse_token_response,
    refresh_request,
)
from ringdesk.errors import TokenResponseError
from ringdesk.templates.model import OAuth2, Refresh

VARS = {"client_id": "cid 1", "client_secret": "csecret", "RefreshToken": "r/1+2", "sub": "acme"}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_authorize_url_adds_the_standard_parameters():
    oauth = OAuth2(
        authorize_url="https://{{.sub}}.example.com/oauth/authorize",
        scopes="contacts.read, contacts.write",
        extra_query="audience={{.sub}}&prompt=consent",
    )
    url = authorize_url(oauth, VARS, state="S", redirect_uri="https://rd.example/cb")
    assert url.startswith("https://acme.example.com/oauth/authorize?")
    assert _query(url) == {
        "audience": ["acme"],
        "prompt": ["consent"],
        "response_type": ["code"],
        "client_id": ["cid 1"],
        "scope": ["contacts.read contacts.write"],
        "redirect_uri": ["https://rd.example/cb"],
        "state": ["S"],
    }


def test_authorize_url_keeps_what_the_template_already_set():
    oauth = OAuth2(
        authorize_url="https://x.example/auth?client_id={{.client_id}}&state=old",
        extra_query="redirect_uri={{.redirect_uri}}",
    )
    url = authorize_url(
        oauth, {**VARS, "redirect_uri": "https://rd/cb?a=1&b"}, state="S", redirect_uri="ignored"
    )
    query = _query(url)
    assert query["client_id"] == ["cid 1"]  # rendered with URL escaping, not duplicated
    assert query["redirect_uri"] == ["https://rd/cb?a=1&b"]
    assert query["state"] == ["S"]


@pytest.mark.parametrize(
    ("content_type", "decode"),
    [
        ("application/x-www-form-urlencoded", lambda b: {k: v[0] for k, v in parse_qs(b).items()}),
        ("application/json", json.loads),
    ],
    ids=["form", "json"],
)
def test_code_exchange_request(content_type, decode):
    oauth = OAuth2(token_url="https://{{.sub}}.example/token", token_content_type=content_type)
    request = code_exchange_request(oauth, VARS, code="c0de", redirect_uri="https://rd/cb")
    assert (request.method, request.url, request.headers["Content-Type"]) == (
        "POST",
        "https://acme.example/token",
        content_type,
    )
    assert decode(request.body) == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://rd/cb",
        "client_id": "cid 1",
        "client_secret": "csecret",
    }


def test_refresh_request_renders_the_template_body_escaped_for_its_type():
    oauth = OAuth2(
        refresh=Refresh(
            method="post",
            url="https://t.example/refresh",
            content_type="application/x-www-form-urlencoded",
            body="grant_type=refresh_token&refresh_token={{.RefreshToken}}",
        )
    )
    request = refresh_request(oauth, VARS)
    assert request.method == "POST"
    assert request.body == "grant_type=refresh_token&refresh_token=r%2F1%2B2"
    oauth_json = OAuth2(
        refresh=Refresh(
            url="https://t/r",
            content_type="application/json",
            body='{"rt":"{{.RefreshToken}}","q":"{{.client_id}}"}',
        )
    )
    assert json.loads(refresh_request(oauth_json, {**VARS, "client_id": 'a"b'}).body) == {
        "rt": "r/1+2",
        "q": 'a"b',
    }


def test_refresh_request_defaults_to_a_standard_grant():
    oauth = OAuth2(token_url="https://t/token")
    body = parse_qs(refresh_request(oauth, VARS).body)
    assert body["grant_type"] == ["refresh_token"]
    assert body["refresh_token"] == ["r/1+2"]


@pytest.mark.parametrize(
    ("text", "access", "refresh", "expires"),
    [
        ('{"access_token":"a","refresh_token":"r","expires_in":3600}', "a", "r", 3600.0),
        ('{"access_token":"a"}', "a", None, None),
        ('{"access_token":"a","expires_in":"60"}', "a", None, 60.0),
        ('{"data":{"access_token":"a","refresh_token":"r"}}', "a", "r", None),
        ("access_token=a&token_type=bearer", "a", None, None),
    ],
    ids=["full", "access-only", "string-expiry", "nested", "form-encoded"],
)
def test_token_responses(text, access, refresh, expires):
    result = parse_token_response(text)
    assert (result.access_token, result.refresh_token, result.expires_in) == (
        access,
        refresh,
        expires,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"error":"invalid_grant","error_description":"expired"}', "invalid_grant: expired"),
        ('{"token_type":"bearer"}', "no access_token"),
        ('{"access_token":""}', "no access_token"),
        ("{not json", "not valid JSON"),
        ('{"access_token":"a","expires_in":"soon"}', "not a number"),
    ],
    ids=["error-body-with-200", "no-token", "empty-token", "bad-json", "bad-expiry"],
)
def test_token_failures(text, message):
    with pytest.raises(TokenResponseError, match=message):
        parse_token_response(text)
