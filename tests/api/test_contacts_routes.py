"""REST: live contact lookup, phonebook sync and caller-ID lookup (C1–C8), and the test
console for integrations and unsaved templates (I3), over real sockets."""

from __future__ import annotations

from pathlib import Path

import pytest

import ringdesk
from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.store.tables import Integration, TemplateRow
from tests.fakedesk import FakeDesk
from tests.live import serve_app

DEMO_XML = (Path(ringdesk.__file__).parent / "templates" / "builtin" / "demo.xml").read_text()


@pytest.fixture
def demo():
    with serve_app(create_demo_app()) as base:
        yield base


def make_integration(admin, database, base: str, **options) -> int:
    response = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "demo",
            "name": "Demo desk",
            "fields": {"base_url": base, "api_token": DEFAULT_API_TOKEN},
            "options": {"default_region": "DE", **options},
        },
    )
    assert response.status_code == 201, response.text
    integration_id = response.json()["id"]
    with database.session() as session:  # connecting is the integrations flow's concern
        session.get(Integration, integration_id).status = "connected"
    return integration_id


def test_live_lookup_returns_contacts_and_popup(admin, database, demo):
    """covers C1–C3, C7: the national form finds the contact; the popup URL is built."""
    integration_id = make_integration(admin, database, demo)
    found = admin.get(
        f"/api/v1/integrations/{integration_id}/contacts/lookup", params={"phone": "030 123456"}
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["candidates"][0] == "+4930123456"
    (contact,) = body["contacts"]
    assert contact["fields"]["BusinessNumber"] == "+4930123456"
    assert body["popup_url"] == f"{demo}/contacts/{contact['id']}"
    none = admin.get(
        f"/api/v1/integrations/{integration_id}/contacts/lookup", params={"phone": "+4940999"}
    )
    assert none.json()["contacts"] == []
    assert none.json()["popup_url"] == ""


def test_sync_then_caller_id_lookup(admin, database):
    """covers C8: contact sync fills the phonebook that the PBX's caller-ID lookup reads."""
    desk = FakeDesk(
        contacts=[
            {"id": 1, "first_name": "Ada", "last_name": "L", "phone": "+4930123456"},
            {"id": 2, "first_name": "Bob", "last_name": "B", "mobile": "0170 5550001"},
        ]
    )
    with serve_app(desk.app()) as base:
        integration_id = make_integration(admin, database, base, sync_contact_types=["Contacts"])
        synced = admin.post(f"/api/v1/integrations/{integration_id}/contacts/sync")
    assert synced.status_code == 200, synced.text
    assert synced.json()["contacts"] == 2
    assert synced.json()["capped"] is False
    hit = admin.get("/api/v1/phonebook/lookup", params={"phone": "+49 170 5550001"}).json()
    assert hit["name"] == "Bob B"
    assert hit["e164"] == "+491705550001"
    assert hit["entries"][0]["integration_id"] == integration_id
    miss = admin.get("/api/v1/phonebook/lookup", params={"phone": "+4940"}).json()
    assert (miss["name"], miss["entries"]) == ("", [])
    assert admin.get("/api/v1/phonebook/lookup").status_code == 422


def _assert_redacted(text: str) -> None:
    assert DEFAULT_API_TOKEN not in text


def test_template_console_runs_unsaved_xml(admin, demo):
    """covers I3: the XML being edited runs against the helpdesk; each exchange is shown,
    secrets redacted."""
    body = {
        "xml": DEMO_XML.replace("<Name>Demo helpdesk</Name>", "<Name>Edited</Name>"),
        "scenario": "contact-search",
        "fields": {"base_url": demo, "api_token": DEFAULT_API_TOKEN},
        "sample": {"phone": "+4930123456"},
    }
    response = admin.post("/api/v1/templates/new/console", json=body)
    assert response.status_code == 200, response.text
    run = response.json()
    _assert_redacted(response.text)
    assert run["ok"] is True
    (exchange,) = run["exchanges"]
    assert exchange["method"] == "GET"
    assert exchange["url"].startswith(f"{demo}/api/contacts/search?phone=%2B4930123456")
    assert exchange["status"] == 200
    assert run["result"]["contacts"][0]["fields"]["BusinessNumber"] == "+4930123456"


def test_template_console_other_scenarios(admin, demo):
    """covers I3: every scenario runs from the stored template with sample input."""
    for scenario in ("users", "create-contact", "call-log", "ticket"):
        body = {
            "scenario": scenario,
            "fields": {"base_url": demo, "api_token": DEFAULT_API_TOKEN},
            "sample": {"phone": "+4930555", "name": "Ada Lovelace", "direction": "inbound"},
        }
        response = admin.post("/api/v1/templates/demo/console", json=body)
        assert response.status_code == 200, response.text
        run = response.json()
        _assert_redacted(response.text)
        assert run["ok"] is True, (scenario, run["error"])
        assert run["exchanges"], scenario
        assert all(e["status"] in (200, 201) for e in run["exchanges"]), scenario


def test_console_failures_are_reported(admin, database, demo):
    bad_token = {
        "scenario": "contact-search",
        "fields": {"base_url": demo, "api_token": "wrong-secret-value"},
        "sample": {"phone": "+4930123456"},
    }
    run = admin.post("/api/v1/templates/demo/console", json=bad_token).json()
    assert run["ok"] is False
    assert run["exchanges"][0]["status"] == 401
    assert "wrong-secret-value" not in str(run)
    assert (
        admin.post("/api/v1/templates/demo/console", json={"scenario": "nope"}).status_code == 422
    )
    bad_xml = admin.post(
        "/api/v1/templates/x/console",
        json={"scenario": "users", "xml": "<HelpdeskTemplate><Oops/>"},
    )
    assert bad_xml.status_code == 422
    assert (
        admin.post("/api/v1/templates/missing/console", json={"scenario": "users"}).status_code
        == 404
    )
    integration_id = make_integration(admin, database, demo)
    run = admin.post(
        f"/api/v1/integrations/{integration_id}/console", json={"scenario": "users"}
    ).json()
    assert run["ok"] is True
    assert run["result"]["users"]


def test_a_stored_template_that_no_longer_parses_is_a_422_not_a_500(admin, database, demo):
    """A template row edited behind ringdesk's back (only reachable through the database)
    makes every route that loads it answer 422 with where the XML breaks, not a bare 500."""
    integration_id = make_integration(admin, database, demo)
    with database.session() as session:
        row = session.get(TemplateRow, "demo")
        row.xml = "<HelpdeskTemplate>\n  <General><Name>broken"
    found = admin.get(
        f"/api/v1/integrations/{integration_id}/contacts/lookup", params={"phone": "030 123456"}
    )
    assert found.status_code == 422, found.text
    detail = found.json()["detail"]
    assert (detail["line"], detail["column"]) == (2, 24)
    assert detail["message"] == "malformed XML: no element found"
