"""The dashboard in a real browser (issue 16), with data made the way production makes it:
ringdesk (with its background workers) connected to the demo helpdesk, a few calls posted as
signed events through the real API, the outbox delivering their call logs and tickets. The
charts must have drawn (canvas with the series' colours) and their legends show the numbers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ringdesk.api.app import create_app
from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.store.admin import create_token
from ringdesk.testing import call_event, signed_headers
from tests.live import free_port, serve_app
from tests.services import test_services
from tests.web.conftest import LiveApp, log_in, make_settings, shot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# The calls: Ada (a demo contact) answered, an unknown caller missed, one still ringing.
CALLS = (
    ("dash-1", "+4930123456", ["call.ringing", "call.answered", "call.ended"], {}),
    ("dash-2", "+4940555000", ["call.ringing", "call.ended"], {"status": "missed"}),
    ("dash-3", "+4930123456", ["call.ringing"], {}),
)


@pytest.fixture
def working(tmp_path) -> Iterator[tuple[LiveApp, str]]:
    """ringdesk with its workers running, connected to a demo helpdesk; (app, API token)."""
    with serve_app(create_demo_app()) as demo:
        port = free_port()
        settings = make_settings(tmp_path, public_url=f"http://127.0.0.1:{port}", run_workers=True)
        services = test_services(settings)
        app = create_app(services=services)
        with serve_app(app, port=port, timeout_graceful_shutdown=1) as url:
            live = LiveApp(url, app, settings, services.database, services)
            with live.db.session() as session:
                token = create_token(session, "dashboard test")
            _connect(url, token, demo)
            yield live, token


@pytest.fixture
def working_page(browser: Any, working: tuple[LiveApp, str]) -> Iterator[Any]:
    # Depends on `working` so the browser leaves before the servers stop.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _connect(url: str, token: str, demo: str) -> None:
    with httpx.Client(base_url=f"{url}/api/v1", headers=_auth(token), timeout=30) as api:
        created = api.post(
            "/integrations",
            json={
                "template_id": "demo",
                "name": "Demo desk",
                "fields": {"base_url": demo, "api_token": DEFAULT_API_TOKEN},
                "options": {
                    "call_log": {"enabled": True},
                    "ticket": {"enabled": True, "when": "missed"},
                },
            },
        )
        assert created.status_code == 201, created.text
        connected = api.post(f"/integrations/{created.json()['id']}/connect")
        assert connected.json()["status"] == "connected", connected.text


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _place_calls(live: LiveApp) -> None:
    secret = live.settings.resolved_webhook_secret()
    for call_id, number, types, ended in CALLS:
        for type_ in types:
            extra = ended if type_ == "call.ended" else {}
            body = json.dumps(call_event(type_, call_id, from_number=number, **extra)).encode()
            response = httpx.post(
                f"{live.url}/api/v1/events", content=body, headers=signed_headers(body, secret)
            )
            assert response.status_code == 200, response.text


def _wait_for_deliveries(live: LiveApp, token: str) -> dict[str, Any]:
    """The dashboard data once the outbox has done the call log and the ticket."""
    deadline = time.monotonic() + 30
    while True:
        data = httpx.get(f"{live.url}/api/v1/dashboard", headers=_auth(token)).json()
        if sum(data["deliveries"]["done"]) >= 2 or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def _legend(page: Any, chart: str, label: str) -> str:
    row = page.locator(f"#{chart} .u-legend tr.u-series", has_text=label)
    return row.locator(".u-value").inner_text()


def _coloured_pixels(page: Any, chart: str, rgb: tuple[int, int, int]) -> int:
    """How many pixels of the chart's canvas have the colour `rgb` (a series was drawn)."""
    return page.evaluate(
        """([chart, rgb]) => {
          const canvas = document.querySelector(`#${chart} canvas`);
          const {data} = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 0; i < data.length; i += 4)
            if (Math.abs(data[i] - rgb[0]) < 8 && Math.abs(data[i + 1] - rgb[1]) < 8
                && Math.abs(data[i + 2] - rgb[2]) < 8 && data[i + 3] > 200) n++;
          return n;
        }""",
        [chart, list(rgb)],
    )


GREEN, RED, GREY, BLUE = (
    (0x1B, 0x7A, 0x3A),
    (0xB3, 0x26, 0x1E),
    (0x8D, 0x97, 0xA6),
    (0x1F, 0x5F, 0xBF),
)


def test_dashboard_draws_calls_pops_deliveries_and_tokens(working_page, working):
    page, (live, token) = working_page, working
    _place_calls(live)
    data = _wait_for_deliveries(live, token)
    assert data["calls"]["total"] == 3
    assert sum(data["deliveries"]["done"]) >= 2, data["deliveries"]

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_selector("#dashboard[data-drawn]")

    for chart in ("chart-calls", "chart-pops", "chart-deliveries", "chart-latency", "chart-errors"):
        size = page.locator(f"#{chart} canvas").evaluate("c => [c.width, c.height]")
        assert size[0] > 200, chart
        assert size[1] > 100, chart
    # Each series drew its bars in its own colour.
    assert _coloured_pixels(page, "chart-calls", GREEN) > 20
    assert _coloured_pixels(page, "chart-calls", RED) > 20
    assert _coloured_pixels(page, "chart-calls", GREY) > 20
    assert _coloured_pixels(page, "chart-pops", BLUE) > 20
    assert _coloured_pixels(page, "chart-deliveries", GREEN) > 20
    assert _coloured_pixels(page, "chart-latency", BLUE) > 5  # the integration's line

    # Legends: the period's numbers while the pointer is elsewhere.
    assert _legend(page, "chart-calls", "Answered") == "1"
    assert _legend(page, "chart-calls", "Missed") == "1"
    assert _legend(page, "chart-calls", "Open") == "1"
    assert int(_legend(page, "chart-deliveries", "Done")) >= 2
    assert _legend(page, "chart-latency", "Demo desk").endswith("ms")
    assert _legend(page, "chart-errors", "Demo desk") == "0.0 %"
    assert "3 calls in the last 24 hours" in page.locator("#calls-note").inner_text()
    pops = int(page.locator("#pops-published").inner_text())
    assert pops >= 2  # a pop per ringing call with a connected integration
    assert page.locator("#pops-p50").inner_text().endswith("ms")
    assert "this process" in page.locator("#pops").inner_text().lower()

    token_card = page.locator("#token-list li", has_text="Demo desk")
    assert "connected" in token_card.inner_text()
    assert errors == []
    shot(page, "dashboard")

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # the charts follow the width after a short debounce
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "dashboard-phone")


def test_dashboard_without_data_says_so(page, live):
    log_in(page, live)
    page.goto(f"{live.url}/admin/dashboard?hours=6")
    page.wait_for_selector("#dashboard[data-drawn]")
    assert "No calls in the last 6 hours" in page.locator("#calls-note").inner_text()
    assert _legend(page, "chart-calls", "Answered") == "0"
    assert page.locator("#pops-p50").inner_text() == "–"
    assert "No integrations yet" in page.locator("#token-list").inner_text()
    assert page.get_by_role("link", name="6 hours").get_attribute("aria-current") == "page"


def test_hovering_an_hour_shows_its_numbers(working_page, working):
    page, (live, _token) = working_page, working
    _place_calls(live)
    log_in(page, live)
    page.goto(f"{live.url}/admin/dashboard?hours=6")
    page.wait_for_selector("#dashboard[data-drawn]")
    assert _legend(page, "chart-calls", "Hour") == "last 6 hours"
    plot = page.locator("#chart-calls .u-over")
    box = plot.bounding_box()
    # The last of 6 hours is the right-most sixth of the plot.
    page.mouse.move(box["x"] + box["width"] * 11 / 12, box["y"] + box["height"] / 2)
    assert _legend(page, "chart-calls", "Open") == "1"
    assert "–" in _legend(page, "chart-calls", "Hour")
    shot(page, "dashboard-hover", full_page=False)
    page.mouse.move(box["x"] + box["width"] / 12, box["y"] + box["height"] / 2)
    assert _legend(page, "chart-calls", "Answered") == "0"
