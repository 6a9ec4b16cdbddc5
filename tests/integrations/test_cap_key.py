"""What the G3 cap is per (`IntegrationContext.cap_key`, pure): the template and the
helpdesk account, named by the integration's non-secret connect field values."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integrations.support import template_xml

from ringdesk.integrations.context import IntegrationContext, build_context
from ringdesk.templates import load_xml

FIELDS = (
    '<Field type="url" name="base_url" title="URL"/>'
    '<Field type="text" name="subdomain" title="Subdomain"/>'
    '<Field type="select" name="region" title="Region" options="eu,us"/>'
    '<Field type="password" name="api_token" title="Token"/>'
    '<Field type="text" name="client_secret" title="Secret by its name"/>'
)
BASE = {"base_url": "https://acme.example.com", "subdomain": "acme", "region": "eu"}
SECRETS = {"api_token": "tok-1", "client_secret": "cs-1"}


def _ctx(
    fields: dict[str, Any] = BASE,
    secrets: dict[str, Any] = SECRETS,
    *,
    template_id: str = "desk",
    xml_fields: str = FIELDS,
) -> IntegrationContext:
    return build_context(
        integration_id=1,
        name="n",
        template_id=template_id,
        template=load_xml(template_xml(method="none", fields=xml_fields)),
        fields=fields,
        secrets=secrets,
        persisted={},
        options={},
        status="connected",
        public_url="https://rd.example/",
    )


# covers G3
@pytest.mark.parametrize(
    ("other", "shared"),
    [
        ({"fields": BASE}, True),
        ({"secrets": {"api_token": "tok-2", "client_secret": "cs-2"}}, True),
        ({"fields": {**BASE, "base_url": "HTTPS://Acme.example.com/"}}, True),
        ({"fields": {**BASE, "subdomain": " acme "}}, True),
        ({"fields": {**BASE, "base_url": "https://other.example.com"}}, False),
        ({"fields": {**BASE, "subdomain": "globex"}}, False),
        ({"fields": {**BASE, "region": "us"}}, False),
        ({"template_id": "desk-2"}, False),
    ],
    ids=[
        "same-account",
        "other-secrets-same-account",
        "url-case-and-trailing-slash",
        "text-spaces",
        "other-url",
        "other-text-field",
        "other-select-field",
        "other-template",
    ],
)
def test_integrations_share_a_cap_only_when_they_name_the_same_account(other, shared):
    assert (_ctx().cap_key == _ctx(**other).cap_key) is shared


def test_the_key_is_the_template_and_a_short_hash_never_a_value():
    key = _ctx().cap_key
    template_id, _, digest = key.partition("#")
    assert template_id == "desk"
    assert len(digest) == 12
    for value in (*BASE.values(), *SECRETS.values()):
        assert value not in key


def test_a_template_without_account_fields_has_one_cap():
    """Nothing names an account (only secrets): one cap per template, as before."""
    ctx = _ctx(
        {}, {"api_token": "t"}, xml_fields='<Field type="password" name="api_token" title="T"/>'
    )
    assert ctx.cap_key == "desk"
