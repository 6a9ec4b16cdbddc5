"""Connect an integration to the demo helpdesk through OAuth2 in a real browser, sync its
users, associate one with an extension, and see a signed call event pop on the agent page
(I5, A5, A9, U5, C9). The demo helpdesk runs on its own real uvicorn server."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

import ringdesk.templates
from ringdesk.demo.app import create_demo_app
from ringdesk.events.webhook import sign
from ringdesk.store.tables import OutboxJob
from tests.live import serve_app
from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser

DEMO_TOKEN = "web-test-token-5f2c9a"
BUILTIN = Path(ringdesk.templates.__file__).parent / "builtin"


def _post_event(live, event: dict) -> None:
    """POST a call event as the PBX does: HMAC-signed with the webhook secret."""
    body = json.dumps(event).encode()
    posted = httpx.post(
        f"{live.url}/api/v1/events",
        content=body,
        headers={
            "content-type": "application/json",
            "X-Ringdesk-Signature": sign(body, live.settings.resolved_webhook_secret()),
        },
    )
    assert posted.is_success, posted.text


def _import_demo_template(page, live) -> None:
    """Import (through the Templates page) a renamed copy of the built-in OAuth2 demo
    template, and save it from the editor."""
    xml = (BUILTIN / "demo_oauth.xml").read_text()
    xml = xml.replace("<Name>Demo helpdesk (OAuth2)</Name>", "<Name>Demo desk (test)</Name>")
    page.goto(f"{live.url}/admin/templates")
    page.get_by_label("Import XML").set_input_files(
        files=[{"name": "demo.xml", "mimeType": "application/xml", "buffer": xml.encode()}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    assert page.get_by_label("Helpdesk name", exact=True).input_value() == "Demo desk (test)"
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Template saved" in page.locator(".flash").inner_text()


@pytest.fixture
def demo_url():
    with serve_app(create_demo_app(api_token=DEMO_TOKEN)) as url:
        yield url


def test_connect_oauth2_sync_associate_and_pop(page, live, demo_url):
    # covers I5, A5, A9, U5, C9
    """OAuth2 through the demo's Approve page, then users, extension and a live pop."""
    log_in(page, live)
    _import_demo_template(page, live)
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Template").select_option(label="Demo desk (test)")
    page.get_by_label("Name").fill("Demo desk")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/admin/integrations/\d+"))
    integration_url = page.url.split("#")[0]
    assert page.locator("#cf-client_secret-state").inner_text() == "(unset)"
    page.get_by_label("Base URL (e.g. http://127.0.0.1:8090)").fill(demo_url)
    page.get_by_label("Client ID").fill("ringdesk-demo")
    page.get_by_label(re.compile("^Client secret")).fill("demo-secret")
    page.get_by_role("button", name="Connect with OAuth2").click()

    # The real redirect: the demo helpdesk's own authorize page, then back to ringdesk.
    page.wait_for_url(re.compile(re.escape(demo_url) + r"/oauth/authorize\?"))
    shot(page, "demo-authorize")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(integration_url)
    assert page.locator("#status .badge").inner_text() == "connected"
    # A9: the secret is "set", and its value is not in the page.
    assert page.locator("#cf-client_secret-state").inner_text() == "(set)"
    assert page.get_by_label(re.compile("^Client secret")).input_value() == ""
    assert "demo-secret" not in page.content()

    page.get_by_role("button", name="Sync users").click()
    page.locator("#users-sync-result").wait_for()
    assert page.locator("#users-table tr", has_text="alice@example.com").count() == 1
    shot(page, "integration-connected")

    page.get_by_role("link", name="Extensions").click()
    page.get_by_label("Number").fill("1001")
    page.get_by_label("Name").fill("Front desk")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Save extension").click()
    agent_href = page.get_by_role("link", name="Open agent page for 1001").get_attribute("href")
    page.goto(integration_url)
    page.get_by_role("button", name="Auto-associate by email").click()
    assert "u1 → 1001" in page.locator(".flash").inner_text()
    # The template creates unknown callers by default; here the agent decides instead.
    automatic = page.get_by_label("Create a contact automatically")
    assert automatic.is_checked()
    automatic.uncheck()
    page.get_by_role("button", name="Save options").click()
    assert not page.get_by_label("Create a contact automatically").is_checked()

    agent = page.context.new_page()
    agent.goto(live.url + agent_href)
    # A locator wait: a string predicate is eval'd in the page, which the CSP forbids.
    expect(agent.locator("#conn")).to_have_text("Connected")
    event = {
        "type": "call.ringing",
        "call_id": "demo-call-1",
        "direction": "inbound",
        "from": {"number": "+4930123456", "name": ""},
        "to": {"number": "1001", "name": "Front desk"},
        "extension": "1001",
        "timestamp": int(time.time()),
    }
    _post_event(live, event)
    agent.locator("#pop-name").filter(has_text="Ada Lovelace").wait_for()
    assert agent.locator("#pop-number").inner_text() == "+4930123456"
    assert agent.locator("#pop-company").inner_text() == "Analytical Engines"
    assert agent.get_by_role("link", name="Open in helpdesk").get_attribute("href") == (
        f"{demo_url}/contacts/c1"
    )
    shot(agent, "agent-pop-demo")

    # An unknown caller: the pop offers "Create contact", which queues one durable job.
    _post_event(live, dict(event, call_id="demo-call-2", **{"from": {"number": "+15550199"}}))
    agent.get_by_text("Unknown caller").wait_for()
    with agent.expect_popup() as popup:
        agent.get_by_role("link", name="Create contact").click()
    form = popup.value
    assert form.locator("#caller").inner_text() == "+15550199"
    form.get_by_label("Name").fill("Grace Caller")
    form.get_by_role("button", name="Create contact").click()
    assert "will be created" in form.locator("#done").inner_text()
    with live.db.session() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.kind == "create_contact"))
    assert job is not None
    assert job.call_id == "demo-call-2"
    assert job.payload["caller_name"] == "Grace Caller"
    form.close()
    agent.close()

    page.reload()
    log_rows = page.locator("#log tbody tr")
    assert log_rows.count() >= 2
    assert "/api/contacts/search" in page.locator("#log").inner_text()
    shot(page, "integration-request-log")


def test_console_runs_a_scenario_redacted(page, live, demo_url):
    # covers I3, A9
    """The editor's test console runs contact search against the demo; the token is hidden."""
    log_in(page, live)
    page.goto(f"{live.url}/admin/templates/demo")
    page.get_by_label("Scenario").select_option("contact-search")
    page.get_by_label(re.compile("^Connect values")).fill(
        f"base_url={demo_url}\napi_token={DEMO_TOKEN}"
    )
    page.get_by_label(re.compile("^Sample input")).fill("phone=+4930123456")
    page.get_by_role("button", name="Run scenario").click()
    exchange = page.locator(".exchange").first
    exchange.wait_for()
    assert "/api/contacts/search" in exchange.locator(".url").inner_text()
    assert exchange.locator(".status").inner_text() == "200"
    assert "Lovelace" in page.locator(".console-out").inner_text()
    assert DEMO_TOKEN not in page.content()
    assert page.get_by_label(re.compile("^Connect values")).input_value() == ""
    page.locator("#console").scroll_into_view_if_needed()
    shot(page, "template-console", full_page=False)


def test_connect_with_api_token_shows_failures(page, live, demo_url):
    # covers I5, A7, A9
    """A wrong API token is reported on the page; the right one connects."""
    log_in(page, live)
    page.get_by_label("Template").select_option(label="Demo helpdesk")
    page.get_by_label("Name").fill("Token desk")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/admin/integrations/\d+"))
    page.get_by_label("Base URL (e.g. http://127.0.0.1:8090)").fill(demo_url)
    page.get_by_label(re.compile("^API token")).fill("not-the-token")
    page.get_by_role("button", name="Connect", exact=True).click()
    assert "Connection failed" in page.locator(".flash").inner_text()
    assert page.locator("#status .badge").inner_text() != "connected"
    assert "not-the-token" not in page.content()
    shot(page, "integration-connect-failed", full_page=False)
    # The base URL is kept; the token input is empty and says "set".
    assert page.get_by_label("Base URL (e.g. http://127.0.0.1:8090)").input_value() == demo_url
    assert page.locator("#cf-api_token-state").inner_text() == "(set)"
    page.get_by_label(re.compile("^API token")).fill(DEMO_TOKEN)
    page.get_by_role("button", name="Connect", exact=True).click()
    assert page.locator("#status .badge").inner_text() == "connected"
