"""Authorization and custom headers (A4–A7, H1–H3): the token scheme and header scopes."""

from __future__ import annotations

import pytest

from ringdesk.auth.schemes import auth_header, authorization_value
from ringdesk.integrations.headers import custom_headers
from ringdesk.templates import load_xml
from ringdesk.templates.model import Header


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("Bearer", "Bearer T0K"),
        ("token", "token T0K"),  # Request Tracker 5
        ("Token token=", "Token token=T0K"),  # Zammad: no space after `=`
        ("Zoho-oauthtoken", "Zoho-oauthtoken T0K"),
        ("", "Bearer T0K"),
    ],
    ids=["bearer", "rt-token", "zammad", "zoho", "blank"],
)
def test_token_header_uses_the_scheme(scheme, expected):
    # covers A7
    assert auth_header("bearer", {}, "T0K", scheme=scheme) == {"Authorization": expected}
    assert auth_header("oauth2", {"AccessToken": "T0K"}, scheme=scheme) == {
        "Authorization": expected
    }
    assert authorization_value(scheme, "T0K") == expected


def test_old_calls_keep_bearer_and_basic_ignores_the_scheme():
    """The `scheme` argument is optional: existing callers still get `Bearer`."""
    assert auth_header("bearer", {}, "x") == {"Authorization": "Bearer x"}
    assert auth_header("basic", {"basic_string": "YTpi"}, scheme="token") == {
        "Authorization": "Basic YTpi"
    }
    assert auth_header("bearer", {}, "", scheme="token") == {}
    assert auth_header("none", {}, "x", scheme="token") == {}


def test_template_scheme_reaches_the_header():
    """`<Bearer scheme="token">` → `Authentication.scheme` → `token <T>` (RT, issue 13)."""
    xml = """<HelpdeskTemplate><Authentication method="bearer">
      <Bearer scheme="token"><Token>{{.t}}</Token></Bearer></Authentication>
    </HelpdeskTemplate>"""
    template = load_xml(xml)
    scheme = template.authentication.scheme
    assert auth_header("bearer", {}, "abc", scheme=scheme) == {"Authorization": "token abc"}
    other = load_xml(xml.replace(' scheme="token"', ""))
    assert other.authentication.scheme == "Bearer"


HEADERS = (
    Header(name="Accept", value="application/json", applies_to="scenarios,followups,extra"),
    Header(name="X-Tenant", value="{{.tenant}}"),  # default: scenarios only (H2)
    Header(name="X-Token", value="t", applies_to="token"),
    Header(name="X-All", value="a", applies_to="scenarios, followups, extra, token"),
)


@pytest.mark.parametrize(
    ("scope", "names"),
    [
        ("scenarios", ["Accept", "X-Tenant", "X-All"]),
        ("followups", ["Accept", "X-All"]),
        ("extra", ["Accept", "X-All"]),
        ("token", ["X-Token", "X-All"]),
    ],
    ids=["scenarios", "followups", "extra", "token"],
)
def test_custom_headers_are_filtered_by_scope(scope, names):
    # covers H2
    headers = custom_headers(HEADERS, {"tenant": "acme"}, scope=scope)
    assert list(headers) == names


def test_custom_headers_default_scope_is_scenarios():
    assert custom_headers(HEADERS, {"tenant": "acme"}) == {
        "Accept": "application/json",
        "X-Tenant": "acme",
        "X-All": "a",
    }
