"""The contact sync when the template cannot be used for it (issue 13): the API answers 422
naming the template field instead of a bare 500, nothing is sent, and the background sync
records the same error on the integration, where its API view shows it. On SQLite and
PostgreSQL."""

from __future__ import annotations

from ringdesk.flows.phonebook import sync_all
from ringdesk.integrations.service import create_integration, public_view
from ringdesk.store.tables import Integration, TemplateRow
from tests.fakedesk import FakeDesk
from tests.live import serve_app
from tests.services import test_services

# `{{.Phone}}` in the URL's path: the sync sends it empty, giving `/contacts//card`.
BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Path Desk</Name><MaxConcurrentRequests>2</MaxConcurrentRequests></General>
  <Authentication method="bearer">
    <Fields>
      <Field type="url" name="base_url" title="URL"/>
      <Field type="password" name="api_token" title="Token"/>
    </Fields>
    <Bearer><Token>{{.api_token}}</Token></Bearer>
  </Authentication>
  <ContactSearch>
    <ContactType name="Contacts">
      <Request method="GET">
        <Url><![CDATA[{{.base_url}}/contacts/{{.Phone}}/card]]></Url>
      </Request>
      <Popup mode="url"><![CDATA[{{.base_url}}/c/{{.ContactId}}]]></Popup>
      <Mapping>
        <Field name="ContactId" path="data.#.id" required="true"/>
        <Field name="FirstName" path="data.#.first_name" required="true"/>
        <Field name="BusinessNumber" path="data.#.phone"/>
      </Mapping>
    </ContactType>
  </ContactSearch>
</HelpdeskTemplate>
"""
URL_LINE = (
    BROKEN.splitlines().index(
        "        <Url><![CDATA[{{.base_url}}/contacts/{{.Phone}}/card]]></Url>"
    )
    + 1
)
TOKEN = "sync-secret-token-123"


def broken_integration(admin, database, base: str) -> int:
    with database.session() as session:
        session.add(TemplateRow(id="path-desk", name="Path Desk", xml=BROKEN))
    answer = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "path-desk",
            "name": "Path desk",
            "fields": {"base_url": base, "api_token": TOKEN},
            "options": {"sync_contact_types": ["Contacts"]},
        },
    )
    assert answer.status_code == 201, answer.text
    integration_id = int(answer.json()["id"])
    with database.session() as session:
        session.get(Integration, integration_id).status = "connected"
    return integration_id


def test_a_sync_request_that_does_not_render_is_a_422_naming_the_field(admin, database):
    """covers C8: `{{.Phone}}` in the URL path is empty in a sync → 422 with the field, its
    line, and the reason; no request reaches the helpdesk; the integration shows it."""
    desk = FakeDesk(contacts=[{"id": 1, "first_name": "Ada", "phone": "+4930123456"}])
    with serve_app(desk.app()) as base:
        integration_id = broken_integration(admin, database, base)
        answer = admin.post(f"/api/v1/integrations/{integration_id}/contacts/sync")
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["field"] == "ContactSearch.ContactType[0].Request.Url"
    assert detail["line"] == URL_LINE
    assert detail["message"].startswith("ContactSearch.ContactType[0].Request.Url: ")
    assert "{{.Phone}} empty" in detail["message"]
    assert "the URL path is empty" in detail["message"]
    assert desk.paths == []
    view = admin.get(f"/api/v1/integrations/{integration_id}").json()
    assert view["contact_sync"]["ok"] is False
    assert view["contact_sync"]["field"] == detail["field"]
    assert view["contact_sync"]["error"] == detail["message"]


async def test_the_background_sync_records_its_error_and_its_success(settings, database):
    """covers C8: the hourly round records a failing sync on the integration (it used to
    be only logged) and, once fixed, the success with its counts; no secret in either."""
    services = test_services(settings)
    desk = FakeDesk(contacts=[{"id": 1, "first_name": "Ada", "phone": "+4930123456"}])
    with serve_app(desk.app()) as base:
        with database.session() as session:
            session.add(TemplateRow(id="path-desk", name="Path Desk", xml=BROKEN))
            session.flush()
            row = create_integration(
                session,
                services.crypto,
                template_id="path-desk",
                name="Path desk",
                fields={"base_url": base, "api_token": TOKEN},
                options={"sync_contact_types": ["Contacts"]},
            )
            row.status = "connected"
            integration_id = row.id
        assert await sync_all(services) == {}
        failed = view(services, integration_id)["contact_sync"]
        fixed = BROKEN.replace("/contacts/{{.Phone}}/card", "/contacts/search?phone={{.Phone}}")
        with database.session() as session:
            session.get(TemplateRow, "path-desk").xml = fixed
        outcomes = await sync_all(services)
        done = view(services, integration_id)["contact_sync"]
        await services.aclose()
    assert (failed["ok"], failed["field"]) == (False, "ContactSearch.ContactType[0].Request.Url")
    assert "cannot render its search request" in failed["error"]
    assert TOKEN not in str(failed)
    assert outcomes[integration_id]["contacts"] == 1
    assert done["ok"] is True
    assert done["summary"]["contacts"] == 1
    assert done["at"] >= failed["at"]


def view(services, integration_id: int) -> dict:
    """The integration as `GET /api/v1/integrations/{id}` shows it."""
    with services.database.session() as session:
        row = session.get(Integration, integration_id)
        return public_view(session, services.crypto, row)
