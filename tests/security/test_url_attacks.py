"""Issue 14, medium 2 over real sockets: call data and connect values in a URL land as one
escaped path segment at the helpdesk, never as other segments, another host or a query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from ringdesk.api.app import create_app
from ringdesk.errors import InputError
from ringdesk.integrations.service import check_connect_values
from ringdesk.runtime import outbox_worker
from ringdesk.store.admin import create_token
from ringdesk.store.tables import HelpdeskUser, TemplateRow
from ringdesk.templates.codec import load_xml
from ringdesk.templates.connect import host_fields
from ringdesk.testing import call_event, signed_headers
from tests.live import serve_app
from tests.outbox.helpers import add_integration
from tests.security.desk import RecordingDesk, desk_template
from tests.services import test_services

SECRET = "test-webhook-secret"  # the `settings` fixture's webhook secret
TRAVERSAL = "../../../admin/delete-everything"


@pytest.fixture
def desk() -> Iterator[tuple[RecordingDesk, str]]:
    fake = RecordingDesk()
    with serve_app(fake) as url:
        yield fake, url


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (TRAVERSAL, ".."),
        ("+4930123456", TRAVERSAL),
        ("%2e%2e", "x?admin=1#frag"),
        (".", "a/b\\c"),
    ],
    ids=["number-traversal", "name-traversal", "percent-and-query", "dot-and-slashes"],
)
async def test_caller_data_in_a_url_path_stays_one_segment(settings, database, desk, number, name):
    """covers U6 (issue 14 medium 2): `{{.Call_From}}/{{.Call_From_Name}}` in a call log's
    URL, with a caller number `../../../admin/delete-everything`: the helpdesk receives the
    template's three segments, each the caller's value escaped (it received
    `POST /admin/delete-everything/%2e%2e`, with the integration's Authorization)."""
    fake, url = desk
    xml = desk_template(url, url="@BASE@/calls/{{.Call_From}}/{{.Call_From_Name}}")
    integration = add_integration(database, xml=xml, template_id="paths")
    with database.session() as session:
        session.add(HelpdeskUser(integration_id=integration, user_id="u-1001", extension="1001"))
    services = test_services(settings)
    try:
        with TestClient(create_app(services=services)) as client:
            raw = json.dumps(call_event("call.ended", from_number=number, from_name=name))
            response = client.post(
                "/api/v1/events", content=raw, headers=signed_headers(raw.encode(), SECRET)
            )
            assert response.status_code == 200, response.text
        await outbox_worker(services).run_until_idle()
    finally:
        await services.aclose()
    (path,) = fake.paths("POST")
    assert "?" not in path
    assert "#" not in path
    segments = path.split("/")
    assert segments[:2] == ["", "calls"], path
    assert len(segments) == 4, path
    assert [unquote(s) for s in segments[2:]] == [number, name]
    assert all(s not in (".", "..") for s in segments)
    assert all(unquote(s) == s or "%" in s for s in segments)


# The template, over http: a request the value managed to steer to our local desk
# would then reach it and be recorded (over https it would fail its TLS handshake unseen).
HOST_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Host Desk</Name><MaxConcurrentRequests>2</MaxConcurrentRequests></General>
  <Authentication method="basic">
    <Fields>
      <Field type="text" name="subdomain" title="Subdomain"/>
      <Field type="text" name="email" title="Email"/>
      <Field type="password" name="api_token" title="API token"/>
    </Fields>
    <Basic><Format>{{.email}}/token:{{.api_token}}</Format></Basic>
  </Authentication>
  <FollowUpRequests>
    <Request trigger="connected" method="GET">
      <Url>http://{{.subdomain}}.zendesk.com/api/v2/users/me</Url>
    </Request>
  </FollowUpRequests>
</HelpdeskTemplate>"""


def _admin_client(settings, database) -> TestClient:
    with database.session() as session:
        token = create_token(session, "t")
    return TestClient(
        create_app(settings),
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {token}"},
    )


def _create_host_integration(client: TestClient, database, subdomain: str):
    """POST an integration of HOST_TEMPLATE (`http://{{.subdomain}}.zendesk.com`)."""
    with database.session() as session:
        session.add(TemplateRow(id="hostdesk", name="Host Desk", xml=HOST_TEMPLATE))
    return client.post(
        "/api/v1/integrations",
        json={
            "template_id": "hostdesk",
            "name": "x",
            "fields": {"subdomain": subdomain, "email": "a@b.c", "api_token": "Canary12"},
        },
    )


@pytest.mark.parametrize(
    "subdomain",
    ["evil.com/x?", "{desk}/steal?", "{desk}#", "evil.com:443@x"],
    ids=["issue", "our-desk", "fragment", "userinfo"],
)
def test_a_text_field_cannot_change_the_host(settings, database, desk, subdomain):
    """covers A2 (issue 14 medium 2): `https://{{.subdomain}}.zendesk.com` with the subdomain
    `evil.com/x?` must not send the credentials elsewhere: connecting fails with a clear
    answer, nothing reaches another host, the integration stays disconnected. A `:` made
    a URL httpx refused, which was a 500."""
    fake, url = desk
    subdomain = subdomain.replace("{desk}", url.removeprefix("http://"))
    with _admin_client(settings, database) as client:
        created = _create_host_integration(client, database, subdomain)
        assert created.status_code in (201, 422), created.text
        if created.status_code == 201:
            integration = created.json()["id"]
            response = client.post(f"/api/v1/integrations/{integration}/connect")
            # refused before anything is sent, naming the field
            assert response.status_code == 422, response.text
            assert [p["field"] for p in response.json()["problems"]] == ["fields.subdomain"]
            assert "Canary12" not in response.text
            view = client.get(f"/api/v1/integrations/{integration}").json()
            assert view["status"] != "connected"
            logged = client.get(f"/api/v1/integrations/{integration}/requests").text
            assert "Canary12" not in logged
    assert fake.received == []


@pytest.mark.parametrize(
    "subdomain",
    [
        "evil.com/x?",
        "https://acme.zendesk.com",
        "acme zendesk",
        "acme!",
        " acme",
        "acme\n",
        "acme.",
        "bücher",
    ],
    ids=["path", "pasted-url", "space", "punctuation", "lead-space", "newline", "dot", "idn"],
)
def test_a_host_field_with_more_than_a_host_name_is_refused_naming_the_field(
    settings, database, subdomain
):
    """covers A2: a value that goes into a host name (`http://{{.subdomain}}.zendesk.com`)
    but is not host-name characters is a 422 naming the field and the URL it goes into,
    before anything is sent (it used to be a 502 with a connection error)."""
    with _admin_client(settings, database) as client:
        created = _create_host_integration(client, database, subdomain)
        assert created.status_code == 201, created.text
        response = client.post(f"/api/v1/integrations/{created.json()['id']}/connect")
    assert response.status_code == 422, response.text
    assert "fields.subdomain" in response.text
    assert "http://{{.subdomain}}.zendesk.com" in response.text


@pytest.mark.parametrize(
    "subdomain", ["acme", "acme-eu", "acme.eu", "ACME", "a_b", "1234567", "xn--bcher-kva"]
)
def test_a_host_name_part_passes_the_host_field_check(subdomain):
    """The check refuses only what cannot be part of the host it lands in (an all-digit
    first label is fine: only a last label of digits makes an address)."""
    template = load_xml(HOST_TEMPLATE)
    assert host_fields(template) == {"subdomain": "http://{{.subdomain}}.zendesk.com"}
    check_connect_values(template, {"subdomain": subdomain, "email": "a@b.c"})


def test_a_field_that_is_the_port_is_judged_as_a_port():
    """Found in review: a field after `host:` is a port, not a host label; `8443` passes
    (it connected before the host check existed) and `84x3` does not."""
    template = load_xml(
        HOST_TEMPLATE.replace("{{.subdomain}}.zendesk.com", "127.0.0.1:{{.subdomain}}")
    )
    assert host_fields(template) == {"subdomain": "http://127.0.0.1:{{.subdomain}}"}
    check_connect_values(template, {"subdomain": "8443", "email": "a@b.c"})
    with pytest.raises(InputError, match="does not fit"):
        check_connect_values(template, {"subdomain": "84x3", "email": "a@b.c"})
