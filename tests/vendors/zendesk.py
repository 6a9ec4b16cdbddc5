"""Zendesk Support API v2 fixture: users (cursor and offset paging), user search by phone,
create user / create-or-update, tickets (with Idempotency-Key), Talk Partner Edition calls,
and the OAuth token endpoint with rotating refresh tokens."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.vendors.fixture import (
    AnyAuth,
    BasicAuth,
    Call,
    Endpoint,
    Problem,
    Reply,
    TokenAuth,
    TokenStore,
    VendorFixture,
)
from tests.vendors.openapi import VendorSpec
from tests.vendors.people import CALLER, Person, agents, customers, dashed_us, digits

__all__ = ["EMAIL", "TOKEN", "ZendeskFixture"]

DOCS = "https://developer.zendesk.com/api-reference"
EMAIL, TOKEN = "agent@acme.example", "zd-api-token-123"
STAMP = "2026-01-02T10:00:00Z"


class ZendeskFixture(VendorFixture):
    name = "zendesk"

    def __init__(self, *, agent_count: int = 230, openapi: bool = True) -> None:
        super().__init__()
        # https://developer.zendesk.com/documentation/api-basics/authentication/refresh-token
        # "will also return a refresh token and delete the previous access and refresh tokens"
        self.tokens = TokenStore(rotate=True, access_ttl=1800)
        # https://developer.zendesk.com/api-reference/introduction/security-and-auth/
        # Basic "{email}/token:{api_token}", or an OAuth access token as Bearer.
        self.auth = AnyAuth(
            [BasicAuth({(f"{EMAIL}/token", TOKEN)}), TokenAuth("Bearer", self.tokens)]
        )
        self.users: list[dict[str, Any]] = [
            self._user(p, "agent" if i % 10 else "admin") for i, p in enumerate(agents(agent_count))
        ]
        self.users += [self._user(p, "end-user") for p in [CALLER, *customers(12)]]
        self.tickets: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, Reply]] = {}
        self.spec = VendorSpec.load("zendesk") if openapi else None

    def _user(self, person: Person, role: str) -> dict[str, Any]:
        self._next_id = getattr(self, "_next_id", 360000) + 1
        uid = self._next_id
        return {
            "id": uid,
            "url": f"https://acme.zendesk.com/api/v2/users/{uid}.json",
            "name": person.name,
            "email": person.email,
            "phone": dashed_us(person.e164) if role == "end-user" else None,
            "shared_phone_number": None,
            "role": role,
            "active": True,
            "verified": True,
            "external_id": None,
            "organization_id": None,
            "time_zone": "Eastern Time (US & Canada)",
            "locale": "en-US",
            "tags": [],
            "created_at": STAMP,
            "updated_at": STAMP,
            "user_fields": {},
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "POST",
                "/oauth/tokens",
                self.token,
                f"{DOCS}/ticketing/oauth/oauth_tokens/#create-token",
                auth=False,
                raw_body=True,
            ),
            Endpoint(
                "GET",
                "/api/v2/users.json",
                self.list_users,
                f"{DOCS}/ticketing/users/users/#list-users",
                query={
                    "role[]": False,
                    "role": False,
                    "page[size]": False,
                    "page[after]": False,
                    "page": False,
                    "per_page": False,
                },
            ),
            Endpoint(
                "GET",
                "/api/v2/users/search.json",
                self.search_users,
                f"{DOCS}/ticketing/users/users/#search-users",
                query={"query": True, "page": False, "per_page": False},
            ),
            Endpoint(
                "POST",
                "/api/v2/users.json",
                self.create_user,
                f"{DOCS}/ticketing/users/users/#create-user",
                body=("user.name",),
            ),
            Endpoint(
                "POST",
                "/api/v2/users/create_or_update.json",
                self.create_or_update,
                f"{DOCS}/ticketing/users/users/#create-or-update-user",
                body=("user.name",),
                body_any=(("user.email", "user.external_id"),),
            ),
            Endpoint(
                "POST",
                "/api/v2/tickets.json",
                self.create_ticket,
                f"{DOCS}/ticketing/tickets/tickets/#create-ticket",
                body_any=(("ticket.comment.body", "ticket.comment.html_body"),),
            ),
            Endpoint(
                "GET",
                "/api/v2/tickets.json",
                self.list_tickets,
                f"{DOCS}/ticketing/tickets/tickets/#list-tickets",
                query={"external_id": False, "page[size]": False},
            ),
            # https://developer.zendesk.com/documentation/voice/talk-partner-edition/creating-a-call-record-in-zendesk/
            Endpoint(
                "POST",
                "/api/v2/calls",
                self.create_call,
                f"{DOCS}/voice/talk-partner-edition-api/calls/",
                body=(
                    "call.app_id",
                    "call.from_line",
                    "call.to_line",
                    "call.call_started_at",
                    "call.direction",
                ),
            ),
        ]

    # error shapes: https://developer.zendesk.com/api-reference/introduction/requests/ -------
    def unauthorized(self, call: Call) -> Reply:
        return Reply(401, {"error": "Couldn't authenticate you"})

    def expired(self, call: Call) -> Reply:
        # RFC 6750 error as Zendesk returns it for an expired or revoked OAuth token (≈).
        return Reply(
            401,
            {
                "error": "invalid_token",
                "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons.",
            },
            {"WWW-Authenticate": 'Bearer realm="Web", error="invalid_token"'},
        )

    def rate_limited(self, retry_after: int) -> Reply:
        # https://developer.zendesk.com/api-reference/introduction/rate-limits/
        return Reply(
            429,
            {
                "error": "APIRateLimitExceeded",
                "description": "Number of allowed API requests per minute exceeded",
            },
            {"Retry-After": str(retry_after), "X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0"},
        )

    def not_found(self, call: Call) -> Reply:
        return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return self.not_found(call)  # Zendesk routes by method and path: a wrong verb is 404 (≈)

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        if all(p.where == "query" for p in problems):
            return Reply(
                400,
                {
                    "error": "InvalidParameter",
                    "description": ", ".join(f"{p.field}: {p.kind}" for p in problems),
                },
            )
        details = {
            p.field.split(".")[-1]: [
                {"description": f"{p.field}: cannot be blank", "error": "BlankValue"}
            ]
            for p in problems
        }
        return Reply(
            422,
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": details,
            },
        )

    # handlers --------------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        data = (
            call.json
            if isinstance(call.json, dict)
            else dict(parse_qsl(call.request.body.decode()))
        )
        grant = data.get("grant_type")
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
                    "error_description": "The provided authorization grant is invalid, expired, or revoked.",
                },
            )
        return Reply(
            200,
            {
                "access_token": access,
                "token_type": "bearer",
                "scope": data.get("scope", "read write"),
                "refresh_token": refresh,
                "expires_in": self.tokens.access_ttl,
                "refresh_token_expires_in": 2592000,
            },
        )

    def list_users(self, call: Call) -> Reply:
        roles = call.request.params("role[]") or call.request.params("role")
        users = [u for u in self.users if not roles or u["role"] in roles]
        size = call.request.param("page[size]")
        if size is not None:
            return self._cursor_page(call, "/api/v2/users.json", "users", users, size)
        return self._offset_page(call, "/api/v2/users.json", "users", users)

    def search_users(self, call: Call) -> Reply:
        query = call.request.param("query") or ""
        found = [u for u in self.users if _matches(u, query)]
        return self._offset_page(call, "/api/v2/users/search.json", "users", found, query=query)

    def create_user(self, call: Call) -> Reply:
        data = call.json["user"]
        if data.get("email") and any(u["email"] == data["email"] for u in self.users):
            return Reply(
                422,
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {
                        "email": [
                            {
                                "description": f"Email: {data['email']} is already being used by another user",
                                "error": "DuplicateValue",
                            }
                        ]
                    },
                },
            )
        return Reply(201, {"user": self._add_user(data)})

    def create_or_update(self, call: Call) -> Reply:
        data = call.json["user"]
        for user in self.users:
            if (data.get("email") and user["email"] == data["email"]) or (
                data.get("external_id") and user["external_id"] == data["external_id"]
            ):
                user.update({k: v for k, v in data.items() if k in user})
                return Reply(200, {"user": user})
        return Reply(201, {"user": self._add_user(data)})

    def _add_user(self, data: dict[str, Any]) -> dict[str, Any]:
        user = self._user(
            Person(data["name"], "", data.get("email") or "", ""), data.get("role", "end-user")
        )
        user.update(
            name=data["name"],
            email=data.get("email"),
            phone=data.get("phone"),
            external_id=data.get("external_id"),
        )
        self.users.append(user)
        return user

    def create_ticket(self, call: Call) -> Reply:
        # https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency
        key = call.request.headers.get("idempotency-key")
        if key and key in self.idempotency:
            body, reply = self.idempotency[key]
            if body != call.request.body.decode():
                return Reply(
                    400,
                    {
                        "error": "IdempotentRequestError",
                        "description": "The idempotency key was reused with a different request body",
                    },
                )
            return Reply(reply.status, reply.body, {"x-idempotency-lookup": "hit"})
        data = call.json["ticket"]
        tid = 100 + len(self.tickets)
        ticket = {
            "id": tid,
            "url": f"https://acme.zendesk.com/api/v2/tickets/{tid}.json",
            "subject": data.get("subject"),
            "description": data["comment"].get("body"),
            "status": data.get("status", "new"),
            "priority": data.get("priority"),
            # Zendesk reads numeric strings as ids and answers with integers (its clients
            # send either; the Ticket schema's ids are integers).
            "requester_id": _as_id(data.get("requester_id")),
            "assignee_id": _as_id(data.get("assignee_id")),
            "external_id": data.get("external_id"),
            "tags": data.get("tags", []),
            "via": {"channel": "api"},
            "created_at": STAMP,
            "updated_at": STAMP,
        }
        self.tickets.append(ticket)
        reply = Reply(
            201, {"ticket": ticket, "audit": {"id": 9000 + tid, "ticket_id": tid, "events": []}}
        )
        if key:
            self.idempotency[key] = (call.request.body.decode(), reply)
            return Reply(201, reply.body, {"x-idempotency-lookup": "miss"})
        return reply

    def list_tickets(self, call: Call) -> Reply:
        external = call.request.param("external_id")
        found = [t for t in self.tickets if external is None or t["external_id"] == external]
        return Reply(
            200, {"tickets": found, "next_page": None, "previous_page": None, "count": len(found)}
        )

    def create_call(self, call: Call) -> Reply:
        data = dict(call.json["call"], id=8800 + len(self.calls))
        self.calls.append(data)
        return Reply(201, {"call": data})

    # paging: https://developer.zendesk.com/api-reference/introduction/pagination/ ------------
    def _cursor_page(self, call: Call, path: str, key: str, items: list[Any], size: str) -> Reply:
        if not size.isdigit() or not 1 <= int(size) <= 100:
            return Reply(
                400,
                {
                    "error": "InvalidPaginationParameter",
                    "description": "page[size] must be between 1 and 100",
                },
            )
        start = _decode_cursor(call.request.param("page[after]"))
        if start is None:
            return Reply(
                400,
                {
                    "error": "InvalidPaginationParameter",
                    "description": "Invalid page[after] cursor",
                },
            )
        chunk = items[start : start + int(size)]
        more = start + int(size) < len(items)
        after = _encode_cursor(start + int(size)) if more else None
        before = _encode_cursor(start) if start else None
        keep = [(k, v) for k, v in call.request.query if k != "page[after]"]

        def link(cursor: str | None) -> str | None:
            if cursor is None:
                return None
            return f"{call.base_url}{path}?{urlencode([*keep, ('page[after]', cursor)])}"

        return Reply(
            200,
            {
                key: chunk,
                "meta": {"has_more": more, "after_cursor": after, "before_cursor": before},
                "links": {"next": link(after), "prev": link(before) if start else None},
            },
        )

    def _offset_page(
        self, call: Call, path: str, key: str, items: list[Any], **extra: str
    ) -> Reply:
        page, per_page = (
            int(call.request.param("page") or 1),
            int(call.request.param("per_page") or 100),
        )
        if per_page > 100 or page * per_page > 10000 + per_page:
            return Reply(
                400,
                {
                    "error": "InvalidPaginationParameter",
                    "description": "per_page is at most 100; offset paging stops at 10000 records",
                },
            )
        chunk = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        return Reply(
            200,
            {
                key: chunk,
                "count": len(items),
                "next_page": call.url(path, page=page + 1, per_page=per_page, **extra)
                if more
                else None,
                "previous_page": call.url(path, page=page - 1, per_page=per_page, **extra)
                if page > 1
                else None,
            },
        )


def _as_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": index}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"])
    except (ValueError, KeyError, TypeError):
        return None


def _matches(user: dict[str, Any], query: str) -> bool:
    """Zendesk search syntax subset: `phone:5135557611` matches the digits of the stored
    phone; a leading `*` matches any ending; `role:end-user` filters; bare words hit names.
    https://support.zendesk.com/hc/en-us/articles/4408886879258 (searching users)"""
    for term in query.split():
        name, _, value = term.partition(":")
        if not value:
            if term.lower() not in (user["name"] or "").lower():
                return False
        elif name == "phone":
            stored = digits(user["phone"] or "")
            wanted = digits(value)
            if not stored or not (
                stored.endswith(wanted) if value.startswith("*") else stored == wanted
            ):
                return False
        elif (name == "role" and user["role"] != value) or (
            name == "email" and user["email"] != value
        ):
            return False
    return True
