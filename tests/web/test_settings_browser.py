"""The settings page in a real browser (issue 16): the webhook URLs with copy buttons, the
secret generated and rotated through the page and shown only once, and a secret from the
environment that the page says to rotate there (I2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ringdesk.api.app import create_app
from ringdesk.events.yeastar import url_token
from tests.live import free_port, serve_app
from tests.services import test_services
from tests.web.conftest import LiveApp, log_in, make_settings, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def live_keyfile(tmp_path) -> Iterator[LiveApp]:
    """The app with its webhook secret in the key file (not set in the environment)."""
    port = free_port()
    settings = make_settings(tmp_path, public_url=f"http://127.0.0.1:{port}", webhook_secret=None)
    services = test_services(settings)
    app = create_app(services=services)
    with serve_app(app, port=port, timeout_graceful_shutdown=1) as url:
        yield LiveApp(url, app, settings, services.database, services)


@pytest.fixture
def keyfile_page(browser: Any, live_keyfile: LiveApp) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_keyfile.url)
    yield context.new_page()
    context.close()


def test_generate_copy_and_rotate_the_webhook_secret(keyfile_page, live_keyfile):
    page, live = keyfile_page, live_keyfile
    key_file = live.settings.webhook_key_path
    log_in(page, live)
    page.get_by_role("link", name="Settings").click()
    assert "none yet" in page.locator("#secret-state").inner_text()
    assert page.locator("#yeastar-url-missing").is_visible()
    assert not key_file.exists()

    page.get_by_role("button", name="Generate secret").click()
    first = page.locator("#secret-value").inner_text()
    assert key_file.read_text().strip() == first
    yeastar = f"{live.url}/api/v1/events/yeastar?token={url_token(first)}"
    assert page.locator("#yeastar-url").inner_text() == yeastar
    assert page.locator("#webhook-url").inner_text() == f"{live.url}/api/v1/events"
    page.get_by_role("button", name="Copy Yeastar webhook URL").click()
    assert page.evaluate("navigator.clipboard.readText()") == yeastar
    assert f"RINGDESK_URL={live.url}" in page.locator("#curl-example").inner_text()
    shot(page, "settings-new-secret")

    # Shown once: the page read again masks it.
    page.goto(f"{live.url}/admin/settings")
    assert page.locator("#secret-value").count() == 0
    assert first not in page.content().replace(url_token(first), "")
    assert f"…{first[-4:]}" in page.locator("#secret-state").inner_text()
    shot(page, "settings")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Rotate secret").click()
    second = page.locator("#secret-value").inner_text()
    assert second != first
    assert key_file.read_text().strip() == second
    assert page.locator("#yeastar-url").inner_text().endswith(url_token(second))


def test_a_secret_from_the_environment_is_rotated_there(page, live):
    log_in(page, live)
    page.goto(f"{live.url}/admin/settings")
    state = page.locator("#secret-state").inner_text()
    assert "RINGDESK_WEBHOOK_SECRET" in state
    assert "…cret" in state  # test-webhook-secret, masked
    assert page.get_by_role("button", name="Rotate secret").count() == 0
    assert "test-webhook-secret" not in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "settings-environment-phone")
