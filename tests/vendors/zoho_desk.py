"""Zoho Desk API v1 fixture: `Zoho-oauthtoken` auth plus the `orgId` header, agents (from/limit
paging, no next link), contact search by phone (204 when nothing matches), create contact,
the calls activity and tickets, and the Zoho Accounts token endpoint (refresh tokens never
rotate; a bad refresh token is HTTP 200 with an `error` field)."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from tests.vendors.fixture import (
    Call,
    Endpoint,
    Problem,
    Reply,
    TokenAuth,
    TokenStore,
    VendorFixture,
)
from tests.vendors.people import CALLER, Person, agents, customers, digits

__all__ = ["ORG_ID", "ZohoDeskFixture"]

DOCS = "https://desk.zoho.com/DeskAPIDocument"
ORG_ID = "64940000"
PORTAL = "https://desk.zoho.com/support/acme/ShowHomePage.do"
STAMP = "2026-01-02T10:00:00.000Z"
ZOHO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class ZohoDeskFixture(VendorFixture):
    name = "zoho_desk"

    def __init__(self, *, agent_count: int = 130) -> None:
        super().__init__()
        # https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
        self.tokens = TokenStore(rotate=False, access_ttl=3600)
        # https://desk.zoho.com/DeskAPIDocument#OauthTokens: "Authorization:Zoho-oauthtoken …"
        self.auth = TokenAuth("Zoho-oauthtoken", self.tokens)
        self.agents = [self._agent(i, p) for i, p in enumerate(agents(agent_count))]
        self.contacts = [
            self._contact("1892000000772003", CALLER, "1 513 555 7611", "+1 513 555 7611")
        ]
        self.contacts += [
            self._contact(f"18920000009{i:05d}", p, p.e164, None)
            for i, p in enumerate(customers(8))
        ]
        self.calls: list[dict[str, Any]] = []
        self.tickets: list[dict[str, Any]] = []

    @staticmethod
    def _agent(i: int, p: Person) -> dict[str, Any]:
        aid = f"18920000000{i:05d}"
        return {
            "id": aid,
            "firstName": p.first,
            "lastName": p.last,
            "name": p.name,
            "emailId": p.email,
            "status": "ACTIVE",
            "isConfirmed": True,
            "roleId": "1892000000056099",
            "profileId": "1892000000056091",
            "phone": None,
            "mobile": None,
            "zuid": str(700000 + i),
            "photoURL": None,
        }

    @staticmethod
    def _contact(cid: str, p: Person, phone: str | None, mobile: str | None) -> dict[str, Any]:
        return {
            "id": cid,
            "firstName": p.first,
            "lastName": p.last,
            "email": p.email,
            "phone": phone,
            "mobile": mobile,
            "accountId": None,
            "ownerId": None,
            "createdTime": STAMP,
            "modifiedTime": STAMP,
            "webUrl": f"{PORTAL}#Contacts/dv/{cid}",
        }

    def endpoints(self) -> list[Endpoint]:
        token_params = dict.fromkeys(
            ["grant_type", "refresh_token", "client_id", "client_secret", "code", "redirect_uri"],
            False,
        )
        search = dict.fromkeys(
            [
                "phone",
                "mobile",
                "email",
                "firstName",
                "lastName",
                "fullName",
                "_all",
                "from",
                "limit",
                "sortBy",
            ],
            False,
        )
        return [
            # https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html (accounts.zoho.com)
            Endpoint(
                "POST",
                "/oauth/v2/token",
                self.token,
                "https://www.zoho.com/accounts/protocol/oauth/web-server-applications.html",
                query=token_params,
                auth=False,
                raw_body=True,
            ),
            Endpoint(
                "GET",
                "/api/v1/agents",
                self.list_agents,
                DOCS + "#Agents#Agents_Listagents",
                query={
                    "from": False,
                    "limit": False,
                    "status": False,
                    "isConfirmed": False,
                    "departmentIds": False,
                },
            ),
            Endpoint(
                "GET",
                "/api/v1/contacts/search",
                self.search_contacts,
                DOCS + "#Search#Search_SearchContacts",
                query=search,
            ),
            Endpoint(
                "POST",
                "/api/v1/contacts",
                self.create_contact,
                DOCS + "#Contacts#Contacts_CreateContact",
                body=("lastName",),
            ),
            Endpoint(
                "POST",
                "/api/v1/calls",
                self.create_call,
                DOCS + "#Calls#Calls_Createacall",
                body=(
                    "departmentId",
                    "subject",
                    "startTime",
                    "direction",
                    "duration",
                    "status",
                    "contactId",
                ),
            ),
            Endpoint(
                "POST",
                "/api/v1/tickets",
                self.create_ticket,
                DOCS + "#Tickets#Tickets_Createaticket",
                body=("subject", "departmentId"),
                body_any=(("contactId", "contact.lastName", "contact.email"),),
            ),
        ]

    def check_headers(self, call: Call, endpoint: Endpoint) -> Reply | None:
        # "orgId" is needed on every call except /organizations (DeskAPIDocument#Introduction).
        if endpoint.auth and call.request.headers.get("orgid") != ORG_ID:
            return Reply(
                400,
                {
                    "errorCode": "INVALID_DATA",
                    "message": "The orgId header is missing or does not match the OAuth token's organization",
                },
            )
        return None

    # https://desk.zoho.com/DeskAPIDocument#Errors --------------------------------------------
    def unauthorized(self, call: Call) -> Reply:
        return Reply(
            401,
            {"errorCode": "INVALID_OAUTH", "message": "The OAuth Token you provided is invalid."},
        )

    def rate_limited(self, retry_after: int) -> Reply:
        # Zoho documents the errorCode, no Retry-After header: clients must back off blind.
        return Reply(
            429,
            {
                "errorCode": "TOO_MANY_REQUESTS",
                "message": "The number of requests exceeded the limit.",
            },
        )

    def not_found(self, call: Call) -> Reply:
        return Reply(
            404,
            {"errorCode": "URL_NOT_FOUND", "message": "The URL you requested could not be found"},
        )

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return Reply(
            405,
            {
                "errorCode": "METHOD_NOT_ALLOWED",
                "message": "The requested method is not allowed for this URL",
            },
        )

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        errors = [
            {
                "fieldName": "/" + p.field.replace(".", "/"),
                "errorType": "missing" if p.kind == "missing" else "invalid",
                "errorMessage": p.message,
            }
            for p in problems
        ]
        return Reply(
            422,
            {
                "errorCode": "UNPROCESSABLE_ENTITY",
                "message": "An invalid value was provided for one of the fields.",
                "errors": errors,
            },
        )

    # handlers --------------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        params = dict(call.request.query) | dict(call.request.form or {})
        if params.get("grant_type") == "authorization_code" and params.get("code"):
            access, refresh = self.tokens.issue()
            body = {"access_token": access, "refresh_token": refresh}
        elif params.get("grant_type") == "refresh_token" and (
            traded := self.tokens.use_refresh(params.get("refresh_token", ""))
        ):
            body = {"access_token": traded[0]}  # no new refresh token: Zoho never rotates it
        else:
            return Reply(200, {"error": "invalid_code"})  # Zoho answers 200 with an error field
        return Reply(
            200,
            body
            | {
                "api_domain": "https://www.zohoapis.com",
                "token_type": "Bearer",
                "expires_in": self.tokens.access_ttl,
            },
        )

    def list_agents(self, call: Call) -> Reply:
        start, limit = call.request.param("from") or "0", call.request.param("limit") or "10"
        if not start.isdigit() or not limit.isdigit() or not 1 <= int(limit) <= 200:
            return self.invalid(
                call, [Problem("query", "limit", "invalid", "limit must be between 1 and 200")]
            )
        chunk = self.agents[int(start) : int(start) + int(limit)]
        return Reply(200, {"data": chunk}) if chunk else Reply(204)

    def search_contacts(self, call: Call) -> Reply:
        found = self.contacts
        for key in ("phone", "mobile", "email", "firstName", "lastName"):
            value = call.request.param(key)
            if value is not None:
                found = [
                    c
                    for c in found
                    if _search_match(c.get(key), value, phone=key in {"phone", "mobile"})
                ]
        limit = int(call.request.param("limit") or 10)
        start = int(call.request.param("from") or 0)
        chunk = found[start : start + limit]
        return Reply(200, {"data": chunk, "count": len(found)}) if chunk else Reply(204)

    def create_contact(self, call: Call) -> Reply:
        data = call.json
        cid = f"1892000001{len(self.contacts):06d}"
        contact = self._contact(
            cid,
            Person(data.get("firstName") or "", data["lastName"], data.get("email") or "", ""),
            data.get("phone"),
            data.get("mobile"),
        )
        self.contacts.append(contact)
        return Reply(200, contact)

    def create_call(self, call: Call) -> Reply:
        data = call.json
        problems = []
        if not ZOHO_TIME.match(str(data["startTime"])):
            problems.append(
                Problem("body", "startTime", "invalid", "expected yyyy-MM-ddTHH:mm:ss.SSSZ")
            )
        if data["direction"] not in {"inbound", "outbound"}:
            problems.append(Problem("body", "direction", "invalid", "inbound or outbound"))
        if not str(data["duration"]).isdigit():
            problems.append(Problem("body", "duration", "invalid", "seconds as an integer"))
        if problems:
            return self.invalid(call, problems)
        cid = f"1892000002{len(self.calls):06d}"
        record = dict(data, id=cid, createdTime=STAMP, webUrl=f"{PORTAL}#Calls/dv/{cid}")
        self.calls.append(record)
        return Reply(200, record)

    def create_ticket(self, call: Call) -> Reply:
        tid = f"1892000003{len(self.tickets):06d}"
        ticket = dict(
            call.json,
            id=tid,
            ticketNumber=str(101 + len(self.tickets)),
            createdTime=STAMP,
            webUrl=f"{PORTAL}#Cases/dv/{tid}",
        )
        self.tickets.append(ticket)
        return Reply(200, ticket)


def _search_match(stored: str | None, wanted: str, *, phone: bool) -> bool:
    """Zoho search: `*` is a wildcard; without one a phone matches on its digits (≈)."""
    if stored is None:
        return False
    if "*" in wanted:
        return fnmatch.fnmatchcase(stored, wanted) or fnmatch.fnmatchcase(digits(stored), wanted)
    return digits(stored) == digits(wanted) if phone else stored.lower() == wanted.lower()
