"""Help Scout Inbox (Mailbox) API 2.0 fixture: OAuth2 only (client credentials or
authorization code; the token endpoint answers both), users (HAL, fixed 50 per page,
`_links.next.href`), customers with embedded phones (the query language has no phone
field, so callers are found by listing), create customer and create
conversation (201 with an empty body: the id is only in `Resource-ID` / `Location`)."""

from __future__ import annotations

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
from tests.vendors.people import CALLER, Person, agents, customers

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "HelpScoutFixture"]

DOCS = "https://developer.helpscout.com/mailbox-api"
CLIENT_ID, CLIENT_SECRET = "hs-app-id", "hs-app-secret"
STAMP = "2026-01-02T10:00:00Z"
PAGE_SIZE = 50  # fixed by Help Scout


class HelpScoutFixture(VendorFixture):
    name = "help_scout"

    def __init__(self, *, user_count: int = 120) -> None:
        super().__init__()
        # https://developer.helpscout.com/mailbox-api/overview/authentication/: tokens last
        # 48 hours; the refresh answer carries a new refresh token (treated as rotating, ≈).
        self.tokens = TokenStore(rotate=True, access_ttl=172800)
        self.auth = TokenAuth("Bearer", self.tokens)
        self.users = [self._user(4000 + i, p) for i, p in enumerate(agents(user_count))]
        self.customers = [self._customer(700001, CALLER, "513-555-7611")]
        self.customers += [
            self._customer(700002 + i, p, p.e164) for i, p in enumerate(customers(8))
        ]
        self.conversations: list[dict[str, Any]] = []

    @staticmethod
    def _user(uid: int, p: Person) -> dict[str, Any]:
        return {
            "id": uid,
            "firstName": p.first,
            "lastName": p.last,
            "email": p.email,
            "role": "user",
            "timezone": "America/New_York",
            "type": "user",
            "mention": p.first.lower(),
            "initials": p.first[0] + p.last[0],
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "_links": {"self": {"href": f"https://api.helpscout.net/v2/users/{uid}"}},
        }

    @staticmethod
    def _customer(cid: int, p: Person, phone: str | None) -> dict[str, Any]:
        phones = [{"id": cid * 10, "value": phone, "type": "work"}] if phone else []
        return {
            "id": cid,
            "firstName": p.first,
            "lastName": p.last,
            "gender": "Unknown",
            "photoType": "unknown",
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "_embedded": {
                "emails": [{"id": cid * 10 + 1, "value": p.email, "type": "work"}],
                "phones": phones,
            },
            "_links": {"self": {"href": f"https://api.helpscout.net/v2/customers/{cid}"}},
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "POST",
                "/v2/oauth2/token",
                self.token,
                f"{DOCS}/overview/authentication/",
                auth=False,
                raw_body=True,
            ),
            Endpoint(
                "GET",
                "/v2/users",
                self.list_users,
                f"{DOCS}/endpoints/users/list/",
                query={"page": False, "email": False, "mailbox": False},
            ),
            Endpoint(
                "GET",
                "/v2/customers",
                self.list_customers,
                f"{DOCS}/endpoints/customers/list/",
                query={
                    "query": False,
                    "page": False,
                    "mailbox": False,
                    "firstName": False,
                    "lastName": False,
                    "modifiedSince": False,
                    "sortField": False,
                    "sortOrder": False,
                },
            ),
            Endpoint(
                "POST",
                "/v2/customers",
                self.create_customer,
                f"{DOCS}/endpoints/customers/create/",
                body_any=(("firstName", "lastName", "emails"),),
            ),
            Endpoint(
                "POST",
                "/v2/conversations",
                self.create_conversation,
                f"{DOCS}/endpoints/conversations/create/",
                body=("subject", "customer", "mailboxId", "type", "status", "threads"),
            ),
        ]

    # https://developer.helpscout.com/mailbox-api/overview/errors/ (vnd.error + HAL) ---------
    def _error(
        self, status: int, message: str, errors: list[dict[str, Any]] | None = None
    ) -> Reply:
        body: dict[str, Any] = {
            "logRef": "a7b3c1d2e",
            "message": message,
            "_links": {"about": {"href": f"{DOCS}/overview/errors#{status}"}},
        }
        if errors:
            body["_embedded"] = {"errors": errors}
        return Reply(status, body, content_type="application/vnd.error+json")

    def unauthorized(self, call: Call) -> Reply:
        return self._error(401, "Unauthorized")

    def expired(self, call: Call) -> Reply:
        return Reply(
            401,
            {"error": "invalid_token", "error_description": "The access token expired"},
            {
                "WWW-Authenticate": 'Bearer error="invalid_token", error_description="The access token expired"'
            },
        )

    def rate_limited(self, retry_after: int) -> Reply:
        # https://developer.helpscout.com/mailbox-api/overview/rate-limiting/
        return Reply(
            429,
            {"message": "Too many requests"},
            {
                "X-RateLimit-Retry-After": str(retry_after),
                "X-RateLimit-Limit-Minute": "200",
                "X-RateLimit-Remaining-Minute": "0",
            },
        )

    def not_found(self, call: Call) -> Reply:
        return self._error(404, "Resource not found")

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return self._error(405, "Method not allowed")

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        errors = [
            {
                "path": p.field,
                "message": p.message
                or ("may not be empty" if p.kind == "missing" else "is not recognised"),
                "source": "JSON" if p.where == "body" else "QUERY",
                "rejectedValue": None,
            }
            for p in problems
        ]
        return self._error(400, "Bad request", errors)

    # handlers --------------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        data = call.json if isinstance(call.json, dict) else dict(call.request.form or {})
        grant = data.get("grant_type")
        if grant == "client_credentials" and (data.get("client_id"), data.get("client_secret")) == (
            CLIENT_ID,
            CLIENT_SECRET,
        ):
            access, _ = self.tokens.issue()
            return Reply(
                200,
                {
                    "token_type": "bearer",
                    "access_token": access,
                    "expires_in": self.tokens.access_ttl,
                },
            )
        if grant == "authorization_code" and data.get("code"):
            access, refresh = self.tokens.issue()
        elif grant == "refresh_token" and (
            traded := self.tokens.use_refresh(str(data.get("refresh_token")))
        ):
            access, refresh = traded[0], traded[1] or ""
        else:
            return Reply(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided grant is invalid or expired",
                },
            )
        return Reply(
            200,
            {
                "token_type": "bearer",
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": self.tokens.access_ttl,
            },
        )

    def _hal(self, call: Call, path: str, key: str, items: list[dict[str, Any]]) -> Reply:
        page = int(call.request.param("page") or 1)
        pages = max(1, -(-len(items) // PAGE_SIZE))
        links = {
            "self": {"href": call.url(path, page=page)},
            "first": {"href": call.url(path, page=1)},
            "last": {"href": call.url(path, page=pages)},
            "page": {"href": call.url(path) + "?page={page}", "templated": True},
        }
        extra = {k: v for k, v in call.request.query if k != "page"}
        if page < pages:
            links["next"] = {"href": call.url(path, **extra, page=page + 1)}
        return Reply(
            200,
            {
                "_embedded": {key: items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]},
                "page": {
                    "size": PAGE_SIZE,
                    "totalElements": len(items),
                    "totalPages": pages,
                    "number": page,
                },
                "_links": links,
            },
            content_type="application/hal+json",
        )

    def list_users(self, call: Call) -> Reply:
        return self._hal(call, "/v2/users", "users", self.users)

    def list_customers(self, call: Call) -> Reply:
        query = call.request.param("query")
        found = [c for c in self.customers if query is None or _query(c, query)]
        return self._hal(call, "/v2/customers", "customers", found)

    def create_customer(self, call: Call) -> Reply:
        data = call.json
        cid = 710000 + len(self.customers)
        phones = data.get("phones") or []
        customer = self._customer(
            cid, Person(data.get("firstName") or "", data.get("lastName") or "", "", ""), None
        )
        customer["_embedded"] = {"emails": data.get("emails") or [], "phones": phones}
        self.customers.append(customer)
        return Reply(
            201,
            None,
            {"Resource-ID": str(cid), "Location": f"https://api.helpscout.net/v2/customers/{cid}"},
        )

    def create_conversation(self, call: Call) -> Reply:
        data = call.json
        if data["type"] not in {"email", "phone", "chat"} or data["status"] not in {
            "active",
            "pending",
            "closed",
        }:
            return self.invalid(
                call,
                [
                    Problem(
                        "body",
                        "type",
                        "invalid",
                        "type is email|phone|chat; status active|pending|closed",
                    )
                ],
            )
        cid = 90000 + len(self.conversations)
        self.conversations.append(dict(data, id=cid, number=1000 + cid))
        return Reply(
            201,
            None,
            {
                "Resource-ID": str(cid),
                "Location": f"https://api.helpscout.net/v2/conversations/{cid}",
            },
        )


def _query(customer: dict[str, Any], query: str) -> bool:
    """The documented query fields: `(firstName:"…")`, `(lastName:"…")`, `(email:"…")`
    (email contains). The reference documents no phone field, so a phone query matches
    nothing: callers are found by listing customers and matching their embedded phones.
    https://developer.helpscout.com/mailbox-api/endpoints/customers/list/"""
    inner = query.strip("()")
    field, _, value = inner.partition(":")
    value = value.strip('"')
    if field == "email":
        return any(value.lower() in e["value"].lower() for e in customer["_embedded"]["emails"])
    if field in {"firstName", "lastName"}:
        return str(customer[field]).lower() == value.lower()
    return False
