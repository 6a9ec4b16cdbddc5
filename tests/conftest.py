"""Shared fixtures: settings on a fresh database (SQLite file, or PostgreSQL for `pg` tests),
an app, and an admin client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from ringdesk.api.app import create_app
from ringdesk.config import Settings
from ringdesk.services import Services
from ringdesk.store.admin import create_token
from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade
from tests.fuzzing import FUZZ_DEEP
from tests.pg import create_database, postgres_server
from tests.services import close_leftovers, test_services


@pytest.fixture(autouse=True)
def _close_leftover_services() -> Iterator[None]:
    yield
    close_leftovers()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: run once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ringdesk.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_server_url"))
    upgrade(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key=Fernet.generate_key().decode(),
        webhook_secret="test-webhook-secret",
        allow_private_networks=True,
        run_workers=False,
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    yield db
    db.dispose()


@pytest.fixture
def admin_token(database: Database) -> str:
    with database.session() as session:
        return create_token(session, "tests")


@pytest.fixture
def services(settings: Settings) -> Services:
    """The services of the test's app (`client`), for tests that look inside it."""
    return test_services(settings)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient, admin_token: str) -> TestClient:
    """The test client, authorised as an admin."""
    client.headers["Authorization"] = f"Bearer {admin_token}"
    return client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A deep fuzz run (RINGDESK_FUZZ=deep, `make fuzz`) takes minutes per target: lift the
    per-test timeout for the targets marked `fuzz`."""
    if FUZZ_DEEP:
        for item in items:
            if item.get_closest_marker("fuzz") is not None:
                item.add_marker(pytest.mark.timeout(3600))
