"""The built-in `request-tracker` template through every scenario against a real Request
Tracker 5 (issue 13 item 4): ringdesk runs as in production (its REST API, webhook intake and
outbox worker, `tests.rt.desk`), RT is the lane's throwaway instance. Each test asserts on
what RT stored (read back over REST2), and on what ringdesk sent (its request log).

What each scenario sent and what RT stored lands in `tests/artifacts/rt-scenarios.json`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.rt.desk import Desk, Sent, running_desk
from tests.rt.rest2 import RtClient
from tests.rt.rtserver import RtServer
from tests.rt.seed import PHONE_FIELDS, PHONE_SPELLINGS, Seeded

pytestmark = pytest.mark.rt

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "rt-scenarios.json"
REPORT: dict[str, dict[str, Any]] = {}
EXTENSIONS = {"1001": "alice@example.com", "1002": "bob@example.com"}
TICKET_FIELDS = ("Subject", "Status", "Owner", "Requestor")


def record(scenario: str, sent: list[Sent], **stored: Any) -> None:
    REPORT[scenario] = {"sent": [str(s) for s in sent], "rt_stored": stored}


@pytest.fixture(scope="module")
def desk(
    rt: RtServer, rt_seeded: Seeded, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """ringdesk with the PBX's extensions 1001 (alice) and 1002 (bob)."""
    with running_desk(tmp_path_factory.mktemp("ringdesk")) as running:
        for number, email in EXTENSIONS.items():
            answer = running.api.put(f"/extensions/{number}", json={"name": email, "email": email})
            assert answer.status_code == 200, answer.text
        yield running
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(REPORT, indent=2, sort_keys=True))


def create_integration(desk: Desk, rt: RtServer, token: str, **options: Any) -> int:
    answer = desk.api.post(
        "/integrations",
        json={
            "template_id": "request-tracker",
            "name": f"RT {uuid.uuid4().hex[:6]}",
            "fields": {"base_url": rt.url, "api_token": token, "queue": rt.queue},
            "options": {"default_region": "DE", **options},
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


@dataclass
class Connected:
    id: int
    sync: dict[str, Any]
    associated: dict[str, Any]
    sent: list[Sent] = field(default_factory=list)


@pytest.fixture(scope="module")
def integration(desk: Desk, rt: RtServer) -> Connected:
    """The integration every scenario uses: connected with root's token, users synced and
    tied to extensions by email, unknown callers created, missed calls ticketed."""
    integration_id = create_integration(
        desk,
        rt,
        rt.token,
        create_contact={"enabled": True, "contact_type": "Users"},
        ticket={"enabled": True, "when": "missed"},
    )
    desk.integration_id = integration_id
    connected = desk.api.post(f"/integrations/{integration_id}/connect")
    assert connected.status_code == 200, connected.text
    assert connected.json()["status"] == "connected"
    sync = desk.api.post(f"/integrations/{integration_id}/users/sync")
    assert sync.status_code == 200, sync.text
    associated = desk.api.post(f"/integrations/{integration_id}/users/auto-associate")
    assert associated.status_code == 200, associated.text
    return Connected(integration_id, sync.json(), associated.json(), desk.sent(0))


def rt_user_count(rt_client: RtClient, **equal: str) -> int:
    users = rt_client.all_users(fields=("Name", *equal))
    return sum(all(u.get(k) == v for k, v in equal.items()) for u in users)


def tickets_of(rt_client: RtClient, name: str) -> list[dict[str, Any]]:
    return rt_client.search_tickets(f"Requestor.Name = '{name}'", fields=TICKET_FIELDS)


def comments(rt_client: RtClient, ticket_id: int | str) -> list[dict[str, Any]]:
    answer = rt_client.http.get(
        f"/ticket/{ticket_id}/history", params={"per_page": 100, "fields": "Type,Data,Creator"}
    )
    assert answer.status_code == 200, answer.text
    return [t for t in answer.json()["items"] if t["Type"] == "Comment"]


def unpaged(path: str) -> str:
    """`path` without its page and per_page parameters."""
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if not p.startswith(("page=", "per_page="))]
    return f"{base}?{'&'.join(kept)}" if kept else base


def owner(ticket: dict[str, Any]) -> str:
    return str(ticket["Owner"]["id"])


def requestors(ticket: dict[str, Any]) -> list[str]:
    return [str(r["id"]) for r in ticket["Requestor"]]


def unknown_number() -> str:
    """A German number no seeded contact has (area 40, a random subscriber)."""
    return f"+4940{5_000_000 + uuid.uuid4().int % 999_999}"


def answered_call(desk: Desk, call_id: str, number: str, *, gap: float = 0.0) -> None:
    desk.event("call.ringing", call_id, from_number=number, from_name="Ada Caller")
    if gap:
        time.sleep(gap)
    desk.event("call.ended", call_id, from_number=number, from_name="Ada Caller")


# -- connect and user sync --------------------------------------------------------------------


def test_a_wrong_token_fails_the_connect_and_the_right_one_connects(desk: Desk, rt: RtServer):
    """A2/A7: connecting tries the token (GET /REST/2.0/rt with `Authorization: token …`);
    RT's 401 fails it with a message that says so and never shows the token."""
    wrong = "1-14-" + "0" * 32
    integration_id = create_integration(desk, rt, wrong)
    refused = desk.api.post(f"/integrations/{integration_id}/connect")
    assert refused.status_code == 502
    detail = refused.json()["detail"]
    assert 'HTTP 401: {"message":"Unauthorized"}' in detail, detail
    assert "/REST/2.0/rt" in detail
    assert wrong not in detail
    view = desk.api.get(f"/integrations/{integration_id}").json()
    assert view["status"] == "disconnected"
    assert "HTTP 401" in view["status_message"]

    fixed = desk.api.patch(
        f"/integrations/{integration_id}", json={"fields": {"api_token": rt.token}}
    )
    assert fixed.status_code == 200, fixed.text
    connected = desk.api.post(f"/integrations/{integration_id}/connect")
    assert connected.json()["status"] == "connected", connected.text
    view = desk.api.get(f"/integrations/{integration_id}").json()
    assert view["variables"]["rt_version"].startswith("5.")
    assert desk.api.delete(f"/integrations/{integration_id}").status_code == 204
    REPORT["connect"] = {
        "sent": ["GET /rt -> 401 (wrong token)", "GET /rt -> 200 (right token)"],
        "rt_stored": {"rt_version": view["variables"]["rt_version"]},
    }


def test_user_sync_pages_and_associates_agents_by_email(
    integration: Connected, rt_client: RtClient
):
    """U1–U5: every RT user over several pages of 100, agents tied to extensions by email."""
    total = len(rt_client.all_users())
    assert total > 100
    assert integration.sync["users"] == total
    assert integration.sync["requests"] == total // 100 + 1
    assert not integration.sync["capped"]
    listed = [s for s in integration.sent if s.scenario == "users"]
    assert [s.method for s in listed] == ["GET"] * integration.sync["requests"]
    assert all(s.path.startswith("/users?fields=Name,EmailAddress,RealName") for s in listed)
    # The first page as the template writes it (RT starts at page 1), then page=2, 3...
    assert [s.path.partition("per_page=100")[2] for s in listed] == [""] + [
        f"&page={n}" for n in range(2, integration.sync["requests"] + 1)
    ]
    pairs = {(a["user_id"], a["extension"]) for a in integration.associated["associated"]}
    assert pairs == {(email, number) for number, email in EXTENSIONS.items()}
    record(
        "user_sync",
        listed,
        users_in_rt=total,
        users_synced=integration.sync["users"],
        associated=sorted(pairs),
    )


# -- screen pop -----------------------------------------------------------------------------


def test_screen_pop_finds_callers_in_every_stored_format(
    desk: Desk, integration: Connected, rt: RtServer, rt_seeded: Seeded
):
    """C2/C4/C9: RT cannot filter users by phone; ringdesk lists them page by page and
    matches after normalisation, whatever the spelling and field the number is stored in."""
    mark = desk.mark()
    checked = 0
    for field_name in PHONE_FIELDS:
        for spelling, _ in PHONE_SPELLINGS:
            contact = next(
                c for c in rt_seeded.contacts if c.field == field_name and c.spelling == spelling
            )
            answer = desk.api.get(
                f"/integrations/{integration.id}/contacts/lookup", params={"phone": contact.e164}
            )
            assert answer.status_code == 200, answer.text
            found = answer.json()
            assert [c["id"] for c in found["contacts"]] == [contact.name], (contact, found)
            assert found["popup_url"] == f"{rt.url}/User/Summary.html?id={quote(contact.name)}"
            checked += 1
    assert checked == 15
    sent = desk.sent(mark)
    assert {(s.method, unpaged(s.path)) for s in sent} == {
        (
            "GET",
            "/users?fields=Name,EmailAddress,RealName,Organization,WorkPhone,MobilePhone,HomePhone",
        )
    }
    assert {s.path.count("per_page=100") for s in sent} == {1}
    record("screen_pop_formats", sent[:3], lookups=checked, each_found_exactly_one=True)


def test_screen_pop_beyond_the_first_100_users(
    desk: Desk, integration: Connected, rt: RtServer, rt_seeded: Seeded, rt_client: RtClient
):
    """A ringing call from a contact on RT's second page of users pops that contact on the
    agent's stream, with its RT link."""
    second_page = {u["id"] for u in rt_client.users_page(2, 100)["items"]}
    contact = next(c for c in rt_seeded.contacts if c.name in second_page)
    call_id = f"pop-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    with desk.api.stream("GET", "/agents/1001/events") as stream:
        assert stream.status_code == 200
        desk.event("call.ringing", call_id, from_number=contact.e164)
        pop = next_pop(stream.iter_lines())
    assert (pop["call_id"], pop["matched"], pop["contact_id"]) == (call_id, True, contact.name)
    assert pop["popup_url"] == f"{rt.url}/User/Summary.html?id={quote(contact.name)}"
    record("screen_pop_page_2", desk.sent(mark), popped=contact.name, page=2)


def next_pop(lines: Iterator[str]) -> dict[str, Any]:
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "pop":
            return dict(json.loads(line.split(":", 1)[1]))
    raise AssertionError("the stream ended without a pop")


# -- create contact, call log, ticket ---------------------------------------------------------


def test_an_unknown_caller_is_created_once_and_the_log_names_them(
    desk: Desk, integration: Connected, rt_client: RtClient
):
    """N1–N3, L1: an unknown caller becomes one RT user (Name = the number); the answered
    call becomes one resolved ticket requested by them and owned by the agent. Delivering
    the create and the log again (as after a crash once RT stored them) adds nothing: the
    duplicate checks find both."""
    number = unknown_number()
    call_id = f"new-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    answered_call(desk, call_id, number, gap=0.5)
    jobs = desk.settle(call_id, kinds=2)
    assert sorted(j.kind for j in jobs) == ["call_log", "contact"]
    assert jobs[0].result == {"source": "created", "contact_id": number}
    sent = desk.sent(mark)
    user = rt_client.user(number)
    assert (user["Name"], user["WorkPhone"], user["RealName"]) == (number, number, "Ada Caller")
    assert rt_user_count(rt_client, WorkPhone=number) == 1
    (ticket,) = tickets_of(rt_client, number)
    assert ticket["Status"] == "resolved"
    assert owner(ticket) == "alice@example.com"
    assert f"[rd:{call_id}:1001]" in ticket["Subject"]
    posts = [s for s in sent if s.method == "POST"]
    assert [(s.scenario, s.path) for s in posts] == [
        ("create_contact", "/user"),
        ("call_log", "/ticket"),
    ]

    again = desk.mark()
    desk.create_again(call_id, number)
    desk.rerun(call_id, "call_log")
    jobs = desk.settle(call_id, kinds=3)
    (create,) = [j for j in jobs if j.kind == "create_contact"]
    assert (create.result["status"], create.result["contact_id"]) == (0, number)
    retried = desk.sent(again)
    assert not [s for s in retried if s.method == "POST"], retried
    assert ("GET", f"/user/{number}", 200) in {(s.method, s.path, s.status) for s in retried}
    assert rt_user_count(rt_client, WorkPhone=number) == 1
    assert len(tickets_of(rt_client, number)) == 1
    record(
        "unknown_caller_answered",
        sent,
        users_with_number=1,
        tickets=1,
        ticket_status="resolved",
        owner="alice@example.com",
    )
    record("unknown_caller_redelivered", retried, users_with_number=1, tickets=1)


def test_an_answered_call_without_an_open_ticket_is_one_resolved_ticket(
    desk: Desk, integration: Connected, rt_client: RtClient, new_contact: Callable[..., str]
):
    """L1/L2: the caller has no open ticket, so the log is a new ticket, resolved at once,
    requested by the caller and owned by the answering agent (bob on 1002)."""
    number = unknown_number()
    name = new_contact(email=True, MobilePhone=number.replace("+49", "0"))
    call_id = f"log-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    desk.event("call.ringing", call_id, from_number=number, extension="1002", to_number="1002")
    desk.event("call.ended", call_id, from_number=number, extension="1002", to_number="1002")
    desk.settle(call_id, kinds=2)
    (ticket,) = tickets_of(rt_client, name)
    assert (ticket["Status"], owner(ticket), requestors(ticket)) == (
        "resolved",
        "bob@example.com",
        [name],
    )
    assert rt_user_count(rt_client, MobilePhone=number.replace("+49", "0")) == 1  # no new user
    sent = desk.sent(mark)
    assert [s.path for s in sent if s.method == "POST"] == ["/ticket"]
    record("answered_call_no_open_ticket", sent, tickets=1, owner="bob@example.com")


def test_a_call_log_is_a_comment_on_the_callers_open_ticket(
    desk: Desk, integration: Connected, rt_client: RtClient, new_contact: Callable[..., str]
):
    """The extra request finds the caller's open ticket; the log is one comment on it, and
    delivering it again adds none (the comment's subject carries the call's marker)."""
    number = unknown_number()
    name = new_contact(WorkPhone=number)
    open_id = rt_client.create_ticket("Printer on fire", requestor=name, status="open")
    call_id = f"cmt-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    answered_call(desk, call_id, number)
    desk.settle(call_id, kinds=2)
    (only,) = tickets_of(rt_client, name)
    assert int(only["id"]) == open_id
    (comment,) = comments(rt_client, open_id)
    assert f"[rd:{call_id}:1001]" in comment["Data"]
    sent = desk.sent(mark)
    logged = [s for s in sent if s.scenario.startswith("call_log")]
    assert [(s.method, s.path.split("?")[0]) for s in logged] == [
        ("GET", "/tickets"),
        ("GET", "/transactions"),
        ("POST", f"/ticket/{open_id}/comment"),
    ]
    assert f"Requestor.Name = '{name}' AND Status = '__Active__'" in logged[0].path

    again = desk.mark()
    desk.rerun(call_id, "call_log")
    desk.settle(call_id, kinds=2)
    retried = desk.sent(again)
    assert [s.method for s in retried] == ["GET", "GET"], retried
    assert len(comments(rt_client, open_id)) == 1
    record("call_log_comment", logged, tickets=1, comments_on_open_ticket=1)
    record("call_log_comment_redelivered", retried, comments_on_open_ticket=1)


def test_a_missed_call_opens_one_ticket(
    desk: Desk, integration: Connected, rt: RtServer, rt_client: RtClient, new_contact
):
    """T1–T3: a missed call opens one ticket requested by the caller, owned by the agent
    rung, with the call's id in the "Call ID" field; delivering it again adds none."""
    number = unknown_number()
    name = new_contact(email=True, HomePhone=number)
    call_id = f"miss-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    desk.event("call.ringing", call_id, from_number=number)
    desk.event(
        "call.ended", call_id, from_number=number, status="missed", talk_seconds=0, answered_by=None
    )
    desk.settle(call_id, kinds=3)
    query = f"'CF.{{{rt.call_id_field}}}' = '{call_id}'"
    (ticket,) = rt_client.search_tickets(query, fields=TICKET_FIELDS)
    assert ticket["Status"] == "new"
    assert (owner(ticket), requestors(ticket)) == ("alice@example.com", [name])
    sent = desk.sent(mark)
    made = [s for s in sent if s.scenario.startswith("ticket")]
    assert [(s.method, s.path.split("?")[0]) for s in made] == [
        ("GET", "/tickets"),
        ("POST", "/ticket"),
    ]
    # The missed call is logged too: on the new ticket (a comment) or as its own record.
    logged = [s for s in sent if s.scenario == "call_log" and s.method == "POST"]
    assert len(logged) == 1

    again = desk.mark()
    desk.rerun(call_id, "ticket")
    desk.settle(call_id, kinds=3)
    retried = desk.sent(again)
    assert [s.method for s in retried] == ["GET"], retried
    assert len(rt_client.search_tickets(query)) == 1
    record("missed_call_ticket", made, tickets_with_call_id=1, status="new")
    record("missed_call_ticket_redelivered", retried, tickets_with_call_id=1)


@pytest.mark.parametrize("known", [False, True], ids=["unknown-caller", "known-caller"])
def test_quick_calls_stay_linked_to_their_contact(
    desk: Desk, integration: Connected, rt_client: RtClient, new_contact, known: bool
):
    """Ringing, then the end 100 ms later: the log still names the contact the ringing
    search found (known) or created (unknown), never none."""
    number = unknown_number()
    name = new_contact(WorkPhone=number) if known else number
    call_id = f"quick-{uuid.uuid4().hex[:8]}"
    mark = desk.mark()
    answered_call(desk, call_id, number, gap=0.1)
    desk.settle(call_id, kinds=2)
    (ticket,) = tickets_of(rt_client, name)
    assert requestors(ticket) == [name]
    assert owner(ticket) == "alice@example.com"
    assert rt_user_count(rt_client, WorkPhone=number) == 1
    record(f"quick_call_{'known' if known else 'unknown'}", desk.sent(mark), tickets=1)
