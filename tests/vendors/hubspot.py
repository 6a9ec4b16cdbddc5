"""HubSpot CRM v3 fixture: owners (cursor paging with `paging.next.link`), contact search
(filterGroups or free text; new contacts reach the index only after `reindex()`), create
contact, calls engagement and tickets with associations, account details (portal id for the
screen pop), and the OAuth v1 token endpoint (refresh tokens are not rotated)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.vendors.fixture import (
    Call,
    Endpoint,
    Problem,
    Reply,
    TokenAuth,
    TokenStore,
    VendorFixture,
    dig,
)
from tests.vendors.openapi import VendorSpec
from tests.vendors.people import CALLER, Person, agents, customers

__all__ = ["PORTAL_ID", "PRIVATE_APP_TOKEN", "HubSpotFixture"]

DOCS = "https://developers.hubspot.com/docs/api"
PRIVATE_APP_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
PORTAL_ID = 20145678
STAMP = "2026-01-02T10:00:00.000Z"
# https://developers.hubspot.com/docs/api/crm/associations (default association type ids)
CALL_TO_CONTACT, TICKET_TO_CONTACT = 194, 16


class HubSpotFixture(VendorFixture):
    name = "hubspot"

    def __init__(self, *, owner_count: int = 240, openapi: bool = True) -> None:
        super().__init__()
        # https://developers.hubspot.com/docs/api/oauth/tokens: access tokens live 30 minutes;
        # refreshing returns the same refresh token.
        self.tokens = TokenStore(rotate=False, access_ttl=1800)
        self.auth = TokenAuth("Bearer", self.tokens, static={PRIVATE_APP_TOKEN})
        self.owners = [self._owner(i, p) for i, p in enumerate(agents(owner_count))]
        self.contacts = [
            self._object(
                "51",
                {
                    "firstname": CALLER.first,
                    "lastname": CALLER.last,
                    "email": CALLER.email,
                    "phone": CALLER.e164,
                    "mobilephone": None,
                },
            )
        ]
        self.contacts += [
            self._object(
                str(60 + i),
                {
                    "firstname": p.first,
                    "lastname": p.last,
                    "email": p.email,
                    "phone": p.e164[2:],
                    "mobilephone": None,
                },
            )
            for i, p in enumerate(customers(8))
        ]
        self.unindexed: set[str] = set()
        self.calls: list[dict[str, Any]] = []
        self.tickets: list[dict[str, Any]] = []
        self.spec = VendorSpec.load("hubspot") if openapi else None

    def reindex(self) -> None:
        """The search index catches up with contacts created since (HubSpot documents a
        delay of a few seconds between create and search visibility)."""
        self.unindexed.clear()

    @staticmethod
    def _owner(i: int, p: Person) -> dict[str, Any]:
        return {
            "id": str(41629779 + i),
            "email": p.email,
            "type": "PERSON",
            "firstName": p.first,
            "lastName": p.last,
            "userId": 9586504 + i,
            "userIdIncludingInactive": 9586504 + i,
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
            "teams": [{"id": "101", "name": "Support", "primary": True}],
        }

    @staticmethod
    def _object(oid: str, properties: dict[str, Any]) -> dict[str, Any]:
        props = {"createdate": STAMP, "lastmodifieddate": STAMP, "hs_object_id": oid, **properties}
        return {
            "id": oid,
            "properties": props,
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "POST",
                "/oauth/v1/token",
                self.token,
                f"{DOCS}/oauth/tokens",
                auth=False,
                form=True,
                body=("grant_type", "client_id", "client_secret"),
            ),
            Endpoint(
                "GET",
                "/oauth/v1/access-tokens/{token}",
                self.token_info,
                f"{DOCS}/oauth/tokens",
                auth=False,
            ),
            Endpoint(
                "GET",
                "/account-info/v3/details",
                self.account,
                f"{DOCS}/settings/account-information-api",
            ),
            Endpoint(
                "GET",
                "/crm/v3/owners",
                self.list_owners,
                f"{DOCS}/crm/owners",
                query={"limit": False, "after": False, "email": False, "archived": False},
            ),
            Endpoint(
                "POST",
                "/crm/v3/objects/contacts/search",
                self.search_contacts,
                f"{DOCS}/crm/search",
            ),
            Endpoint(
                "POST",
                "/crm/v3/objects/contacts",
                self.create_contact,
                f"{DOCS}/crm/contacts",
                body=("properties",),
            ),
            Endpoint(
                "POST",
                "/crm/v3/objects/calls",
                self.create_call,
                f"{DOCS}/crm/calls",
                body=("properties.hs_timestamp",),
            ),
            Endpoint(
                "POST",
                "/crm/v3/objects/tickets",
                self.create_ticket,
                f"{DOCS}/crm/tickets",
                body=("properties.subject", "properties.hs_pipeline_stage"),
            ),
        ]

    # https://developers.hubspot.com/docs/api/error-handling ---------------------------------
    def _error(self, status: int, category: str, message: str, **extra: Any) -> Reply:
        return Reply(
            status,
            {
                "status": "error",
                "message": message,
                "correlationId": str(uuid.uuid4()),
                "category": category,
                **extra,
            },
        )

    def unauthorized(self, call: Call) -> Reply:
        return self._error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )

    def expired(self, call: Call) -> Reply:
        return self._error(
            401,
            "EXPIRED_AUTHENTICATION",
            "The OAuth token used to make this call expired 2 minute(s) ago.",
        )

    def rate_limited(self, retry_after: int) -> Reply:
        # https://developers.hubspot.com/docs/api/usage-details: no Retry-After; the
        # X-HubSpot-RateLimit-* headers tell the window instead.
        body = {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": "TEN_SECONDLY_ROLLING",
        }
        headers = {
            "X-HubSpot-RateLimit-Daily": "250000",
            "X-HubSpot-RateLimit-Daily-Remaining": "249000",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Remaining": "0",
        }
        return Reply(429, body, headers)

    def not_found(self, call: Call) -> Reply:
        return self._error(
            404, "OBJECT_NOT_FOUND", f"Unable to route {call.request.method} {call.request.path}"
        )

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return self._error(
            405, "METHOD_NOT_ALLOWED", f"HTTP 405 Method Not Allowed; use {', '.join(allowed)}"
        )

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        errors = [
            {
                "message": p.message or f"{p.field} is {p.kind}",
                "in": p.field,
                "code": "INVALID_PARAMETER" if p.kind != "missing" else "MISSING_REQUIRED_FIELD",
            }
            for p in problems
        ]
        return self._error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1", errors=errors)

    # handlers --------------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        form = call.request.form or {}
        if form.get("grant_type") == "authorization_code" and form.get("code"):
            access, refresh = self.tokens.issue()
        elif form.get("grant_type") == "refresh_token" and (
            traded := self.tokens.use_refresh(form.get("refresh_token", ""))
        ):
            access, refresh = traded[0], form["refresh_token"]
        else:
            return Reply(
                400,
                {
                    "status": "BAD_REFRESH_TOKEN",
                    "message": "missing or unknown refresh token",
                    "correlationId": str(uuid.uuid4()),
                },
            )
        return Reply(
            200,
            {
                "token_type": "bearer",
                "refresh_token": refresh,
                "access_token": access,
                "expires_in": self.tokens.access_ttl,
            },
        )

    def token_info(self, call: Call) -> Reply:
        token = call.path_params["token"]
        if token not in self.tokens.access:
            return self._error(404, "EXPIRED_AUTHENTICATION", "The token is expired or unknown")
        return Reply(
            200,
            {
                "token": token,
                "user": "agent@acme.example",
                "hub_domain": "acme.example",
                "scopes": ["oauth", "crm.objects.contacts.read"],
                "hub_id": PORTAL_ID,
                "app_id": 456,
                "expires_in": 1700,
                "user_id": 9586504,
                "token_type": "access",
            },
        )

    def account(self, call: Call) -> Reply:
        return Reply(
            200,
            {
                "portalId": PORTAL_ID,
                "accountType": "STANDARD",
                "timeZone": "US/Eastern",
                "companyCurrency": "USD",
                "additionalCurrencies": [],
                "utcOffset": "-05:00",
                "utcOffsetMilliseconds": -18000000,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            },
        )

    def list_owners(self, call: Call) -> Reply:
        limit, after = call.request.param("limit") or "100", call.request.param("after") or "0"
        if not limit.isdigit() or not 1 <= int(limit) <= 500 or not after.isdigit():
            return self.invalid(
                call,
                [
                    Problem(
                        "query",
                        "limit",
                        "invalid",
                        "limit must be 1..500; after must be a cursor from paging.next.after",
                    )
                ],
            )
        owners = [o for o in self.owners if call.request.param("email") in {None, o["email"]}]
        start, size = int(after), int(limit)
        body: dict[str, Any] = {"results": owners[start : start + size]}
        if start + size < len(owners):
            nxt = str(start + size)
            body["paging"] = {
                "next": {"after": nxt, "link": call.url("/crm/v3/owners", limit=limit, after=nxt)}
            }
        return Reply(200, body)

    def search_contacts(self, call: Call) -> Reply:
        data = call.json or {}
        limit = data.get("limit", 10)
        if not isinstance(limit, int) or not 1 <= limit <= 200:
            return self.invalid(call, [Problem("body", "limit", "invalid", "limit must be 1..200")])
        visible = [c for c in self.contacts if c["id"] not in self.unindexed]
        groups = data.get("filterGroups") or []
        if groups:
            visible = [
                c
                for c in visible
                if any(all(_filter(c, f) for f in g.get("filters", [])) for g in groups)
            ]
        if data.get("query"):
            needle = str(data["query"]).lower()
            visible = [
                c
                for c in visible
                if any(
                    needle in str(c["properties"].get(k) or "").lower()
                    for k in ("firstname", "lastname", "email", "phone", "mobilephone")
                )
            ]
        wanted = data.get("properties") or ["firstname", "lastname", "email"]
        results = [
            dict(
                c,
                properties={
                    k: v
                    for k, v in c["properties"].items()
                    if k in wanted or k in {"hs_object_id", "createdate", "lastmodifieddate"}
                },
            )
            for c in visible[:limit]
        ]
        return Reply(200, {"total": len(visible), "results": results})

    def create_contact(self, call: Call) -> Reply:
        props = call.json["properties"]
        existing = next(
            (
                c
                for c in self.contacts
                if props.get("email") and c["properties"].get("email") == props["email"]
            ),
            None,
        )
        if existing:
            return self._error(
                409, "CONFLICT", f"Contact already exists. Existing ID: {existing['id']}"
            )
        contact = self._object(str(1000 + len(self.contacts)), dict(props))
        self.contacts.append(contact)
        self.unindexed.add(contact["id"])
        return Reply(201, contact)

    def create_call(self, call: Call) -> Reply:
        return self._create(call, self.calls, 3000, CALL_TO_CONTACT)

    def create_ticket(self, call: Call) -> Reply:
        return self._create(call, self.tickets, 5000, TICKET_TO_CONTACT)

    def _create(self, call: Call, store: list[dict[str, Any]], base: int, assoc_type: int) -> Reply:
        for i, assoc in enumerate(call.json.get("associations") or []):
            if not dig(assoc, "to.id", None) or not assoc.get("types"):
                return self.invalid(
                    call, [Problem("body", f"associations.{i}", "invalid", "needs to.id and types")]
                )
            if not any(str(c["id"]) == str(assoc["to"]["id"]) for c in self.contacts):
                return self._error(
                    400,
                    "VALIDATION_ERROR",
                    f"One or more associations are invalid: {assoc['to']['id']}",
                )
        record = self._object(str(base + len(store)), dict(call.json["properties"]))
        record["associations_in"] = call.json.get("associations") or []
        store.append(record)
        return Reply(201, {k: v for k, v in record.items() if k != "associations_in"})


def _filter(contact: dict[str, Any], flt: dict[str, Any]) -> bool:
    """EQ is an exact string match on the stored value (so `+15135557611` does not find
    `5135557611`); CONTAINS_TOKEN matches a token; HAS_PROPERTY a non-empty value."""
    value = contact["properties"].get(flt.get("propertyName", ""))
    operator = flt.get("operator")
    if operator == "HAS_PROPERTY":
        return bool(value)
    if value is None:
        return False
    if operator == "EQ":
        return str(value).lower() == str(flt.get("value", "")).lower()
    if operator == "CONTAINS_TOKEN":
        return str(flt.get("value", "")).strip("*").lower() in str(value).lower()
    if operator == "IN":
        return str(value) in (flt.get("values") or [])
    return False
