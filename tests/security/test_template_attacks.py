"""Issue 14, medium 1 over the real app: the attacks that exhausted memory and time, run
through the paths an attacker has — `ringdesk template validate`, the template API, a saved
template delivering in the outbox worker, a helpdesk answering deeply nested JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.cli import main
from ringdesk.runtime import outbox_worker
from ringdesk.store.tables import HelpdeskUser, OutboxJob
from ringdesk.testing import call_event, signed_headers
from tests.live import serve_app
from tests.outbox.helpers import add_integration
from tests.security.desk import RecordingDesk, desk_template
from tests.security.memory import peak_growth_mib
from tests.services import test_services

SECRET = "test-webhook-secret"  # the `settings` fixture's webhook secret

# The amplifier: ten copies of a value per printf, 8 times over, is 10**9 characters.
AMPLIFIER = (
    '{{$a := "xxxxxxxxxx"}}'
    + '{{$a = printf "%s%s%s%s%s%s%s%s%s%s" $a $a $a $a $a $a $a $a $a $a}}' * 8
    + "{{$a}}"
)
N = 3000
DEEP_PATHS = {
    "queries": "#(" * N + "a" + ")" * N,
    "multipaths": "[" * N + "a" + "]" * N,
    "modifier-argument": "@join:" + "[" * N + "]" * N,
}


@pytest.fixture
def desk() -> Iterator[tuple[RecordingDesk, str]]:
    fake = RecordingDesk()
    with serve_app(fake) as url:
        yield fake, url


def _validate_cli(path: Path):
    return CliRunner().invoke(main, ["template", "validate", str(path)])


# -- validation: the CLI and the API refuse the attack before it is saved ------------------------


def test_cli_validate_refuses_the_printf_amplifier_at_its_printf(tmp_path):
    """covers E1 (issue 14 medium 1): `template validate` accepted the amplifier."""
    path = tmp_path / "amp.xml"
    text = desk_template("https://desk.example", url="@BASE@/calls", body=AMPLIFIER)
    path.write_text(text)
    started = time.monotonic()
    result = _validate_cli(path)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [ln for ln in result.output.splitlines() if "too costly" in ln]
    assert line.startswith(f"{path}:")
    where = line.split(":")
    row, column = int(where[1]), int(where[2])
    assert text.splitlines()[row - 1][column - 1 :].startswith("printf")
    assert "CallLog.Request.Body" in line
    assert "max_value" in line


def test_api_refuses_to_save_the_printf_amplifier(admin):
    """covers E1: the import API answers 422 with the located problem and saves nothing."""
    text = desk_template("https://desk.example", url="@BASE@/calls", body=AMPLIFIER)
    before = len(admin.get("/api/v1/templates").json()["templates"])
    for route in ("/api/v1/templates", "/api/v1/templates/validate"):
        response = admin.post(route, content=text, headers={"Content-Type": "application/xml"})
        problems = response.json()["problems"]
        costly = [p for p in problems if "too costly" in p["message"]]
        assert costly, problems
        assert costly[0]["severity"] == "error"
        assert costly[0]["line"] is not None
    assert response.json()["valid"] is False
    assert len(admin.get("/api/v1/templates").json()["templates"]) == before


@pytest.mark.parametrize("path", list(DEEP_PATHS.values()), ids=list(DEEP_PATHS))
def test_cli_validate_names_a_3000_deep_gjson_path_briefly(tmp_path, path):
    """covers E3 (issue 14, low: a traceback on validate): a clear, located, short error."""
    xml = tmp_path / "deep.xml"
    xml.write_text(desk_template("https://desk.example", url="@BASE@/calls", search_path=path))
    started = time.monotonic()
    result = _validate_cli(xml)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = [ln for ln in result.output.splitlines() if "nested deeper" in ln]
    assert "Mapping.Field[0]" in line
    assert "path nested deeper than 100 levels" in line
    assert len(line) < 400, line[:200]  # the path is quoted in part, not 6,000 characters


# -- run time: a saved amplifier fails its one job for good, and nothing else --------------------


def _save_unchecked(database, xml: str, template_id: str) -> int:
    """Store a template without validating it — one saved before the check existed, or
    written into the database directly — and a connected integration on it."""
    integration = add_integration(database, xml=xml, template_id=template_id)
    with database.session() as session:
        session.add(HelpdeskUser(integration_id=integration, user_id="u-1001", extension="1001"))
    return integration


async def test_saved_amplifier_fails_its_job_for_good_and_spares_the_others(
    settings, database, desk
):
    """covers E1, O2: the worker renders the amplifier for a call; the budget stops it with a
    clear message, the job is failed (not retried), memory stays flat, and the same call's
    log for a well-behaved integration is delivered."""
    fake, url = desk
    bad = _save_unchecked(database, desk_template(url, url="@BASE@/bad", body=AMPLIFIER), "amp")
    good = _save_unchecked(database, desk_template(url, url="@BASE@/good"), "good")
    services = test_services(settings)
    try:
        with TestClient(create_app(services=services)) as client:
            raw = json.dumps(call_event("call.ended")).encode()
            response = client.post(
                "/api/v1/events", content=raw, headers=signed_headers(raw, SECRET)
            )
            assert response.status_code == 200, response.text

        async def deliver() -> None:
            worker = outbox_worker(services)
            for _ in range(3):  # a job retried would show up as a second attempt
                await worker.run_until_idle()

        started = time.monotonic()
        growth = await peak_growth_mib(deliver)
        elapsed = time.monotonic() - started
    finally:
        await services.aclose()
    with database.session() as session:
        logs = {
            j.integration_id: j
            for j in session.scalars(select(OutboxJob).where(OutboxJob.kind == "call_log"))
        }
    assert logs[bad].status == "failed"
    assert logs[bad].attempts == 1
    assert "budget of 1000000 characters (max_value)" in (logs[bad].last_error or "")
    assert logs[good].status == "done"
    assert fake.paths("POST") == ["/good"]
    assert growth < 64, f"peak RSS grew {growth:.0f} MiB"
    assert elapsed < 10


# -- helpdesk answers: @dig and @flatten over deeply nested data ---------------------------------

DEEP_ANSWER = ('{"data":[' + '{"a":' * N + "1" + "}" * N + "]}").encode()


@pytest.mark.parametrize(
    "path",
    ["data.@dig:a", 'data|@flatten:{"deep":true}', "data.#.a", "data.0.a.a.a"],
    ids=["dig", "flatten-deep", "each-element", "plain-keys"],
)
def test_deep_helpdesk_answer_under_dig_and_flatten_is_bounded(settings, database, desk, path):
    """covers E3: a contact search whose mapping reads an answer nested 3,000 deep stops at
    the depth budget: the lookup answers at once with no contact (it was a 500 where the
    mapping parsed the answer with `json`, which overflowed the stack)."""
    fake, url = desk
    fake.search_answer = DEEP_ANSWER
    integration = _save_unchecked(
        database, desk_template(url, url="@BASE@/calls", search_path=path), "deep"
    )
    services = test_services(settings)
    from ringdesk.store.admin import create_token

    with database.session() as session:
        token = create_token(session, "t")
    with TestClient(
        create_app(services=services),
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        started = time.monotonic()
        response = client.get(
            f"/api/v1/integrations/{integration}/contacts/lookup", params={"phone": "+4930123456"}
        )
        elapsed = time.monotonic() - started
    assert fake.paths("GET"), "the helpdesk was asked"
    assert response.status_code == 200, response.text[:300]
    assert response.json()["contacts"] == []
    assert elapsed < 5
