"""The built-in `freshservice` template, end to end over real HTTP against the Freshservice
fixture, through ringdesk's REST API, flows, outbox and executor (issue 15): API-key connect,
agents over three Link-header pages, screen pop, a requester created once, the call log (a
closed phone ticket), the missed-call ticket, a regenerated API key (401) handled, and a 429's
Retry-After honoured. Freshservice publishes no OpenAPI description: the fixture rests on
the HTML reference (https://api.freshservice.com/)."""

from __future__ import annotations

import base64
import time

from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from ringdesk.templates.validate import validate
from tests.integrations.support import SQLITE_ONLY
from tests.vendors.freshservice import API_KEY, FreshserviceFixture
from tests.vendors.people import CALLER
from tests.vendors.template_run import running

HOST = "acme.freshservice.com"
FIELDS = {"domain": "acme", "api_key": API_KEY}
OPTIONS = {
    "default_region": "US",
    "create_contact": {"enabled": True, "contact_type": "Requesters"},
    "ticket": {"enabled": True, "when": "missed"},
}
UNKNOWN = "+15135550123"
TEMPLATE = load_xml(builtin_xml()["freshservice"])


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:X".encode()).decode()


@SQLITE_ONLY
async def test_every_scenario_against_the_freshservice_fixture(settings):
    """covers A4, A8, U1–U3, C1–C4, C7, C9, N1, L1, T1, L3 for the Freshservice template."""
    fixture = FreshserviceFixture(agent_count=230)
    async with running(settings, fixture, [HOST]) as desk:
        await desk.create("freshservice", FIELDS, OPTIONS)
        assert await desk.connect() == {"status": "connected"}

        # --- users: three pages, the next one named only in the Link header ---------------
        assert await desk.sync_users() == {"requests": 3, "users": 230, "capped": False}
        pages = fixture.requests_to("GET", "/api/v2/agents")
        assert [(p.param("page"), p.param("per_page")) for p in pages] == [
            (None, "100"),
            ("2", "100"),
            ("3", "100"),
        ]
        assert {p.headers["authorization"] for p in pages} == {_basic(API_KEY)}
        users = await desk.users()
        names = {str(a["id"]): (a["first_name"], a["last_name"]) for a in fixture.agents}
        assert all((u["first_name"], u["last_name"]) == names[u["user_id"]] for u in users)
        agent = users[0]
        await desk.link(agent["user_id"])

        # --- screen pop: the number is tried as stored forms until the search finds it ----
        pop = await desk.ring("k-1", CALLER.e164)
        ada = next(r for r in fixture.requesters if r["primary_email"] == CALLER.email)
        assert (pop["matched"], pop["contact_id"]) == (True, str(ada["id"]))
        assert pop["popup_url"] == f"https://{HOST}/users/{ada['id']}"
        searches = fixture.requests_to("GET", "/api/v2/requesters")
        # Ada's work phone is "(513) 555-7611": the E.164 form misses, the national one hits.
        assert [s.param("query") for s in searches] == [
            "\"work_phone_number:'+15135557611' OR mobile_phone_number:'+15135557611'\"",
            "\"work_phone_number:'(513) 555-7611' OR mobile_phone_number:'(513) 555-7611'\"",
        ]

        # --- unknown caller: one contact, then found -------------------------------------
        pop = await desk.ring("u-1", UNKNOWN)
        assert pop["matched"] is False
        await desk.drain()
        [check] = [
            r for r in fixture.requests_to("GET", "/api/v2/requesters") if r.param("query") is None
        ]
        assert check.param("work_phone_number") == UNKNOWN
        [created] = fixture.requests_to("POST", "/api/v2/requesters")
        assert created.json == {
            "first_name": UNKNOWN,
            "work_phone_number": UNKNOWN,
            "background_information": "Created by ringdesk for call u-1",
        }
        new_contact = fixture.requesters[-1]
        pop = await desk.ring("u-2", UNKNOWN)
        assert (pop["matched"], pop["contact_id"]) == (True, str(new_contact["id"]))
        await desk.drain()
        assert len(fixture.requests_to("POST", "/api/v2/requesters")) == 1

        # --- answered → call log: a closed phone ticket -----------------------------------
        await desk.end("k-1", CALLER.e164, answered=True)
        await desk.drain()
        [log] = fixture.requests_to("POST", "/api/v2/tickets")
        assert log.json["requester_id"] == ada["id"]  # an integer, as Freshservice wants
        assert log.json["responder_id"] == int(agent["user_id"])
        assert (log.json["status"], log.json["source"], log.json["priority"]) == (5, 3, 1)
        assert log.json["subject"] == f"Inbound call {CALLER.e164}"
        assert log.json["description"].endswith(
            "00:03:25<br>Recording: https://pbx.example.com/rec/42.wav"
        )
        assert log.json["tags"] == ["ringdesk", "call_log"]

        # --- missed → call log and an open ticket -----------------------------------------
        await desk.end("u-1", UNKNOWN, answered=False)
        await desk.drain()
        posted = [r.json for r in fixture.requests_to("POST", "/api/v2/tickets")]
        assert len(posted) == 3
        [ticket] = [t for t in posted if t["status"] == 2]
        assert ticket["requester_id"] == new_contact["id"]
        assert (ticket["priority"], ticket["source"]) == (2, 3)
        assert ticket["subject"].startswith("Inbound ")

        # --- a regenerated API key: 401, the work waits, the new key delivers it ----------
        fixture.expire_tokens()
        await desk.ring("k-3", CALLER.e164)
        await desk.drain(rounds=1)
        await desk.end("k-3", CALLER.e164, answered=True)
        await desk.deliver()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-3"]
        assert job.status == "pending"
        assert "401" in (job.last_error or "")
        assert API_KEY not in (job.last_error or "")
        fixture.key_auth.keys.add("fs-new-key")
        await desk.patch_fields({"api_key": "fs-new-key"})
        assert await desk.connect() == {"status": "connected"}
        await desk.drain()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-3"]
        assert job.status == "done"
        assert fixture.requests[-1].headers["authorization"] == _basic("fs-new-key")

        # --- 429 with Retry-After: the job waits that long, then delivers once ------------
        await desk.ring("k-2", CALLER.e164)
        await desk.drain()
        fixture.faults.rate_limit(times=1, retry_after=40)
        await desk.end("k-2", CALLER.e164, answered=True)
        before = time.time()
        await desk.deliver()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-2"]
        assert job.status == "pending"
        assert job.next_attempt_at >= before + 40 - 1
        await desk.drain()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-2"]
        assert job.status == "done"
        assert len(fixture.tickets) == 5


def test_the_template_validates_without_errors_or_warnings():
    """covers issue 15: `ringdesk template validate` passes the built-in with no warnings."""
    assert validate(TEMPLATE) == []
