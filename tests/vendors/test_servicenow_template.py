"""The built-in `servicenow` template, end to end over real HTTP against the ServiceNow
Table API fixture, through the real flows: connect, user sync across `Link`-header pages,
screen pop, contact creation, call log (a resolved phone incident, deduplicated by
`correlation_id`), ticket, and a rate-limit rule's 429 (issue 15, items 1-2)."""

from __future__ import annotations

import base64

import pytest

from tests.vendors.people import CALLER
from tests.vendors.servicenow import PASSWORD, USER, ServiceNowFixture
from tests.vendors.template_flows import Desk, open_desk

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

UNKNOWN = "+493012345678"
USERS = "/api/now/table/sys_user"
INCIDENTS = "/api/now/table/incident"
OPTIONS = {
    "create_contact": {"enabled": True, "contact_type": "Users"},
    "ticket": {"enabled": True, "when": "missed"},
}


@pytest.fixture
async def servicenow(settings):
    fixture = ServiceNowFixture(agent_count=230)
    with fixture.serve() as base_url:
        desk = open_desk(settings)
        fields = {"base_url": base_url, "username": USER, "password": PASSWORD}
        await desk.create("servicenow", fields, OPTIONS)
        yield fixture, desk, base_url
        await desk.services.aclose()


async def _connected(desk: Desk, fixture: ServiceNowFixture) -> str:
    assert await desk.connect() == {"status": "connected"}
    result = await desk.sync_users()
    assert len(result.users) == 230
    agent = fixture.users[0]["sys_id"]
    desk.assign_extension(agent, "1001")
    return str(agent)


async def test_connect_and_user_sync_follow_the_link_header(servicenow):
    """covers A4 (Basic user:password) and U1-U4 (three pages through `Link: rel=next`)."""
    fixture, desk, _ = servicenow
    await _connected(desk, fixture)
    pages = fixture.requests_to("GET", USERS)
    assert [r.param("sysparm_offset") for r in pages] == ["0", "100", "200"]
    assert {r.param("sysparm_limit") for r in pages} == {"100"}
    assert {r.param("sysparm_query") for r in pages} == {
        "active=true^roles=itil^ORDERBYsys_created_on"
    }
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert {r.headers["authorization"] for r in fixture.requests} == {expected}
    names = {u.user_id: (u.first_name, u.last_name) for u in desk.users()}
    assert names[fixture.users[0]["sys_id"]] == ("Ada", fixture.users[0]["last_name"])
    assert len(names) == 230  # the callers (no itil role) are not agents


async def test_known_caller_pops_and_answered_call_is_a_resolved_phone_incident(servicenow):
    """covers C1-C4 (LIKE on the stored text: the national form finds `(513) 555-7611`),
    C9 (pop into the user form) and L1 (call log with its duplicate check)."""
    fixture, desk, base_url = servicenow
    agent = await _connected(desk, fixture)
    caller = next(u for u in fixture.users if u["last_name"] == "Lovelace")
    pop = await desk.ring(CALLER.e164, "call-1")
    assert (pop["matched"], pop["contact_id"]) == (True, caller["sys_id"])
    assert pop["popup_url"] == f"{base_url}/nav_to.do?uri=sys_user.do%3Fsys_id%3D{caller['sys_id']}"
    searches = [r.param("sysparm_query") for r in fixture.requests_to("GET", USERS)[3:]]
    assert searches == [
        f"phoneLIKE{CALLER.e164}^ORmobile_phoneLIKE{CALLER.e164}",
        "phoneLIKE(513) 555-7611^ORmobile_phoneLIKE(513) 555-7611",
    ]

    await desk.end(CALLER.e164, "call-1", recording_url="https://pbx.example.com/r/1.wav")
    [lookup] = fixture.requests_to("GET", INCIDENTS)
    assert lookup.param("sysparm_query") == "correlation_id=ringdesk-call-1"
    [created] = fixture.requests_to("POST", INCIDENTS)
    body = created.json
    assert (body["caller_id"], body["assigned_to"]) == (caller["sys_id"], agent)
    assert (body["contact_type"], body["state"]) == ("phone", "6")
    assert (body["close_code"], body["correlation_id"]) == ("Solution provided", "ringdesk-call-1")
    assert body["short_description"] == f"Inbound call {CALLER.e164}"
    assert body["description"].endswith("https://pbx.example.com/r/1.wav")
    [job] = desk.jobs("call_log")
    assert job.status == "done"
    assert not fixture.requests_to("POST", USERS)


async def test_a_call_log_already_in_servicenow_is_not_created_again(servicenow):
    """covers L3 for a helpdesk without idempotency keys: the duplicate check finds the
    incident a previous attempt created (its correlation_id) and skips the create."""
    fixture, desk, _ = servicenow
    await _connected(desk, fixture)
    fixture.incidents.append(
        {"sys_id": "f" * 32, "number": "INC0010001", "correlation_id": "ringdesk-call-9"}
    )
    await desk.ring(CALLER.e164, "call-9")
    await desk.end(CALLER.e164, "call-9")
    assert fixture.requests_to("POST", INCIDENTS) == []
    [job] = desk.jobs("call_log")
    assert job.status == "done"
    assert job.result["id"] == "f" * 32


async def test_unknown_caller_is_created_once_and_missed_call_opens_an_incident(servicenow):
    """covers N1-N3 and T1-T3."""
    fixture, desk, _ = servicenow
    await _connected(desk, fixture)
    pop = await desk.ring(UNKNOWN, "call-2", name="Grace Hopper")
    assert pop["matched"] is False
    await desk.end(UNKNOWN, "call-2", name="Grace Hopper", status="missed", talk_seconds=0)
    await desk.drain()
    [user] = fixture.requests_to("POST", USERS)
    assert user.json == {"first_name": "Grace", "last_name": "Hopper", "phone": UNKNOWN}
    created = fixture.users[-1]["sys_id"]
    incidents = [r.json for r in fixture.requests_to("POST", INCIDENTS)]
    [log] = [i for i in incidents if i.get("state") == "6"]
    [ticket] = [i for i in incidents if "state" not in i]
    assert log["caller_id"] == ticket["caller_id"] == created
    assert ticket["short_description"] == f"Inbound Missed - from {UNKNOWN} to 1001"
    assert (ticket["contact_type"], ticket["urgency"], ticket["impact"]) == ("phone", "3", "3")

    pop = await desk.ring(UNKNOWN, "call-3")
    assert (pop["matched"], pop["contact_id"]) == (True, created)
    await desk.end(UNKNOWN, "call-3")
    assert len(fixture.requests_to("POST", USERS)) == 1


async def test_429_waits_for_retry_after_then_delivers(servicenow):
    """covers the retry policy: a rate-limit rule's 429 is retried after its Retry-After."""
    fixture, desk, _ = servicenow
    await _connected(desk, fixture)
    fixture.faults.rate_limit(times=1, retry_after=9)
    pop = await desk.ring(CALLER.e164, "call-4")
    assert pop["matched"] is True
    assert desk.clock.sleeps[-1] == 9

    fixture.faults.rate_limit(times=1, retry_after=4)
    await desk.end(CALLER.e164, "call-4")
    assert desk.clock.sleeps[-1] == 4
    assert len(fixture.incidents) == 1
    assert [j.status for j in desk.jobs("call_log")] == ["done"]
