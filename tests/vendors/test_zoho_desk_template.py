"""The built-in `zoho-desk` template, end to end over real HTTP against the Zoho Desk fixture,
through ringdesk's REST API, flows, outbox and executor (issue 15): OAuth2 through Zoho
Accounts (comma-separated scopes, offline access), the `Zoho-oauthtoken` scheme and the
`orgId` header on every API call, agents over from/limit pages ending in 204, screen pop from
the contact's `webUrl`, a contact created once, the calls activity, the missed-call ticket,
expired tokens refreshed (Zoho never rotates refresh tokens), and a 429 without Retry-After
retried. Zoho publishes no OpenAPI description: the fixture rests on the HTML reference
(https://desk.zoho.com/DeskAPIDocument)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from ringdesk.templates.validate import validate
from tests.integrations.support import SQLITE_ONLY
from tests.vendors.people import CALLER
from tests.vendors.template_run import running
from tests.vendors.zoho_desk import ORG_ID, ZohoDeskFixture

HOSTS = ["accounts.zoho.com", "desk.zoho.com"]
DEPARTMENT = "1892000000006907"
FIELDS = {
    "dc": "com",
    "org_id": ORG_ID,
    "department_id": DEPARTMENT,
    "client_id": "1000.ZOHOCLIENT",
    "client_secret": "zoho-secret-1",
}
OPTIONS = {
    "default_region": "US",
    "create_contact": {"enabled": True, "contact_type": "Contacts"},
    "ticket": {"enabled": True, "when": "missed"},
}
UNKNOWN = "+15135550123"
SCOPES = (
    "Desk.basic.READ,Desk.contacts.ALL,Desk.search.READ,Desk.tickets.ALL,"
    "Desk.activities.calls.CREATE"
)
TEMPLATE = load_xml(builtin_xml()["zoho-desk"])


@SQLITE_ONLY
async def test_every_scenario_against_the_zoho_desk_fixture(settings):
    """covers A5, A6, A8, H1, U1–U3, C1–C4, C9, N1, L1, T1, L3 for the Zoho Desk template."""
    fixture = ZohoDeskFixture(agent_count=230)
    async with running(settings, fixture, HOSTS) as desk:
        # --- connect: Zoho Accounts of the data centre ----------------------------------
        await desk.create("zoho-desk", FIELDS, OPTIONS)
        started = await desk.connect()
        authorize = urlsplit(started["url"])
        query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        assert (authorize.netloc, authorize.path) == ("accounts.zoho.com", "/oauth/v2/auth")
        assert query["scope"] == SCOPES
        assert (query["access_type"], query["prompt"]) == ("offline", "consent")
        assert (query["client_id"], query["response_type"]) == ("1000.ZOHOCLIENT", "code")
        assert (await desk.authorize(started["url"]))["status"] == "connected"
        [exchange] = fixture.requests_to("POST", "/oauth/v2/token")
        assert exchange.form == {
            "grant_type": "authorization_code",
            "code": "auth-code-1",
            "redirect_uri": query["redirect_uri"],
            "client_id": "1000.ZOHOCLIENT",
            "client_secret": "zoho-secret-1",
        }
        assert "orgid" not in exchange.headers  # the header is for the Desk API only

        # --- agents: from/limit pages; the short third page ends it ----------------------
        assert await desk.sync_users() == {"requests": 3, "users": 230, "capped": False}
        pages = fixture.requests_to("GET", "/api/v1/agents")
        assert [(p.param("from"), p.param("limit")) for p in pages] == [
            ("0", "100"),
            ("100", "100"),
            ("200", "100"),
        ]
        assert {p.param("status") for p in pages} == {"ACTIVE"}
        assert {p.headers["orgid"] for p in pages} == {ORG_ID}
        assert all(p.headers["authorization"].startswith("Zoho-oauthtoken at-") for p in pages)
        users = await desk.users()
        names = {a["id"]: (a["firstName"], a["lastName"], a["emailId"]) for a in fixture.agents}
        assert all(
            (u["first_name"], u["last_name"], u["email"]) == names[u["user_id"]] for u in users
        )
        owner = users[0]["user_id"]
        await desk.link(owner)

        # --- screen pop: the contact's own webUrl ---------------------------------------
        pop = await desk.ring("k-1", CALLER.e164)
        ada = fixture.contacts[0]
        assert (pop["matched"], pop["contact_id"]) == (True, ada["id"])
        assert pop["popup_url"] == ada["webUrl"]
        searches = fixture.requests_to("GET", "/api/v1/contacts/search")
        assert {(s.param("phone"), s.param("mobile")) for s in searches} == {
            (CALLER.e164, None),
            (None, CALLER.e164),
        }
        assert {s.param("limit") for s in searches} == {"10"}

        # --- unknown caller: searches answer 204, one contact is created ----------------
        pop = await desk.ring("u-1", UNKNOWN)
        assert pop["matched"] is False
        await desk.drain()
        [created] = fixture.requests_to("POST", "/api/v1/contacts")
        assert created.json == {
            "lastName": UNKNOWN,
            "phone": UNKNOWN,
            "description": "Created by ringdesk for call u-1",
        }
        assert created.headers["orgid"] == ORG_ID
        new_contact = fixture.contacts[-1]
        pop = await desk.ring("u-2", UNKNOWN)
        assert (pop["matched"], pop["contact_id"]) == (True, new_contact["id"])
        await desk.drain()
        assert len(fixture.requests_to("POST", "/api/v1/contacts")) == 1

        # --- answered → a call activity of the contact ----------------------------------
        await desk.end("k-1", CALLER.e164, answered=True)
        await desk.drain()
        [log] = fixture.requests_to("POST", "/api/v1/calls")
        assert log.json == {
            "departmentId": DEPARTMENT,
            "contactId": ada["id"],
            "subject": f"Inbound call {CALLER.e164}",
            "description": log.json["description"],
            "startTime": "2024-11-25T08:00:00.000Z",
            "direction": "inbound",
            "duration": "205",
            "status": "Completed",
            "ownerId": owner,
        }
        assert log.json["description"].endswith("00:03:25 https://pbx.example.com/rec/42.wav")

        # --- missed → call activity and a phone ticket ---------------------------------
        await desk.end("u-1", UNKNOWN, answered=False)
        await desk.drain()
        missed = fixture.requests_to("POST", "/api/v1/calls")[-1].json
        assert (missed["contactId"], missed["duration"]) == (new_contact["id"], "0")
        [ticket] = fixture.requests_to("POST", "/api/v1/tickets")
        assert ticket.json["contactId"] == new_contact["id"]
        assert (ticket.json["departmentId"], ticket.json["channel"]) == (DEPARTMENT, "Phone")
        assert ticket.json["phone"] == UNKNOWN

        # --- expired access token → refresh (no new refresh token) and retry ------------
        refresh_tokens = set(fixture.tokens.refresh)
        fixture.expire_tokens()
        before = len(fixture.requests)
        pop = await desk.ring("k-exp", CALLER.e164)
        assert pop["matched"] is True
        token_calls = [r for r in fixture.requests[before:] if r.path == "/oauth/v2/token"]
        [refresh] = [r.form for r in token_calls]
        assert refresh is not None
        assert refresh["grant_type"] == "refresh_token"
        assert refresh["refresh_token"] in refresh_tokens
        assert fixture.tokens.refresh == refresh_tokens
        # The stored refresh token survived the answer that carried none: refresh again.
        fixture.expire_tokens()
        pop = await desk.ring("k-exp-2", CALLER.e164)
        assert pop["matched"] is True
        assert (await desk.integration())["status"] == "connected"

        # --- 429 without Retry-After: retried after ringdesk's backoff, stored once -----
        await desk.ring("k-2", CALLER.e164)
        await desk.drain()
        fixture.faults.rate_limit(times=1)
        calls_before = len(fixture.calls)
        posts_before = len(fixture.requests_to("POST", "/api/v1/calls"))
        await desk.end("k-2", CALLER.e164, answered=True)
        await desk.deliver()
        [job] = [j for j in desk.jobs("call_log") if j.call_id == "k-2"]
        assert (job.status, job.attempts) == ("done", 1)
        assert fixture.faults.rate_limited == 0
        assert len(fixture.requests_to("POST", "/api/v1/calls")) == posts_before + 2
        assert len(fixture.calls) == calls_before + 1


def test_the_template_validates_without_errors_or_warnings():
    """covers issue 15: `ringdesk template validate` passes the built-in with no warnings."""
    assert validate(TEMPLATE) == []
