"""The built-in `zendesk` template, end to end over real HTTP against the Zendesk fixture,
through ringdesk's REST API, flows, outbox and executor (issue 15): OAuth2 connect, users
over three cursor pages, screen pop, a contact created once, the call log, the missed-call
ticket, expired tokens refreshed with rotation, and a 429's Retry-After honoured. Every
exchange is validated against `openapi/zendesk.yaml`; generated response variants run
through the template's mappings."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings

from ringdesk.flows.contacts import map_contacts
from ringdesk.flows.outputs import duplicate_id, extract_outputs
from ringdesk.flows.paginate import Paginator
from ringdesk.flows.users import map_users
from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from ringdesk.templates.validate import validate
from tests.integrations.support import SQLITE_ONLY
from tests.vendors.openapi import VendorSpec
from tests.vendors.people import CALLER
from tests.vendors.template_run import running
from tests.vendors.zendesk import ZendeskFixture

HOST = "acme.zendesk.com"
FIELDS = {"subdomain": "acme", "client_id": "ringdesk_acme", "client_secret": "zd-secret-1"}
OPTIONS = {
    "default_region": "US",
    "create_contact": {"enabled": True, "contact_type": "Users"},
    "ticket": {"enabled": True, "when": "missed"},
}
UNKNOWN = "+15135550123"
TEMPLATE = load_xml(builtin_xml()["zendesk"])


@SQLITE_ONLY
async def test_every_scenario_against_the_zendesk_fixture(settings):
    """covers A5, A6, A8, U1–U3, C1–C4, C9, N1, L1, T1, L3 for the Zendesk template."""
    fixture = ZendeskFixture(agent_count=230)
    async with running(settings, fixture, [HOST]) as desk:
        # --- connect: the authorize URL, then the code exchange -------------------------
        await desk.create("zendesk", FIELDS, OPTIONS)
        started = await desk.connect()
        authorize = urlsplit(started["url"])
        query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        assert (authorize.scheme, authorize.netloc, authorize.path) == (
            "https",
            HOST,
            "/oauth/authorizations/new",
        )
        assert query["response_type"] == "code"
        assert query["client_id"] == "ringdesk_acme"
        assert query["scope"] == "users:read users:write tickets:read tickets:write"
        assert query["redirect_uri"] == settings.public_url + "/api/v1/oauth/callback"
        assert await desk.authorize(started["url"]) == {
            "status": "connected",
            "integration_id": desk.integration_id,
        }
        [exchange] = fixture.requests_to("POST", "/oauth/tokens")
        assert exchange.headers["content-type"].startswith("application/json")
        assert exchange.json == {
            "grant_type": "authorization_code",
            "code": "auth-code-1",
            "redirect_uri": query["redirect_uri"],
            "client_id": "ringdesk_acme",
            "client_secret": "zd-secret-1",
        }

        # --- users: agents and admins over three cursor pages ----------------------------
        assert await desk.sync_users() == {"requests": 3, "users": 230, "capped": False}
        pages = fixture.requests_to("GET", "/api/v2/users.json")
        assert [p.params("role[]") for p in pages] == [["agent", "admin"]] * 3
        assert [p.param("page[size]") for p in pages] == ["100"] * 3
        assert pages[0].param("page[after]") is None
        assert all(p.param("page[after]") for p in pages[1:])
        assert pages[0].headers["authorization"].startswith("Bearer at-")
        users = await desk.users()
        names = {str(u["id"]): u["name"] for u in fixture.users}
        assert all(u["first_name"] == names[u["user_id"]] for u in users)
        agent = users[0]
        await desk.link(agent["user_id"])

        # --- screen pop for a known caller -------------------------------------------------
        pop = await desk.ring("k-1", CALLER.e164)
        ada = next(u for u in fixture.users if u["email"] == CALLER.email)
        assert pop["matched"] is True
        assert pop["contact_id"] == str(ada["id"])
        assert pop["popup_url"] == f"https://{HOST}/agent/users/{ada['id']}"
        [search] = fixture.requests_to("GET", "/api/v2/users/search.json")
        assert search.param("query") == "role:end-user phone:*5135557611"

        # --- unknown caller: one contact, found on the next call -------------------------
        pop = await desk.ring("u-1", UNKNOWN)
        assert pop["matched"] is False
        await desk.drain()
        [created] = fixture.requests_to("POST", "/api/v2/users/create_or_update.json")
        assert created.json == {
            "user": {
                "name": UNKNOWN,
                "phone": UNKNOWN,
                "role": "end-user",
                "external_id": f"ringdesk-phone:{UNKNOWN}",
            }
        }
        new_user = fixture.users[-1]
        pop = await desk.ring("u-2", UNKNOWN)
        assert (pop["matched"], pop["contact_id"]) == (True, str(new_user["id"]))
        await desk.drain()
        assert len(fixture.requests_to("POST", "/api/v2/users/create_or_update.json")) == 1

        # --- answered → call log (a solved ticket with a private comment) -----------------
        await desk.end("k-1", CALLER.e164, answered=True)
        await desk.drain()
        [log] = fixture.requests_to("POST", "/api/v2/tickets.json")
        ticket = log.json["ticket"]
        assert ticket["requester_id"] == str(ada["id"])
        assert ticket["assignee_id"] == agent["user_id"]
        assert ticket["status"] == "solved"
        assert ticket["comment"]["public"] is False
        assert ticket["comment"]["body"].endswith("00:03:25 https://pbx.example.com/rec/42.wav")
        assert ticket["subject"] == f"Inbound call {CALLER.e164}"
        assert ticket["external_id"] == f"ringdesk-call-k-1-{agent['user_id']}"
        assert log.headers["idempotency-key"]
        [lookup] = fixture.requests_to("GET", "/api/v2/tickets.json")
        assert lookup.param("external_id") == ticket["external_id"]

        # --- missed → call log and a ticket for the (created) contact ---------------------
        await desk.end("u-1", UNKNOWN, answered=False)
        await desk.drain()
        posted = [r.json["ticket"] for r in fixture.requests_to("POST", "/api/v2/tickets.json")]
        assert len(posted) == 3
        missed = next(t for t in posted if t["external_id"] == "ringdesk-ticket-u-1")
        assert missed["requester_id"] == str(new_user["id"])
        assert missed["priority"] == "normal"
        assert missed["comment"]["public"] is False

        # --- expired access token → refresh (rotating) and retry, twice -------------------
        used = []
        for round_ in (1, 2):
            fixture.expire_tokens()
            before = len(fixture.requests)
            pop = await desk.ring(f"k-exp-{round_}", CALLER.e164)
            assert pop["matched"] is True
            seen = [(r.method, r.path) for r in fixture.requests[before:]]
            assert seen == [
                ("GET", "/api/v2/users/search.json"),
                ("POST", "/oauth/tokens"),
                ("GET", "/api/v2/users/search.json"),
            ]
            refresh = fixture.requests[before + 1].json
            assert refresh["grant_type"] == "refresh_token"
            assert refresh["expires_in"] == 1800
            used.append(refresh["refresh_token"])
        # Round 2 sent the refresh token round 1 got back (the old one is dead at Zendesk).
        assert used[0] != used[1]
        assert len(fixture.tokens.dead_refresh) == 2
        assert (await desk.integration())["status"] == "connected"

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
        logs = [r for r in fixture.requests_to("POST", "/api/v2/tickets.json")]
        assert [r.json["ticket"]["external_id"] for r in logs].count(
            f"ringdesk-call-k-2-{agent['user_id']}"
        ) == 1

    assert fixture.openapi_errors == []


# --- mappings against generated response variants ------------------------------------------
SPEC = VendorSpec.load("zendesk")
VARIABLES = {**FIELDS, "Phone": "5135557611"}
FAST = hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(body=SPEC.response_strategy("get", "/api/v2/users/search.json"))
def test_contact_mapping_survives_any_documented_search_answer(body):
    [users] = TEMPLATE.contact_search.contact_types
    contacts = map_contacts(users, json.dumps(body), variables=VARIABLES, phone="5135557611")
    ids = [str(u["id"]) for u in body["users"] if u.get("id") is not None]
    assert [c.id for c in contacts] == ids
    for contact in contacts:
        assert contact.popup_url == f"https://{HOST}/agent/users/{contact.id}"


@FAST
@given(body=SPEC.response_strategy("get", "/api/v2/users.json"))
def test_user_mapping_and_paging_survive_any_documented_users_page(body):
    association = TEMPLATE.user_association
    assert association is not None
    raw = json.dumps(body)
    records = map_users(association.mapping, raw)
    assert all(r.user_id for r in records)
    paginator = Paginator(association.pagination, "https://acme.zendesk.com/api/v2/users.json")
    paginator.first()
    next_url = paginator.advance(count=len(records), body=raw)
    assert next_url is None or next_url.startswith("https://acme.zendesk.com/api/v2/users.json?")


@FAST
@given(body=SPEC.response_strategy("post", "/api/v2/users/create_or_update.json", "201"))
def test_created_id_is_read_from_any_documented_create_answer(body):
    create = TEMPLATE.create_contact
    assert create is not None
    [users] = create.contact_types
    found = extract_outputs(users.extra_variables, status=201, headers={}, body=json.dumps(body))
    assert found.get("CreatedId") == str(body["user"]["id"])


@FAST
@given(body=SPEC.response_strategy("get", "/api/v2/tickets.json"))
def test_duplicate_check_reads_any_documented_ticket_list(body):
    assert TEMPLATE.call_log is not None
    assert TEMPLATE.call_log.duplicate_check is not None
    found = duplicate_id(TEMPLATE.call_log.duplicate_check, status=200, body=json.dumps(body))
    first = body["tickets"][0]["id"] if body["tickets"] else None
    assert found == ("" if first is None else str(first))


def test_the_template_validates_without_errors_or_warnings():
    """covers issue 15: `ringdesk template validate` passes the built-in with no warnings."""
    assert validate(TEMPLATE) == []
