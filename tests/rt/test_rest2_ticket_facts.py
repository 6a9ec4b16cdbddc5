"""What Request Tracker 5's REST2 really does with tickets, proved over HTTP against a real
RT 5.0.3 (tests/rt/README.md lists the facts): creating tickets and comments, what
Requestor and Owner accept, TicketSQL for a caller's open ticket and for a call's
duplicate, that Idempotency-Key is ignored and that autoreplies go to requestors.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.rt.rtserver import RtServer
from tests.rt.seed import Seeded

pytestmark = pytest.mark.rt

NewContact = Callable[..., str]


def _marker() -> str:
    return uuid.uuid4().hex[:12]


# --- tickets (T1, L1) -----------------------------------------------------------------------


def test_create_ticket_shape(rt: RtServer, rt_seeded: Seeded) -> None:
    """`POST /ticket` with Queue/Subject/Requestor/Owner/Status/Content/CustomFields: 201,
    Location `/REST/2.0/ticket/<id>`, body `{id: "<id>" (a string), type, _url}`."""
    contact, agent = rt_seeded.contacts[0], rt_seeded.agents[0]
    call_id = f"call-{_marker()}"
    response = rt.rest.http.post(
        "/ticket",
        json={
            "Queue": "General",
            "Subject": f"Inbound call from {contact.e164}",
            "Requestor": contact.name,
            "Owner": agent.name,
            "Status": "open",
            "Content": "Answered by Alice, 42 s",
            "ContentType": "text/plain",
            "CustomFields": {rt.call_id_field: call_id},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "type", "_url"}
    assert isinstance(body["id"], str)
    assert body == rt.ref("ticket", body["id"])
    assert response.headers["location"] == f"/REST/2.0/ticket/{body['id']}"

    ticket = rt.rest.ticket(int(body["id"]))
    assert ticket["id"] == int(body["id"])
    assert ticket["Subject"] == f"Inbound call from {contact.e164}"
    assert ticket["Status"] == "open"
    assert ticket["Queue"] == rt.ref("queue", "1")
    assert ticket["Owner"] == rt.ref("user", agent.name)
    assert ticket["Requestor"] == [rt.ref("user", contact.name)]
    [field] = ticket["CustomFields"]
    assert (field["name"], field["values"]) == (rt.call_id_field, [call_id])


@pytest.mark.parametrize(
    ("requestor", "becomes"),
    [
        ("contact-004", ["contact-004"]),
        ("customer000@customers.example", ["customer000@customers.example"]),
        ('"Customer 003" <customer003@customers.example>', ["customer003@customers.example"]),
        (
            ["contact-009", "customer000@customers.example"],
            ["contact-009", "customer000@customers.example"],
        ),
        ("Customer 001", []),
        ("+49 30 2000000", []),
    ],
    ids=["name, no email", "email", "mailbox", "list", "real name", "phone number"],
)
def test_requestor_is_a_name_or_an_email_anything_else_is_dropped(
    rt: RtServer, rt_seeded: Seeded, requestor: Any, becomes: list[str]
) -> None:
    """Requestor accepts a user's Name (its REST2 id), an email or a list; a real name or a
    phone number is silently dropped and the ticket has no requestor (still 201)."""
    ticket_id = rt.rest.create_ticket(f"requestor {_marker()}", requestor=requestor)
    assert [ref["id"] for ref in rt.rest.ticket(ticket_id)["Requestor"]] == becomes


def test_a_contact_named_by_its_number_works_as_requestor(rt: RtServer) -> None:
    """An unknown caller can become a user whose Name is the number (N1) and then be the
    Requestor by that Name; Names with spaces work too, but `_url` leaves them unescaped."""
    number = "+4930" + str(uuid.uuid4().int)[:7]
    assert rt.rest.create_user(number, RealName="Unknown caller", WorkPhone=number) == number
    ticket_id = rt.rest.create_ticket("unknown caller", requestor=number)
    assert rt.rest.ticket(ticket_id)["Requestor"] == [rt.ref("user", number)]
    found = rt.rest.search_tickets(f"Requestor.Name = '{number}'")
    assert [t["id"] for t in found] == [str(ticket_id)]

    spaced = f"Anna Caller {_marker()}"
    response = rt.rest.http.post("/user", json={"Name": spaced})
    assert response.json()["_url"] == f"{rt.api}/user/{spaced}"  # a raw space in the URL
    ticket_id = rt.rest.create_ticket("spaced", requestor=spaced)
    assert [r["id"] for r in rt.rest.ticket(ticket_id)["Requestor"]] == [spaced]


def test_unknown_requestor_email_creates_an_unprivileged_user(rt: RtServer) -> None:
    email = f"stranger-{_marker()}@elsewhere.example"
    ticket_id = rt.rest.create_ticket("from a stranger", requestor=email)
    assert rt.rest.ticket(ticket_id)["Requestor"] == [rt.ref("user", email)]
    user = rt.rest.user(email)
    assert (user["Name"], user["EmailAddress"], user["Privileged"]) == (email, email, 0)


def test_owner_without_rights_is_silently_nobody(rt: RtServer, rt_seeded: Seeded) -> None:
    """An Owner who may not own tickets in the queue (a contact) is dropped: still 201, the
    ticket belongs to Nobody. Agents can own tickets because prepare.pl grants Privileged
    OwnTicket on General; a real RT needs that grant too."""
    ticket_id = rt.rest.create_ticket("owner test", owner=rt_seeded.contacts[1].name)
    ticket = rt.rest.ticket(ticket_id)
    assert ticket["Owner"] == rt.ref("user", "Nobody")
    assert ticket["Status"] == "new"


def test_create_ticket_errors(rt: RtServer) -> None:
    """Unknown queue is 403 (RT cannot tell it from a queue you may not see); bad JSON 400."""
    response = rt.rest.http.post("/ticket", json={"Queue": "Nope", "Subject": "x"})
    assert response.status_code == 403
    assert response.json() == {"message": "No permission to create tickets in the queue 'Nope'"}
    response = rt.rest.http.post(
        "/ticket", content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("JSON parse error")


def test_comment_shape(rt: RtServer, rt_seeded: Seeded) -> None:
    """`POST /ticket/{id}/comment`: JSON needs ContentType; text/plain bodies work as they
    are; 201 with Location `/REST/2.0/transaction/<id>` and a list of messages; a Status in
    the JSON changes the ticket in the same request."""
    ticket_id = rt.rest.create_ticket("comment test", requestor=rt_seeded.contacts[2].name)

    response = rt.rest.http.post(
        f"/ticket/{ticket_id}/comment",
        json={"Content": "Call ended after 42 s", "ContentType": "text/plain"},
    )
    assert response.status_code == 201
    assert response.json() == ["Comments added"]
    assert re.fullmatch(r"/REST/2\.0/transaction/\d+", response.headers["location"])

    plain = rt.rest.http.post(
        f"/ticket/{ticket_id}/comment",
        content="plain text comment",
        headers={"Content-Type": "text/plain"},
    )
    assert (plain.status_code, plain.json()) == (201, ["Comments added"])

    missing = rt.rest.http.post(f"/ticket/{ticket_id}/comment", json={"Content": "x"})
    assert missing.status_code == 400
    assert missing.json() == {"message": "ContentType is a required field for application/json"}

    resolve = rt.rest.http.post(
        f"/ticket/{ticket_id}/comment",
        json={"Content": "done", "ContentType": "text/plain", "Status": "resolved"},
    )
    assert resolve.json() == ["Comments added", "Status changed from 'new' to 'resolved'"]
    assert rt.rest.ticket(ticket_id)["Status"] == "resolved"

    gone = rt.rest.http.post(
        "/ticket/999999/comment", json={"Content": "x", "ContentType": "text/plain"}
    )
    assert gone.status_code == 400  # not 404
    assert gone.json() == {"message": "Message could not be recorded"}


# --- finding tickets: the caller's open ticket and duplicates (T1, T3, N3, L3) ----------------


def test_open_ticket_of_a_requestor(rt: RtServer, new_contact: NewContact) -> None:
    """`Requestor.Name = '<REST2 id>' AND Status = '__Active__'` finds the caller's open
    tickets (new/open/stalled), newest first with `orderby=id&order=DESC`. A bare
    `Requestor = 'x'` compares email addresses only and misses phone-only contacts."""
    client = rt.rest
    contact = new_contact(WorkPhone="+49 30 5550001")  # phone only, no email
    resolved = client.create_ticket("old call", requestor=contact, status="resolved")
    older = client.create_ticket("call 1", requestor=contact)
    newer = client.create_ticket("call 2", requestor=contact, status="open")

    query = f"Requestor.Name = '{contact}' AND Status = '__Active__'"
    found = client.search_tickets(query, fields=("Subject", "Status"), newest_first=True)
    assert [item["id"] for item in found] == [str(newer), str(older)]
    assert found[0] == {**rt.ref("ticket", str(newer)), "Subject": "call 2", "Status": "open"}
    assert str(resolved) not in {item["id"] for item in found}
    assert client.search_tickets(f"Requestor = '{contact}'") == []

    with_email = new_contact(email=True)
    mine = client.create_ticket("email requestor", requestor=with_email)
    found = client.search_tickets(f"Requestor = '{with_email}@customers.example'")
    assert [t["id"] for t in found] == [str(mine)]


def test_tickets_by_requestor_phone_work_in_ticketsql(
    rt: RtServer, new_contact: NewContact
) -> None:
    """TicketSQL, unlike user search, can filter on a requestor's phone columns (exact or
    LIKE) - but only finds callers who already have tickets."""
    stored = "(0151) 555-0002"
    contact = new_contact(MobilePhone=stored)
    ticket_id = rt.rest.create_ticket("phone search", requestor=contact)
    exact = rt.rest.search_tickets(f"Requestor.MobilePhone = '{stored}'")
    assert [t["id"] for t in exact] == [str(ticket_id)]
    like = rt.rest.search_tickets("Requestor.MobilePhone LIKE '555-0002'")
    assert [t["id"] for t in like] == [str(ticket_id)]
    digits = rt.rest.search_tickets("Requestor.MobilePhone LIKE '5550002'")
    assert digits == []  # stored text is compared as is: no normalisation


def test_duplicate_by_call_id_custom_field(rt: RtServer) -> None:
    """`'CF.{Call ID}' = '<id>'` finds exactly the ticket carrying that call id."""
    call_id = f"1-{_marker()}@127.0.0.1"
    ticket_id = rt.rest.create_ticket("cf dup", custom_fields={rt.call_id_field: call_id})
    rt.rest.create_ticket("cf other", custom_fields={rt.call_id_field: call_id + "x"})
    for query in (f"'CF.{{Call ID}}' = '{call_id}'", f"CF.{{Call ID}} = '{call_id}'"):
        assert [t["id"] for t in rt.rest.search_tickets(query)] == [str(ticket_id)]


def test_duplicate_by_subject_marker(rt: RtServer) -> None:
    """`Subject LIKE '<marker>'` is a substring match, and `%`/`_` in the marker are SQL
    wildcards: markers should be plain letters and digits (a call-id CF is exact)."""
    marker = _marker()
    ticket_id = rt.rest.create_ticket(f"Missed call [rd:{marker}]")
    assert [t["id"] for t in rt.rest.search_tickets(f"Subject LIKE '[rd:{marker}]'")] == [
        str(ticket_id)
    ]
    for pattern in (f"rd:{marker[:4]}%{marker[-2:]}", f"rd:{marker[:4]}_{marker[5:]}"):
        wildcard = rt.rest.search_tickets(f"Subject LIKE '{pattern}'")
        assert [t["id"] for t in wildcard] == [str(ticket_id)], pattern


def test_unknown_custom_field_is_ignored_when_creating_and_finds_nothing(rt: RtServer) -> None:
    """A CustomFields key RT does not know is dropped (still 201) and a search on it is an
    empty result, not an error: without the CF set up in RT, duplicate detection by CF
    silently finds nothing."""
    marker = _marker()
    ticket_id = rt.rest.create_ticket(
        f"unknown cf {marker}", custom_fields={"No Such Field": marker}
    )
    fields = rt.rest.ticket(ticket_id)["CustomFields"]
    assert [(field["name"], field["values"]) for field in fields] == [(rt.call_id_field, [])]
    assert rt.rest.search_tickets(f"CF.{{No Such Field}} = '{marker}'") == []


def test_ticketsql_errors_are_400_and_quotes_escape_with_backslash(rt: RtServer) -> None:
    response = rt.rest.http.get("/tickets", params={"query": "Subject = 'unterminated"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Wrong query")
    ticket_id = rt.rest.create_ticket("it's a call")
    found = rt.rest.search_tickets("Subject = 'it\\'s a call'")
    assert [t["id"] for t in found] == [str(ticket_id)]
    empty = rt.rest.http.get("/tickets", params={"query": "Subject = 'no such subject'"})
    assert empty.json()["items"] == []
    assert empty.json()["pages"] == 0
    assert isinstance(empty.json()["pages"], float)


def test_idempotency_key_is_ignored(rt: RtServer) -> None:
    """The same POST twice with the same Idempotency-Key makes two tickets (N3, L3: ringdesk
    must deduplicate itself, e.g. by the Call ID field)."""
    headers = {"Idempotency-Key": f"call-{_marker()}"}
    body = {"Queue": "General", "Subject": "idempotency test"}
    first = rt.rest.http.post("/ticket", json=body, headers=headers)
    second = rt.rest.http.post("/ticket", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_new_ticket_autoreplies_to_requestors_with_email(rt: RtServer) -> None:
    """RT's default scrips mail every requestor with an email on create (here into the
    instance's mbox): a real RT would email callers unless the queue's autoreply is off."""
    email = f"mailed-{_marker()}@elsewhere.example"
    ticket_id = rt.rest.create_ticket("autoreply test", requestor=email)
    mailbox = rt.mailbox()
    assert f"To: {email}" in mailbox
    assert f"Subject: [ringdesk-test #{ticket_id}] AutoReply: autoreply test" in mailbox
