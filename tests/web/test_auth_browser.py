"""First-run setup, login and logout in a real browser; CSRF refusal (I5)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import ADMIN, shot

pytestmark = pytest.mark.browser


def test_setup_login_logout(page, live):
    # covers I5
    """First run, with the console's one-time link, creates the admin, who logs out and in
    again; setup is then closed."""
    import time

    from ringdesk.web.setup import issue_setup_link

    page.goto(f"{live.url}/admin/templates")
    page.wait_for_url(re.compile(r"/admin/setup$"))
    assert "one-time link" in page.get_by_role("alert").inner_text()
    link = issue_setup_link(live.db, live.settings, now=time.time())
    assert link is not None
    page.goto(link)
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password (at least 8 characters, hard to guess)").fill(ADMIN[1])
    page.get_by_label("Password again").fill("something else")
    page.get_by_role("button", name="Create admin account").click()
    assert page.get_by_role("alert").inner_text() == "the two passwords differ"
    page.get_by_label("Password (at least 8 characters, hard to guess)").fill(ADMIN[1])
    page.get_by_label("Password again").fill(ADMIN[1])
    shot(page, "setup")
    page.get_by_role("button", name="Create admin account").click()
    page.wait_for_url(f"{live.url}/admin/integrations")
    assert page.locator(".who").inner_text() == ADMIN[0]

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/login$"))
    page.goto(f"{live.url}/admin/outbox")
    page.wait_for_url(re.compile(r"/admin/login\?next=/admin/outbox$"))

    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert "wrong username or password" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password").fill(ADMIN[1])
    shot(page, "login")
    page.get_by_label("Password").press("Enter")  # keyboard only
    page.wait_for_url(f"{live.url}/admin/outbox")

    page.goto(f"{live.url}/admin/setup")
    assert "already exists" in page.get_by_role("alert").inner_text()


def test_csrf_refused_without_token(page, live):
    """A logged-in session cannot POST without its CSRF token, to the UI or the API."""
    live.add_admin()
    with httpx.Client(base_url=live.url) as client:
        login_page = client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
        assert token
        refused = client.post("/admin/login", data={"username": ADMIN[0], "password": ADMIN[1]})
        assert refused.status_code == 403
        ok = client.post(
            "/admin/login",
            data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token[1]},
        )
        assert ok.status_code == 303
        # Logged in now: forms and cookie-authorised API calls need the token too.
        assert client.post("/admin/logout").status_code == 403
        assert client.post("/admin/extensions", data={"number": "1001"}).status_code == 403
        api = client.post("/api/v1/integrations", json={"template_id": "x", "name": "y"})
        assert api.status_code == 403
        assert "CSRF" in api.text
        # The session itself is good: a GET works without any token.
        assert client.get("/admin/templates").status_code == 200


def test_pages_run_under_the_content_security_policy(page, live):
    """Issue 14 #7: the admin and agent pages work under the CSP, with no violation."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    live.add_admin()
    page.goto(f"{live.url}/admin/login")
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live.url}/admin/integrations")
    for path in ("/admin/templates", "/admin/extensions", "/admin/tokens", "/admin/password"):
        page.goto(live.url + path)
    page.goto(f"{live.url}/admin/templates/zendesk")
    assert violations == []
