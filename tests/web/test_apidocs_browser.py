"""The interactive API documentation works offline: `/docs` (Swagger UI) and `/redoc`
(ReDoc) render the endpoints with every request to anything but 127.0.0.1 refused, because
ringdesk serves their JavaScript itself (issue 16)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web.conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def offline(page):
    """The page with the network cut off but for 127.0.0.1, the refused URLs, page errors."""
    refused: list[str] = []

    def only_loopback(route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.context.route("**/*", only_loopback)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, refused, errors


def test_swagger_ui_renders_offline(offline, live):
    page, refused, errors = offline
    page.goto(f"{live.url}/docs")
    paths = page.locator(".opblock-summary-path")
    paths.first.wait_for()
    shown = set(paths.all_inner_texts())
    assert "/api/v1/events" in {p.replace("\u200b", "") for p in shown}
    assert paths.count() > 20
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("ringdesk")
    shot(page, "apidocs-swagger", full_page=False)
    assert errors == []
    assert refused == []


def test_redoc_renders_offline(offline, live):
    page, refused, errors = offline
    page.goto(f"{live.url}/redoc")
    operation = page.locator("[data-section-id^='operation/']")
    operation.first.wait_for()
    assert operation.count() > 20
    # The operation ids name the events webhook (tag "events", function "post_event").
    assert page.locator("[data-section-id='operation/events-post_event']").count() == 1
    shot(page, "apidocs-redoc", full_page=False)
    assert errors == []
    assert refused == []


def test_pages_load_no_script_but_their_own(offline, live):
    """Every script and stylesheet on the docs pages comes from ringdesk's /static."""
    page, _refused, _errors = offline
    for path in ("/docs", "/redoc"):
        page.goto(f"{live.url}{path}")
        sources = page.eval_on_selector_all(
            "script[src], link[rel=stylesheet]", "els => els.map(e => e.src || e.href)"
        )
        assert sources
        assert all(s.startswith(f"{live.url}/static/") for s in sources), sources
        inline = page.eval_on_selector_all("script:not([src])", "els => els.length")
        assert inline == 0, path
