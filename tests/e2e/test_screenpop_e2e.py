"""End to end over real sockets: a ringing event posted to /api/v1/events reaches the
agent's server-sent event stream as a screen pop with the right contact and URL (C9), and
an unknown caller's pop says so while one create-contact job is queued."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.events.webhook import sign
from ringdesk.store.tables import CallMatch, OutboxJob
from tests.live import serve_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo():
    with serve_app(create_demo_app()) as base:
        yield base


@pytest.fixture
def ringdesk_url(settings, admin_token):
    with serve_app(create_app(settings)) as base:
        yield base


def _event(call_id: str, number: str) -> dict:
    return {
        "type": "call.ringing",
        "call_id": call_id,
        "direction": "inbound",
        "from": {"number": number, "name": "Ada Caller"},
        "to": {"number": "1001"},
        "extension": "1001",
        "timestamp": 1732521600,
    }


async def _next_pop(lines) -> dict:
    event = ""
    async for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "pop":
            return json.loads(line.split(":", 1)[1])
    raise AssertionError("stream ended")


async def test_ringing_event_pops_on_the_agent_stream(
    ringdesk_url, demo, admin_token, settings, database
):
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(
        base_url=ringdesk_url + "/api/v1", headers=headers, timeout=10
    ) as api:
        created = await api.post(
            "/integrations",
            json={
                "template_id": "demo",
                "name": "Demo desk",
                "fields": {"base_url": demo, "api_token": DEFAULT_API_TOKEN},
                "options": {
                    "default_region": "DE",
                    "create_contact": {"enabled": True, "contact_type": "Contacts"},
                },
            },
        )
        assert created.status_code == 201, created.text
        integration_id = created.json()["id"]
        connected = await api.post(f"/integrations/{integration_id}/connect")
        assert connected.json()["status"] == "connected", connected.text

        async def post_event(payload: dict) -> httpx.Response:
            body = json.dumps(payload).encode()
            signature = sign(body, settings.resolved_webhook_secret())
            return await api.post(
                "/events",
                content=body,
                headers={"Content-Type": "application/json", "X-Ringdesk-Signature": signature},
            )

        async with api.stream("GET", "/agents/1001/events") as stream:
            assert stream.status_code == 200
            lines = stream.aiter_lines()
            accepted = await post_event(_event("e2e-1", "+49 30 123456"))
            assert accepted.status_code < 300, accepted.text
            pop = await asyncio.wait_for(_next_pop(lines), 10)
            assert (pop["call_id"], pop["matched"], pop["integration"]) == (
                "e2e-1",
                True,
                "Demo desk",
            )
            assert pop["name"]
            assert pop["popup_url"] == f"{demo}/contacts/{pop['contact_id']}"

            unknown = _event("e2e-2", "+49 40 5550000")
            await post_event(unknown)
            await post_event(unknown)  # a duplicate delivery is processed once
            pop = await asyncio.wait_for(_next_pop(lines), 10)
            assert (pop["call_id"], pop["matched"]) == ("e2e-2", False)
            assert {a["action"] for a in pop["actions"]} == {"create-contact", "new-ticket"}

        # The live match refreshes the local phonebook after the pop went out: wait for it.
        for _ in range(100):
            lookup = await api.get("/phonebook/lookup?phone=030123456&region=DE")
            if lookup.json()["entries"]:
                break
            await asyncio.sleep(0.05)
        assert lookup.json()["name"] == pop_name_of(lookup)
    with database.session() as session:
        match = session.scalar(select(CallMatch).where(CallMatch.call_id == "e2e-1"))
        assert match is not None
        assert match.integration_id == integration_id
        # Each call's contact is settled by one durable job (issue 12), the duplicate event
        # adding none; the unknown caller is created by it, not by the pop.
        jobs = session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()
        assert [(j.kind, j.idempotency_key) for j in jobs] == [
            ("contact", f"contact:{integration_id}:e2e-1"),
            ("contact", f"contact:{integration_id}:e2e-2"),
        ]


def pop_name_of(response: httpx.Response) -> str:
    entries = response.json()["entries"]
    assert entries, "the live match refreshed the local phonebook"
    return entries[0]["name"]
