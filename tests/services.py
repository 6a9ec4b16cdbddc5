"""Services for tests, closed after each test even when it fails half-way: every
`test_services(...)` is remembered, and `tests/conftest.py` disposes what is left."""

from __future__ import annotations

from typing import Any

from ringdesk.config import Settings
from ringdesk.services import Services
from ringdesk.testing import make_services

OPEN: list[Services] = []


def test_services(settings: Settings, **options: Any) -> Services:
    """`ringdesk.testing.make_services`, remembered for clean-up."""
    services = make_services(settings, **options)
    OPEN.append(services)
    return services


test_services.__test__ = False  # type: ignore[attr-defined]  (not a test, despite its name)


def close_leftovers() -> None:
    """Dispose the databases of services a test did not close (a failed test)."""
    while OPEN:
        OPEN.pop().database.dispose()
