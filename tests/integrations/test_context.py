"""Building an integration's context (pure): variables, basic_string, bearer AccessToken,
secret values for redaction."""

from __future__ import annotations

from tests.integrations.support import template_xml

from ringdesk.integrations.context import build_context, is_secret_name
from ringdesk.templates import load_xml


def _ctx(method: str, auth: str, secrets: dict[str, str]):
    template = load_xml(
        template_xml(
            method=method,
            fields='<Field type="text" name="user" title="U"/>'
            '<Field type="password" name="key" title="K"/>',
            auth=auth,
        )
    )
    return build_context(
        integration_id=1,
        name="n",
        template_id="t",
        template=template,
        fields={"user": "ada"},
        secrets=secrets,
        persisted={"user_id": "7"},
        options={},
        status="connected",
        public_url="https://rd.example/",
    )


def test_basic_string_and_secret_values():
    """A4: basic_string = Base64 of the rendered format; it and its parts are secrets."""
    ctx = _ctx("basic", "<Basic><Format>{{.user}}:{{.key}}</Format></Basic>", {"key": "k3y!"})
    assert ctx.variables["basic_string"] == "YWRhOmszeSE="
    assert ctx.variables["redirect_uri"] == "https://rd.example/api/v1/oauth/callback"
    assert ctx.variables["user_id"] == "7"
    assert {"k3y!", "YWRhOmszeSE=", "ada:k3y!"} <= ctx.secret_values
    assert ctx.options.timezone == "UTC"


def test_bearer_token_becomes_access_token():
    """A7: the rendered Token template is the AccessToken."""
    ctx = _ctx("bearer", "<Bearer><Token>{{.key}}</Token></Bearer>", {"key": "tok-123"})
    assert ctx.variables["AccessToken"] == "tok-123"
    assert "tok-123" in ctx.secret_values


def test_secret_looking_names():
    assert [
        n
        for n in ("session_token", "apiKey", "user_id", "Password2", "region")
        if is_secret_name(n)
    ] == [
        "session_token",
        "apiKey",
        "Password2",
    ]
