"""Extensions, users ↔ extensions, the outbox retry and the agent page in a real browser
(U5, L3, C9). Helpdesk users and a failed job are written to the database directly: a real
helpdesk sync and a real permanent failure are covered by the flows' and outbox's own tests."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ringdesk.store.tables import HelpdeskUser, Integration, OutboxJob
from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser


def _integration(live, name: str = "Support desk") -> int:
    with live.db.session() as session:
        row = Integration(template_id="zendesk", name=name, status="connected")
        session.add(row)
        session.commit()
        return row.id


def _add_extension(page, number: str, name: str, email: str) -> None:
    page.get_by_label("Number").fill(number)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Save extension").click()
    assert f"Extension {number} saved" in page.locator(".flash").inner_text()


def test_associate_users_with_extensions(page, live):
    # covers U5
    """Extensions are added in the UI; users get one by hand and by email match."""
    integration_id = _integration(live)
    with live.db.session() as session:
        for uid, first, email in (
            ("u1", "Alice", "alice@example.com"),
            ("u2", "Bob", "bob@example.com"),
        ):
            session.add(
                HelpdeskUser(
                    integration_id=integration_id,
                    user_id=uid,
                    first_name=first,
                    last_name="Doe",
                    email=email,
                )
            )
        session.commit()
    log_in(page, live)
    page.get_by_role("link", name="Extensions").click()
    _add_extension(page, "1001", "Front desk", "alice@example.com")
    _add_extension(page, "1002", "Back office", "nobody@example.com")
    shot(page, "extensions")

    page.goto(f"{live.url}/admin/integrations/{integration_id}")
    table = page.locator("#users-table")
    bob = table.locator("tr", has_text="Bob")
    bob.get_by_label("Extension for Bob Doe").select_option("1002")
    bob.get_by_role("button", name="Save").click()
    assert "u2 → 1002" in page.locator(".flash").inner_text()
    page.get_by_role("button", name="Auto-associate by email").click()
    assert "Automatic association" in page.locator(".flash").inner_text()
    assert (
        table.locator("tr", has_text="Alice").get_by_label("Extension for Alice Doe").input_value()
        == "1001"
    )
    assert (
        table.locator("tr", has_text="Bob").get_by_label("Extension for Bob Doe").input_value()
        == "1002"
    )
    with live.db.session() as session:
        found = dict(session.execute(select(HelpdeskUser.user_id, HelpdeskUser.extension)).all())
    assert found == {"u1": "1001", "u2": "1002"}
    shot(page, "integration-users")

    # Options (I1): tickets on, for every call.
    page.get_by_label("Create tickets").check()
    page.get_by_label("When").select_option("always")
    page.get_by_role("button", name="Save options").click()
    assert "Options saved" in page.locator(".flash").inner_text()
    assert page.get_by_label("Create tickets").is_checked()
    assert page.get_by_label("When").input_value() == "always"
    with live.db.session() as session:
        ticket = session.get(Integration, integration_id).options["ticket"]
    assert ticket["enabled"] is True
    assert ticket["when"] == "always"

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "integration-phone")


def test_retry_failed_delivery(page, live):
    # covers L3
    """A permanently failed job is listed with its error and queued again by Retry."""
    integration_id = _integration(live)
    with live.db.session() as session:
        job = OutboxJob(
            kind="call_log",
            integration_id=integration_id,
            call_id="1732521600.42",
            idempotency_key="call_log:1:1732521600.42:u1",
            payload={},
            status="failed",
            attempts=12,
            last_error="HTTP 400: subject is required",
        )
        session.add(job)
        session.commit()
        job_id = job.id
    log_in(page, live)
    page.get_by_role("link", name="Outbox").click()
    row = page.locator("#outbox-table tr", has_text="1732521600.42")
    assert "subject is required" in row.inner_text()
    shot(page, "outbox-failed")
    row.get_by_role("button", name=f"Retry job {job_id}").click()
    assert f"Job {job_id} queued again" in page.locator(".flash").inner_text()
    assert "No failed jobs" in page.locator("#outbox-table").inner_text()
    with live.db.session() as session:
        assert session.get(OutboxJob, job_id).status == "pending"


def test_agent_page_shows_pops(page, live):
    # covers C9
    """The agent link from the Extensions page streams pops: matched and unknown callers."""
    log_in(page, live)
    page.get_by_role("link", name="Extensions").click()
    _add_extension(page, "1001", "Front desk", "alice@example.com")
    href = page.get_by_role("link", name="Open agent page for 1001").get_attribute("href")
    page.goto(f"{live.url}/agent/1001?key=wrong")
    assert "not valid" in page.get_by_role("alert").inner_text()
    page.goto(live.url + href)
    # A locator wait: a string predicate is eval'd in the page, which the CSP forbids.
    expect(page.locator("#conn")).to_have_text("Connected")
    # Published as the screen-pop flow does; the signed-event path is in the demo test.
    live.services.hub.publish(
        "1001",
        {
            "call_id": "c-1",
            "number": "+4930123456",
            "name": "Ada Lovelace",
            "company": "Analytical Engines",
            "popup_url": "http://helpdesk.test/contacts/c1",
            "integration": "Demo",
            "matched": True,
            "actions": [],
            "received_at": time.time(),
        },
    )
    page.get_by_text("Ada Lovelace").first.wait_for()
    assert page.locator("#pop-number").inner_text() == "+4930123456"
    assert page.locator("#pop-company").inner_text() == "Analytical Engines"
    assert page.get_by_role("link", name="Open in helpdesk").get_attribute("href") == (
        "http://helpdesk.test/contacts/c1"
    )
    shot(page, "agent-pop")
    live.services.hub.publish(
        "1001",
        {
            "call_id": "c-2",
            "number": "+15550100",
            "name": "",
            "matched": False,
            "actions": [
                {
                    "action": "create-contact",
                    "label": "Create contact",
                    "url": f"{live.url}/agent/create-contact?phone=%2B15550100",
                },
                {
                    "action": "new-ticket",
                    "label": "New ticket",
                    "url": f"{live.url}/agent/new-ticket?phone=%2B15550100",
                },
            ],
        },
    )
    page.get_by_text("Unknown caller").wait_for()
    assert page.get_by_role("link", name="Create contact").is_visible()
    assert page.get_by_role("link", name="New ticket").is_visible()
    assert page.get_by_role("link", name="Open in helpdesk").count() == 0
    assert page.locator("#recent li").count() == 2
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "agent-unknown-phone")
    assert re.search(r"\+15550100", page.locator("#recent").inner_text())
