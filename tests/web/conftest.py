"""Browser fixtures: the app on real uvicorn with a fresh SQLite database, and one headless
Debian Chromium for the whole session (Playwright drives it; no browser download)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from ringdesk.api.app import create_app
from ringdesk.config import Settings
from ringdesk.services import Services
from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade
from ringdesk.store.tables import AdminUser
from ringdesk.web.auth import hash_password
from tests.live import serve_app
from tests.pg import in_ci
from tests.services import test_services

CHROMIUM = os.environ.get("RINGDESK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ADMIN = ("admin", "correct horse battery")


def _unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where Chromium must be installed (.ci/run)."""
    if in_ci():
        pytest.fail(f"Chromium is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveApp:
    url: str
    app: Any
    settings: Settings
    db: Database
    services: Services

    def add_admin(self) -> None:
        """The default admin, with a hash made once per session (argon2 is slow on purpose)."""
        with self.db.session() as session:
            session.add(AdminUser(username=ADMIN[0], password_hash=_admin_hash()))
            session.commit()


@functools.cache
def _admin_hash() -> str:
    return hash_password(ADMIN[1])


def make_settings(tmp_path: Path, **extra: Any) -> Settings:
    url = f"sqlite:///{tmp_path / 'ringdesk.db'}"
    upgrade(url)
    values: dict[str, Any] = {
        "database_url": url,
        "data_dir": tmp_path / "var",
        "secret_key": Fernet.generate_key().decode(),
        "webhook_secret": "test-webhook-secret",
        "allow_private_networks": True,
        "run_workers": False,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApp]:
    """The whole app on a real socket, on a fresh SQLite database."""
    from tests.live import free_port

    port = free_port()
    settings = make_settings(tmp_path, public_url=f"http://127.0.0.1:{port}")
    services = test_services(settings)
    app = create_app(services=services)
    # Open event streams (agent pages) must not hold the shutdown for long.
    with serve_app(app, port=port, timeout_graceful_shutdown=1) as url:
        yield LiveApp(url, app, settings, services.database, services)


@pytest.fixture
def page(browser: Any, live: LiveApp) -> Iterator[Any]:
    # Depends on `live` so the browser leaves before the server stops.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def log_in(page: Any, live: LiveApp) -> None:
    """Log in through the real form as the default admin (created if missing)."""
    from ringdesk.web.auth import admin_count

    with live.db.session() as session:
        missing = not admin_count(session)
    if missing:
        live.add_admin()
    page.goto(f"{live.url}/admin/login")
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live.url}/admin/integrations")


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
