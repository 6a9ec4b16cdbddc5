"""The conversion of the PBX root and AuthMethod scenario, element by element: what each
becomes in the ringdesk template, and exactly what the report says of it (issue 15 item 4;
the scenarios are in test_pbx_convert_scenarios)."""

from __future__ import annotations

from ringdesk.templates import model as m
from ringdesk.templates.pbx_convert import convert_pbx
from ringdesk.templates.pbx_read import read_pbx
from tests.templates.pbx_build import (
    AUTH,
    Case,
    cases,
    field_param,
    out,
    param,
    pbx,
    request,
    scenario,
)

OAUTH = param("AuthMethod", "oauth2") + param("AuthEndPoint", "https://h/a")
OAUTH += param("TokenEndPoint", "https://h/t")
NEVER = '<Parameter Father="AuthOption" Name="NoNeedRefreshAccessToken" Value="{}"/>'
HEADER = '<Parameter Father="PopulateTemplateString" Name="{}" Type="{}" Value="{}"/>'
SEARCH = scenario("SyncContactAuto", request("C", "{{.base}}/c", out("ContactsId", "i")))
REFRESH_BODY = (
    "grant_type=refresh_token&refresh_token={{.RefreshToken}}"
    "&client_id={{.client_id}}&client_secret={{.client_secret}}"
)


def _auth(t: m.Template) -> m.Authentication:
    return t.authentication


ROWS = [
    # ---- the root ------------------------------------------------------------------------
    Case(
        "general",
        pbx(root=' Remark="notes" MaxConcurrentRequest="7"'),
        lambda t: t.general,
        m.General(name="T", max_concurrent_requests=7, notes="notes"),
    ),
    Case(
        "concurrency-missing",
        pbx(root=""),
        lambda t: t.general.max_concurrent_requests,
        10,
        {("changed", "Information")},
    ),
    Case(
        "concurrency-not-a-number",
        pbx(root=' MaxConcurrentRequest="many"'),
        lambda t: t.general.max_concurrent_requests,
        10,
        {("unmapped", "Information@MaxConcurrentRequest")},
    ),
    Case(
        "key-logo-version",
        pbx(root=' MaxConcurrentRequest="3" Key="k" Logo="l.png" Version="1"'),
        lambda t: t.general.logo,
        None,
        {
            ("unmapped", "Information@Key"),
            ("unmapped", "Information@Logo"),
            ("unmapped", "Information@Version"),
        },
    ),
    Case(
        "provider-crm",
        pbx().replace('Provider="helpdesk"', 'Provider="crm"'),
        lambda t: t.general.name,
        "T",
        {("changed", "Information@Provider")},
    ),
    # ---- the method ----------------------------------------------------------------------
    Case(
        "authtype-attribute",
        pbx(
            root=' MaxConcurrentRequest="3" AuthType="basic"',
            auth=param("Base64EncodedCredential", "{{.k}}") + field_param("k"),
        ),
        lambda t: (t.authentication.method, t.authentication.basic),
        ("basic", m.Basic(format="{{.k}}")),
    ),
    Case(
        "authmethod-wins-over-authtype",
        pbx(
            root=' MaxConcurrentRequest="3" AuthType="none"',
            auth=param("AuthMethod", "bearer") + param("AccessToken", "{{.k}}"),
        ),
        lambda t: t.authentication.bearer,
        m.Bearer(token="{{.k}}"),
        {("changed", "Information@AuthType")},
    ),
    Case(
        "authmethod-case",
        pbx(auth=param("AuthMethod", "Basic") + param("Base64EncodedCredential", "x")),
        lambda t: t.authentication.method,
        "basic",
        {("changed", f"{AUTH}[AuthMethod]")},
    ),
    Case(
        "authmethod-unknown",
        pbx(auth=param("AuthMethod", "digest")),
        lambda t: t.authentication.method,
        "none",
        {("unmapped", f"{AUTH}[AuthMethod]")},
    ),
    # ---- basic ---------------------------------------------------------------------------
    Case(
        "basic-api-key",
        pbx(
            auth=param("AuthMethod", "basic")
            + param("CredentialType", "api_key")
            + param("Base64EncodedCredential", "{{.e}}/token:{{.k}}")
        ),
        lambda t: t.authentication.basic,
        m.Basic(credential_type="api_key", format="{{.e}}/token:{{.k}}"),
    ),
    Case(
        "credential-type-spelt-otherwise",
        pbx(
            auth=param("AuthMethod", "basic")
            + param("CredentialType", "UsernamePassword")
            + param("Base64EncodedCredential", "x")
        ),
        lambda t: t.authentication.basic.credential_type,
        "username_password",
        {("changed", f"{AUTH}[CredentialType]")},
    ),
    Case(
        "credential-type-unknown",
        pbx(
            auth=param("AuthMethod", "basic")
            + param("CredentialType", "certificate")
            + param("Base64EncodedCredential", "x")
        ),
        lambda t: t.authentication.basic.credential_type,
        "username_password",
        {("unmapped", f"{AUTH}[CredentialType]")},
    ),
    # ---- oauth2 --------------------------------------------------------------------------
    Case(
        "oauth2",
        pbx(
            auth=OAUTH
            + param("TokenType", "Bearer")
            + param("Scope", "a.read,b.write")
            + param("AdditionalQueryString", "x=1")
        ),
        lambda t: t.authentication.oauth2,
        m.OAuth2(
            authorize_url="https://h/a",
            token_url="https://h/t",
            scopes="a.read,b.write",
            extra_query="x=1",
        ),
    ),
    Case(
        "token-type-is-the-scheme",
        pbx(auth=OAUTH + param("TokenType", "token")),
        lambda t: t.authentication.scheme,
        "token",
    ),
    Case(
        "scopes-with-spaces",
        pbx(auth=OAUTH + param("Scope", "read write")),
        lambda t: t.authentication.oauth2.scope_list,
        ["read", "write"],
        {("changed", f"{AUTH}[Scope]")},
    ),
    Case(
        "never-refresh",
        pbx(
            auth=OAUTH
            + NEVER.format(1)
            + field_param("client_id")
            + field_param("client_secret", "password")
        ),
        lambda t: t.authentication.oauth2.refresh,
        m.Refresh(interval_minutes=0, url="https://h/t", body=REFRESH_BODY),
        {("changed", f"{AUTH}[AuthOption/NoNeedRefreshAccessToken]")},
    ),
    Case(
        "refresh-as-usual",
        pbx(auth=OAUTH + NEVER.format(0)),
        lambda t: t.authentication.oauth2.refresh,
        None,
    ),
    Case(
        "token-error-map",
        pbx(
            auth=OAUTH + '<Parameter Father="TokenErrorMap" Type="TokenInvalid" '
            'Name="TokenInvalid" Value="invalid_token"/>'
        ),
        lambda t: t.authentication.method,
        "oauth2",
        {("unmapped", f"{AUTH}[TokenErrorMap/TokenInvalid]")},
    ),
    Case(
        "auth-option-unknown",
        pbx(auth=OAUTH + '<Parameter Father="AuthOption" Name="PKCE" Value="1"/>'),
        lambda t: t.authentication.oauth2.refresh,
        None,
        {("unmapped", f"{AUTH}[AuthOption/PKCE]")},
    ),
    # ---- bearer --------------------------------------------------------------------------
    Case(
        "bearer-access-token",
        pbx(
            auth=param("AuthMethod", "bearer")
            + param("TokenType", "token")
            + param("AccessToken", "{{.api_token}}")
        ),
        lambda t: t.authentication.bearer,
        m.Bearer(scheme="token", token="{{.api_token}}"),
    ),
    Case(
        "bearer-token-is-the-password-field",
        pbx(auth=param("AuthMethod", "bearer") + field_param("secret", "password")),
        lambda t: t.authentication.bearer.token,
        "{{.secret}}",
        {("changed", f"{AUTH}[CustomFieldList/secret]")},
    ),
    Case(
        "bearer-from-a-token-endpoint-is-oauth2",
        pbx(auth=OAUTH.replace('"oauth2"', '"bearer"')),
        lambda t: (t.authentication.method, t.authentication.oauth2.token_url),
        ("oauth2", "https://h/t"),
        {("changed", f"{AUTH}[AuthMethod]")},
    ),
    Case(
        "parameters-of-another-method",
        pbx(auth=param("AuthMethod", "none") + param("TokenEndPoint", "x") + param("Scope")),
        lambda t: t.authentication,
        m.Authentication(),
        {("unmapped", f"{AUTH}[TokenEndPoint]")},
    ),
    Case(
        "unknown-parameter",
        pbx(auth=param("Realm", "x")),
        lambda t: t.authentication,
        m.Authentication(),
        {("unmapped", f"{AUTH}[Realm]")},
    ),
    # ---- connect fields ------------------------------------------------------------------
    Case(
        "fields",
        pbx(
            auth=field_param("a")
            + field_param("b", "password", title="B")
            + field_param("c", "select", "eu,us")
        ),
        lambda t: t.authentication.fields,
        (
            m.ConnectField(type="text", name="a", title="T"),
            m.ConnectField(type="password", name="b", title="B"),
            m.ConnectField(type="select", name="c", title="T", options="eu,us"),
        ),
    ),
    Case(
        "field-editor-unknown",
        pbx(auth=field_param("a", "textarea")),
        lambda t: t.authentication.fields[0].type,
        "text",
        {("changed", f"{AUTH}[CustomFieldList/a]")},
    ),
    Case(
        "field-default-value",
        pbx(auth=field_param("a", value="x")),
        lambda t: t.authentication.fields[0],
        m.ConnectField(name="a", title="T"),
        {("changed", f"{AUTH}[CustomFieldList/a]")},
    ),
    Case(
        "password-default-is-not-repeated",
        pbx(auth=field_param("k", "password", value="s3cret-value")),
        lambda t: t.authentication.fields[0].type,
        "password",
        {("changed", f"{AUTH}[CustomFieldList/k]")},
    ),
    Case(
        "field-key-differs-from-name",
        pbx(
            auth='<Parameter Father="CustomFieldList" Name="Domain" Editor="string" '
            'Title="D" Key="domain"/>'
        ),
        lambda t: t.authentication.fields[0].name,
        "domain",
        {("changed", f"{AUTH}[CustomFieldList/Domain]")},
    ),
    Case(
        "field-starting-urls-becomes-url",
        pbx(auth=field_param("base"), scenarios=SEARCH),
        lambda t: t.authentication.fields[0].type,
        "url",
        {("changed", f"{AUTH}[CustomFieldList/base]")},
    ),
    # ---- headers -------------------------------------------------------------------------
    Case(
        "headers",
        pbx(auth=HEADER.format("Accept", "Header", "application/json")),
        lambda t: t.headers,
        (m.Header(name="Accept", value="application/json", applies_to="scenarios,extra"),),
    ),
    Case(
        "header-of-unknown-type",
        pbx(auth=HEADER.format("X", "Query", "1")),
        lambda t: t.headers,
        (),
        {("unmapped", f"{AUTH}[PopulateTemplateString/X]")},
    ),
    Case(
        "header-in-the-root",
        pbx().replace(
            "<Parameters/>",
            "<Parameters>" + HEADER.format("X-A", "Header", "1") + param("Odd") + "</Parameters>",
            1,
        ),
        lambda t: [h.name for h in t.headers],
        ["X-A"],
        {("unmapped", "Information/Parameters/Parameter[Odd]")},
    ),
]


@cases(ROWS)
def test_each_element_converts(case):
    """covers issue 15 item 2: mapped elements say nothing; the rest is reported."""
    conversion = convert_pbx(read_pbx(case.text))
    assert case.pick(conversion.template) == case.expected
    assert {(f.kind, f.element) for f in conversion.findings} == case.findings
    assert set(conversion.statuses) == set(read_pbx(case.text).elements())


def test_a_password_default_never_appears_in_the_report():
    conversion = convert_pbx(read_pbx(pbx(auth=field_param("k", "password", value="s3cret-value"))))
    assert conversion.findings
    assert not any("s3cret-value" in f.message for f in conversion.findings)


def test_a_finding_names_line_and_column():
    text = pbx(auth="\n  " + param("Realm", "x"))
    [finding] = convert_pbx(read_pbx(text)).findings
    assert (finding.line, finding.column) == (2, 3)
    assert finding.message == "not a parameter ringdesk knows"


def test_a_note_inside_a_value_points_at_its_column():
    subject = param("Subject", "a {{Up .x}}")
    text = pbx(
        scenarios="\n" + scenario("CreateNewTicket", request("CreateNewTicket", "u"), subject)
    )
    [finding] = [f for f in convert_pbx(read_pbx(text)).findings if "Up" in f.message]
    line = text.splitlines()[finding.line - 1]
    assert line[finding.column - 1 :].startswith("Up .x")
