"""Each PBX sample, converted, runs its contact search and call log through the real flows
(the test console: `run_scenario` with the production deliverers) against a helpdesk served
on a loopback socket, which records exactly what it received (issue 15, item 4)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ringdesk.console import console_context, run_scenario
from ringdesk.templates.importing import import_xml
from tests.live import serve_app
from tests.services import test_services
from tests.templates.pbx_desk import Received, RecordingDesk

SAMPLES = Path(__file__).parent / "pbx"
CALLER = "+4930123456"
CALL = {
    "phone": CALLER,
    "direction": "inbound",
    "status": "answered",
    "talk_seconds": "65",
    "timestamp": "1704164645",  # 2024-01-02 03:04:05 UTC
    "contact_id": "c1",
    "contact_type": "Contacts",
    "call_id": "live-1",
    "owner": "agent-7",
    "recording_url": "https://pbx.example.com/rec/1.wav",
}


def _template(name: str) -> Any:
    imported = import_xml((SAMPLES / name).read_bytes())
    assert imported.template is not None, imported.problems
    return imported.template


async def _run(
    settings,
    name: str,
    fields: dict[str, str],
    desk: RecordingDesk,
    scenario: str,
    sample: dict[str, str],
):
    services = test_services(settings)
    try:
        with serve_app(desk.app()) as base:
            ctx = console_context(_template(name), {"base_url": base, **fields}, public_url=base)
            run = await run_scenario(services, ctx, scenario, sample)
    finally:
        await services.aclose()
    assert run.ok, run.error
    return run


def _only(desk: RecordingDesk, method: str) -> list[Received]:
    return [r for r in desk.received if r.method == method]


# ---- none: the API key in a custom header ------------------------------------------------
async def test_none_contact_search_and_call_log(settings):
    """covers C1–C4 and L1 for a converted `AuthMethod none` template."""
    contact = {"id": "c1", "first_name": "Ada", "last_name": "Lovelace", "phone": CALLER}
    desk = RecordingDesk({("GET", "/api/contacts"): {"data": [contact]}})
    fields = {"api_key": "key-123", "region": "eu"}
    run = await _run(settings, "none_apikey.xml", fields, desk, "contact-search", {"phone": CALLER})
    first = desk.received[0]
    assert (first.method, first.path) == ("GET", "/api/contacts")
    assert first.query == {"phone": CALLER, "region": "eu"}
    assert first.headers["x-api-key"] == "key-123"
    assert "authorization" not in first.headers
    [found] = run.result["contacts"]
    assert found["id"] == "c1"
    assert found["popup_url"].endswith("/contacts/c1")

    desk = RecordingDesk()
    await _run(settings, "none_apikey.xml", fields, desk, "call-log", CALL)
    [posted] = _only(desk, "POST")
    assert posted.path == "/api/calls"
    body = posted.json()
    assert body["contact"] == "c1"
    assert (body["from"], body["to"]) == (CALLER, "1001")
    assert body["started"] == "2024-01-02T03:04:05+00:00"
    assert body["seconds"] == 65
    assert body["subject"] == f"Inbound call {CALLER}"


# ---- basic ---------------------------------------------------------------------------------
async def test_basic_contact_search_and_call_log(settings):
    """covers A4: the Base64EncodedCredential becomes the Basic header; CallerNumber and
    CalleeNumber became Call_From and Call_To."""
    desk = RecordingDesk(
        {("GET", "/api/v2/search.json"): {"results": [{"id": 9, "name": "Ada", "phone": CALLER}]}}
    )
    fields = {"email": "agent@example.com", "api_token": "tok-9"}
    run = await _run(settings, "basic_desk.xml", fields, desk, "contact-search", {"phone": CALLER})
    first = desk.received[0]
    assert first.query == {"query": f"phone:{CALLER}"}
    expected = base64.b64encode(b"agent@example.com/token:tok-9").decode()
    assert first.headers["authorization"] == f"Basic {expected}"
    assert [c["id"] for c in run.result["contacts"]] == ["9"]

    desk = RecordingDesk()
    await _run(settings, "basic_desk.xml", fields, desk, "call-log", CALL)
    [posted] = _only(desk, "POST")
    assert posted.path == "/api/v2/calls.json"
    call = posted.json()["call"]
    assert (call["from"], call["to"]) == (CALLER, "1001")
    assert call["started_ms"] == 1704164645000
    assert call["duration"] == 65
    assert call["agent"] == "agent-7"
    assert call["note"].startswith("Inbound call, ")


# ---- oauth2 --------------------------------------------------------------------------------
async def test_oauth2_contact_search_and_call_log(settings):
    """covers A5 (the token is sent with the TokenType scheme) and C1 (each contact type of
    SyncContactAuto is searched)."""
    desk = RecordingDesk(
        {
            ("GET", "/api/v1/contacts/search"): {"contacts": []},
            ("GET", "/api/v1/leads/search"): {
                "leads": [{"id": "l5", "name": "Lead", "phone": CALLER}]
            },
        }
    )
    fields = {"client_id": "cid", "client_secret": "secret", "AccessToken": "acc-tok"}
    run = await _run(settings, "oauth2_desk.xml", fields, desk, "contact-search", {"phone": CALLER})
    paths = [r.path for r in desk.received]
    assert set(paths) == {"/api/v1/contacts/search", "/api/v1/leads/search"}
    assert {r.headers["authorization"] for r in desk.received} == {"Bearer acc-tok"}
    assert {r.headers["x-client"] for r in desk.received} == {"cid"}
    assert [(c["contact_type"], c["id"]) for c in run.result["contacts"]] == [("Leads", "l5")]

    desk = RecordingDesk()
    await _run(settings, "oauth2_desk.xml", fields, desk, "call-log", CALL)
    [posted] = _only(desk, "POST")
    assert posted.path == "/api/v1/calls"
    [entry] = posted.json()["data"]
    assert entry["Contacts"] == "c1"  # {{.WhoModule}} is the contact type's name
    assert entry["start"] == "2024-01-02T03:04:05.000Z"
    assert entry["recording"] == "https://pbx.example.com/rec/1.wav"
    assert entry["duration"] == "65"


# ---- bearer --------------------------------------------------------------------------------
async def test_bearer_contact_search_and_call_log(settings):
    """covers A7: TokenType token gives `Authorization: token <T>`; the popup URL is read
    from a contact field (ContactUrlType contact_field)."""
    user = {"id": 4, "RealName": "Ada", "WorkPhone": CALLER, "_url": "https://rt.example/u/4"}
    desk = RecordingDesk({("GET", "/REST/2.0/users"): {"items": [user]}})
    fields = {"api_token": "rt-tok", "queue": "Calls"}
    run = await _run(
        settings, "bearer_token.xml", fields, desk, "contact-search", {"phone": CALLER}
    )
    first = desk.received[0]
    assert first.headers["authorization"] == "token rt-tok"
    assert first.query == {"query": f"WorkPhone={CALLER}"}
    [found] = run.result["contacts"]
    assert found["popup_url"] == "https://rt.example/u/4"

    desk = RecordingDesk()
    await _run(settings, "bearer_token.xml", fields, desk, "call-log", CALL)
    [posted] = _only(desk, "POST")
    assert posted.path == "/REST/2.0/ticket"
    assert posted.json()["Queue"] == "Calls"
    assert posted.json()["Requestor"] == "c1"


# ---- Next chains ---------------------------------------------------------------------------
async def test_chained_requests_run_in_order_with_their_outputs(settings):
    """covers issue 15's Next chaining: the chain's first request runs before the scenario's
    own, and its outputs fill the next request's URL, headers and body."""
    desk = RecordingDesk(
        {
            ("GET", "/api/me"): {"account": {"id": "acc9"}},
            ("GET", "/api/accounts/acc9/contacts"): {
                "contacts": [{"id": "c1", "name": "Ada", "phone": CALLER}]
            },
            ("GET", "/api/tickets"): {"tickets": [{"id": "t7", "queue": "vip"}]},
        }
    )
    fields = {"api_token": "tok"}
    run = await _run(
        settings, "chained_next.xml", fields, desk, "contact-search", {"phone": CALLER}
    )
    assert [r.path for r in desk.received] == ["/api/me", "/api/accounts/acc9/contacts"]
    assert [c["id"] for c in run.result["contacts"]] == ["c1"]

    desk.received.clear()
    await _run(settings, "chained_next.xml", fields, desk, "call-log", CALL)
    lookup, comment = desk.received
    assert (lookup.method, lookup.path) == ("GET", "/api/tickets")
    assert lookup.query == {"contact": "c1", "status": "open", "limit": "1"}
    assert lookup.headers["x-purpose"] == f"call journal of {CALLER}"
    assert (comment.method, comment.path) == ("POST", "/api/tickets/t7/comments")
    assert comment.json()["queue"] == "vip"
    assert comment.json()["seconds"] == 65


# ---- what converts of the template with unmappable parts -----------------------------------
async def test_the_mapped_rest_of_the_unmappable_sample_runs(settings):
    """The parts that converted work: the search (the enrichment request after it is not
    sent), and the journal with the caller's display name (CallerDisplayName → Call_From_Name)."""
    people = {"people": [{"id": "p1", "name": "Ada", "phone": CALLER, "notes": "VIP"}]}
    desk = RecordingDesk({("GET", "/api/people"): people})
    fields = {"tenant": "acme", "client_id": "cid", "client_secret": "s", "AccessToken": "tok"}
    run = await _run(
        settings, "unmappable_parts.xml", fields, desk, "contact-search", {"phone": CALLER}
    )
    assert [r.path for r in desk.received] == ["/api/people"]
    assert desk.received[0].headers["x-tenant"] == "acme"
    [found] = run.result["contacts"]
    assert "Remark" not in found["fields"]

    desk = RecordingDesk()
    sample = {**CALL, "name": "Ada Lovelace"}
    await _run(settings, "unmappable_parts.xml", fields, desk, "call-log", sample)
    [posted] = _only(desk, "POST")
    assert posted.path == "/api/activities"
    assert posted.json()["subject"] == "Call with Ada Lovelace"
    assert posted.json()["from"] == CALLER
    assert posted.json()["at"] == "2024-01-02 03:04:05"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xml")))
def test_every_sample_has_a_live_test(name):
    """A new sample must get its contact search and call log run above."""
    assert name in Path(__file__).read_text()
