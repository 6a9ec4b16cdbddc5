"""Fixtures of the Request Tracker lane: one throwaway RT 5 for the whole session, seeded
once with the standard agents and contacts. Without RT the lane skips locally and fails
in CI (CI=true), where .ci/run installs it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pg import in_ci
from tests.rt.rest2 import RtClient
from tests.rt.rtserver import RtServer, RtStartError, RtUnavailable, locate_rt, rt_server
from tests.rt.seed import Seeded

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Seconds per step, filled by the fixtures and the latency test; reported at session end.
TIMINGS: dict[str, float] = {}


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where every service must be present."""
    if in_ci():
        pytest.fail(f"Request Tracker 5 is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def rt() -> Iterator[RtServer]:
    """A running RT 5 on 127.0.0.1 (see RtServer); stopped, files removed, at session end."""
    try:
        install = locate_rt()
    except RtUnavailable as exc:
        unavailable(str(exc))
        return
    try:
        with rt_server(install=install) as server:
            TIMINGS.update(server.timings)
            yield server
    except RtStartError as exc:
        pytest.fail(f"Request Tracker 5 did not start: {exc}")


@pytest.fixture(scope="session")
def rt_seeded(rt: RtServer) -> Seeded:
    """The standard agents and 120 contacts (tests.rt.seed), created once over REST2."""
    seeded = rt.seed()
    TIMINGS["seed"] = seeded.seconds
    return seeded


@pytest.fixture
def rt_client(rt: RtServer) -> Iterator[RtClient]:
    """A REST2 client of its own with root's token."""
    with rt.client() as client:
        yield client


@pytest.fixture
def new_contact(rt: RtServer) -> Callable[..., str]:
    """Make a contact of this test alone (so ticket searches see only its tickets):
    `new_contact(email=True, WorkPhone="...")` creates `caller-<random>` and returns its Name."""

    def make(*, email: bool = False, **fields: str) -> str:
        name = f"caller-{uuid.uuid4().hex[:12]}"
        if email:
            fields["EmailAddress"] = f"{name}@customers.example"
        return rt.rest.create_user(name, RealName="Test Caller", **fields)

    return make


@pytest.fixture(scope="session")
def rt_timings() -> dict[str, float]:
    """Seconds per measured step; written to tests/artifacts/rt-timings.json at the end."""
    return TIMINGS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "rt-timings.json").write_text(json.dumps(TIMINGS, indent=2, sort_keys=True))
    terminalreporter.section("Request Tracker 5 timings")
    for name, seconds in sorted(TIMINGS.items()):
        terminalreporter.write_line(f"{name:<28} {seconds * 1000:9.1f} ms")
