"""`ringdesk simulate-call`: signed events to a running ringdesk over a real socket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.events.simulate import call_script, post_events
from ringdesk.store.tables import CallEventRow
from tests.live import serve_app


@pytest.mark.parametrize(
    ("missed", "types", "status"),
    [
        (False, ["call.ringing", "call.answered", "call.ended"], "answered"),
        (True, ["call.ringing", "call.ended"], "missed"),
    ],
    ids=["answered", "missed"],
)
def test_call_script(missed, types, status):
    """An answered call has three events, a missed one two; all share one call id."""
    events = call_script(from_number="+4930123456", to_extension="1001", missed=missed, now=100)
    assert [e["type"] for e in events] == types
    assert len({e["call_id"] for e in events}) == 1
    assert events[-1]["status"] == status
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_post_events_to_a_running_ringdesk(settings, database):
    """The simulated call is accepted and stored by a live ringdesk (covers I2)."""
    events = call_script(from_number="+4930123456", to_extension="1001", name="Ada Lovelace")
    lines = []
    with serve_app(create_app(settings)) as url:
        responses = post_events(
            url, settings.resolved_webhook_secret(), events, pause=0, echo=lines.append
        )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(lines) == 3
    with database.session() as session:
        rows = list(session.scalars(select(CallEventRow).order_by(CallEventRow.id)))
    assert [r.type for r in rows] == ["call.ringing", "call.answered", "call.ended"]
    assert rows[0].payload["from"]["name"] == "Ada Lovelace"


def test_cli_simulate_call_and_agent_link(settings, database):
    """`ringdesk simulate-call` posts a missed call; `admin agent-link` prints a key URL."""
    from click.testing import CliRunner

    from ringdesk.cli import main
    from ringdesk.screenpop.agent_tokens import agent_key

    env = {
        "RINGDESK_WEBHOOK_SECRET": settings.resolved_webhook_secret(),
        "RINGDESK_SECRET_KEY": settings.resolved_secret_key(),
        "RINGDESK_PUBLIC_URL": "http://rd.example:8080",
    }
    runner = CliRunner()
    with serve_app(create_app(settings)) as url:
        result = runner.invoke(
            main,
            [
                "simulate-call",
                "--from",
                "+4930123456",
                "--to",
                "1001",
                "--missed",
                "--pause",
                "0",
                "--url",
                url,
            ],
            env=env,
        )
    assert result.exit_code == 0, result.output
    assert result.output.count("→ 200") == 2
    with database.session() as session:
        types = list(session.scalars(select(CallEventRow.type).order_by(CallEventRow.id)))
    assert types == ["call.ringing", "call.ended"]
    link = runner.invoke(main, ["admin", "agent-link", "1001"], env=env)
    key = agent_key(settings.resolved_secret_key(), "1001")
    assert link.output.strip() == f"http://rd.example:8080/agent/1001?key={key}"
