"""Connect-field values (A2): `url` fields hold an absolute http(s) base URL (issue 13)."""

from __future__ import annotations

import pytest

from ringdesk.templates.connect import field_value_error, normalise_url_value, url_value_error
from ringdesk.templates.model import ConnectField


@pytest.mark.parametrize(
    "value",
    [
        "https://rt.example.com",
        "http://127.0.0.1:8090",
        "https://rt.example.com/rt/",
        "HTTPS://RT.EXAMPLE.COM",
        "http://[::1]:8080",
        "  https://desk.example.com  ",
    ],
    ids=["https", "http-port", "path", "upper-case", "ipv6", "surrounding-spaces"],
)
def test_usable_base_urls(value):
    assert url_value_error(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "required"),
        ("rt.example.com", "http:// or https://"),
        ("ftp://rt.example.com", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://", "host"),
        ("https:///path", "host"),
        ("https://user:pw@rt.example.com", "user name or password"),
        ("https://rt.example.com:99999", "not a valid URL"),
        ("https://rt.example.com:0", "port 0"),
        ("https://rt.example.com/?tenant=1", "query"),
        ("https://rt.example.com/#x", "fragment"),
        ("https://rt.example.com/?", "query"),
        ("https://rt.exa mple.com", "spaces"),
        ("https://rt.example.com/\r\nX-Evil: 1", "control characters"),
        ("https://[::1", "not a valid URL"),
    ],
    ids=[
        "empty",
        "no-scheme",
        "ftp",
        "javascript",
        "no-host",
        "empty-host",
        "credentials",
        "bad-port",
        "port-zero",
        "query",
        "fragment",
        "bare-question-mark",
        "space",
        "crlf",
        "broken-ipv6",
    ],
)
def test_unusable_base_urls_say_why(value, fragment):
    error = url_value_error(value)
    assert error is not None
    assert fragment in error


def test_normalise_drops_trailing_slashes():
    assert normalise_url_value(" https://rt.example.com/rt// ") == "https://rt.example.com/rt"


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        (ConnectField(type="url", name="base_url"), "https://rt.example.com", True),
        (ConnectField(type="url", name="base_url"), "rt.example.com", False),
        (ConnectField(type="select", name="r", options="eu,us"), "eu", True),
        (ConnectField(type="select", name="r", options="eu,us"), "apac", False),
        (ConnectField(type="text", name="t"), "anything/at:all", True),
        (ConnectField(type="url", name="base_url"), "", True),  # emptiness is the caller's call
    ],
    ids=["url-ok", "url-bad", "select-ok", "select-bad", "text", "empty"],
)
def test_field_value_error_by_type(field, value, ok):
    assert (field_value_error(field, value) is None) is ok
