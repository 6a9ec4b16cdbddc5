"""The built-in `freshdesk` template, end to end over real HTTP against the Freshdesk fixture,
through ringdesk's REST API, flows, outbox and executor (issue 15): API-key connect, agents
over three Link-header pages, screen pop, a contact created once, the call log (a closed
phone ticket), the missed-call ticket, a regenerated API key (401) handled, and a 429's
Retry-After honoured. Freshdesk publishes no OpenAPI description: the fixture rests on the
HTML reference (https://developers.freshdesk.com/api/)."""

from __future__ import annotations

import base64
import time

from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from ringdesk.templates.validate import validate
from tests.integrations.support import SQLITE_ONLY
from tests.vendors.freshdesk import API_KEY, FreshdeskFixture
from tests.vendors.people import CALLER
from tests.vendors.template_run import running

HOST = "acme.freshdesk.com"
FIELDS = {"domain": "acme", "api_key": API_KEY}
OPTIONS = {
    "default_region": "US",
    "create_contact": {"enabled": True, "contact_type": "Contacts"},
    "ticket": {"enabled": True, "when": "missed"},
}
UNKNOWN = "+15135550123"
TEMPLATE = load_xml(builtin_xml()["freshdesk"])


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:X".encode()).decode()


@SQLITE_ONLY
async def test_every_scenario_against_the_freshdesk_fixture(settings):
    """covers A4, A8, U1–U3, C1–C4, C7, C9, N1, L1, T1, L3 for the Freshdesk template."""
    fixture = FreshdeskFixture(agent_count=230)
    async with running(settings, fixture, [HOST]) as desk:
        await desk.create("freshdesk", FIELDS, OPTIONS)
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
        names = {str(a["id"]): a["contact"]["name"] for a in fixture.agents}
        assert all(u["first_name"] == names[u["user_id"]] for u in users)
        agent = users[0]
        await desk.link(agent["user_id"])

        # --- screen pop: the number is tried as stored forms until the search finds it ----
        pop = await desk.ring("k-1", CALLER.e164)
        ada = next(c for c in fixture.contacts if c["email"] == CALLER.email)
        assert (pop["matched"], pop["contact_id"]) == (True, str(ada["id"]))
        assert pop["popup_url"] == f"https://{HOST}/a/contacts/{ada['id']}"
        searches = fixture.requests_to("GET", "/api/v2/search/contacts")
        # Ada is stored as "5135557611": the E.164 form misses, the national form finds her.
        assert [s.param("query") for s in searches] == [
            "\"phone:'+15135557611' OR mobile:'+15135557611'\"",
            "\"phone:'(513) 555-7611' OR mobile:'(513) 555-7611'\"",
        ]

        # --- unknown caller: one contact, then found -------------------------------------
        pop = await desk.ring("u-1", UNKNOWN)
        assert pop["matched"] is False
        await desk.drain()
        [check] = fixture.requests_to("GET", "/api/v2/contacts")
        assert check.param("phone") == UNKNOWN
        [created] = fixture.requests_to("POST", "/api/v2/contacts")
        assert created.json == {
            "name": UNKNOWN,
            "phone": UNKNOWN,
            "description": "Created by ringdesk for call u-1",
        }
        new_contact = fixture.contacts[-1]
        pop = await desk.ring("u-2", UNKNOWN)
        assert (pop["matched"], pop["contact_id"]) == (True, str(new_contact["id"]))
        await desk.drain()
        assert len(fixture.requests_to("POST", "/api/v2/contacts")) == 1

        # --- answered → call log: a closed phone ticket -----------------------------------
        await desk.end("k-1", CALLER.e164, answered=True)
        await desk.drain()
        [log] = fixture.requests_to("POST", "/api/v2/tickets")
        assert log.json["requester_id"] == ada["id"]  # an integer, as Freshdesk wants
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
        fixture.key_auth.keys.add("fd-new-key")
        await desk.patch_fields({"api_key": "fd-new-key"})
        assert await desk.connect() == {"status": "connected"}
        await desk.drain()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-3"]
        assert job.status == "done"
        assert fixture.requests[-1].headers["authorization"] == _basic("fd-new-key")

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
