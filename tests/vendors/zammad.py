"""Zammad REST API fixture: `Token token=…` (no space after `=`), Basic and Doorkeeper OAuth
bearer auth; users as a plain array (page/per_page, capped at 500, agents told apart by
role_ids), user search (`phone:`/`mobile:` field queries), create user, tickets with a phone
article, ticket articles, and the Generic CTI push (newCall/answer/hangup)."""

from __future__ import annotations

from typing import Any

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
from tests.vendors.people import CALLER, Person, agents, customers, digits

__all__ = ["API_TOKEN", "CTI_TOKEN", "ZammadFixture"]

DOCS = "https://docs.zammad.org/en/latest/api"
API_TOKEN, CTI_TOKEN = "zammad-token-0123456789", "cti-push-token-42"
STAMP = "2026-01-02T10:00:00.000Z"
AGENT_ROLE, CUSTOMER_ROLE = 2, 3  # the default seed's role ids


class ZammadFixture(VendorFixture):
    name = "zammad"

    def __init__(self, *, agent_count: int = 45) -> None:
        super().__init__()
        # Doorkeeper issues refresh tokens and, by Zammad's defaults, rotates them (≈);
        # access tokens live 2 hours (config/initializers/doorkeeper.rb).
        self.tokens = TokenStore(rotate=True, access_ttl=7200)
        # https://docs.zammad.org/en/latest/api/intro.html#authentication
        self.auth = AnyAuth(
            [
                TokenAuth("Token token=", static={API_TOKEN}),
                BasicAuth({("admin@acme.example", "secret")}),
                TokenAuth("Bearer", self.tokens),
            ]
        )
        self.users = [
            self._user(10 + i, p, AGENT_ROLE, None) for i, p in enumerate(agents(agent_count))
        ]
        self.users.append(self._user(2000, CALLER, CUSTOMER_ROLE, CALLER.e164))
        self.users += [
            self._user(2001 + i, p, CUSTOMER_ROLE, f"+49 30 {1234500 + i}")
            for i, p in enumerate(customers(8))
        ]
        self.tickets: list[dict[str, Any]] = []
        self.articles: list[dict[str, Any]] = []
        self.cti_events: list[dict[str, Any]] = []

    @staticmethod
    def _user(uid: int, p: Person, role: int, phone: str | None) -> dict[str, Any]:
        return {
            "id": uid,
            "login": p.email,
            "firstname": p.first,
            "lastname": p.last,
            "email": p.email,
            "phone": phone or "",
            "mobile": "",
            "fax": "",
            "organization_id": None,
            "role_ids": [role],
            "active": True,
            "vip": False,
            "note": "",
            "out_of_office": False,
            "created_at": STAMP,
            "updated_at": STAMP,
        }

    def endpoints(self) -> list[Endpoint]:
        listing = {"page": False, "per_page": False, "expand": False}
        return [
            Endpoint(
                "GET", "/api/v1/users", self.list_users, f"{DOCS}/user.html#list", query=listing
            ),
            Endpoint(
                "GET",
                "/api/v1/users/search",
                self.search_users,
                f"{DOCS}/user.html#search",
                # `role_ids[]`, `group_ids[]` and `permissions[]` filter the result
                # (app/controllers/users_controller.rb#search, zammad/zammad).
                query={
                    "query": True,
                    "limit": False,
                    "sort_by": False,
                    "order_by": False,
                    "permissions[]": False,
                    "role_ids[]": False,
                    **listing,
                },
            ),
            Endpoint(
                "POST",
                "/api/v1/users",
                self.create_user,
                f"{DOCS}/user.html#create",
                body_any=(("login", "firstname", "lastname", "phone", "email"),),
            ),
            Endpoint(
                "POST",
                "/api/v1/tickets",
                self.create_ticket,
                f"{DOCS}/ticket/index.html#create",
                body=("title", "group", "article.body"),
                body_any=(("customer_id", "customer"),),
            ),
            Endpoint(
                "POST",
                "/api/v1/ticket_articles",
                self.create_article,
                f"{DOCS}/ticket/articles.html#create",
                body=("ticket_id", "body"),
            ),
            # https://docs.zammad.org/en/latest/api/generic-cti/index.html: the token in the URL
            # is the only auth; form-encoded or JSON.
            Endpoint(
                "POST",
                "/api/v1/cti/{token}",
                self.cti,
                "https://docs.zammad.org/en/latest/api/generic-cti/index.html",
                auth=False,
                raw_body=True,
            ),
        ]

    def unauthorized(self, call: Call) -> Reply:
        return Reply(
            401, {"error": "Authentication required", "error_human": "Authentication required"}
        )

    def expired(self, call: Call) -> Reply:
        # Doorkeeper's RFC 6750 answer for an expired access token.
        return Reply(
            401,
            {"error": "invalid_token", "error_description": "The access token expired"},
            {
                "WWW-Authenticate": 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token expired"'
            },
        )

    def rate_limited(self, retry_after: int) -> Reply:
        # Self-hosted Zammad documents no API rate limit; a proxy in front may still send a
        # bare 429, which is what the fixture gives (no body, no Retry-After).
        return Reply(429)

    def not_found(self, call: Call) -> Reply:
        return Reply(
            404, {"error": f'No route matches [{call.request.method}] "{call.request.path}"'}
        )

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return self.not_found(call)  # Rails routing: a wrong verb is an unknown route

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        message = "; ".join(f"{p.field}: {p.kind}" for p in problems)
        if any(p.field.startswith("login") for p in problems):
            message = "Minimum one identifier (login, firstname, lastname, phone or email) for user is required."
        return Reply(422, {"error": message, "error_human": message})

    # handlers --------------------------------------------------------------------------------
    def _page(self, call: Call, users: list[dict[str, Any]]) -> Reply:
        page = int(call.request.param("page") or 1)
        per_page = min(int(call.request.param("per_page") or 100), 500)  # silently capped at 500
        return Reply(200, users[(page - 1) * per_page : page * per_page])

    def list_users(self, call: Call) -> Reply:
        return self._page(call, self.users)

    def search_users(self, call: Call) -> Reply:
        query = call.request.param("query") or ""
        found = [u for u in self.users if _search(u, query)]
        roles = {int(r) for r in call.request.params("role_ids[]")}
        if "ticket.agent" in call.request.params("permissions[]"):
            roles.add(AGENT_ROLE)  # the default Agent role is the one with ticket.agent
        if roles:
            found = [u for u in found if roles & set(u["role_ids"])]
        limit = call.request.param("limit")
        return Reply(200, found[: int(limit)]) if limit else self._page(call, found)

    def create_user(self, call: Call) -> Reply:
        data = call.json
        if data.get("email") and any(u["email"] == data["email"] for u in self.users):
            return Reply(
                422,
                {
                    "error": f"Email address '{data['email']}' is already used for other user.",
                    "error_human": f"Email address '{data['email']}' is already used for other user.",
                },
            )
        user = self._user(
            3000 + len(self.users),
            Person(
                data.get("firstname") or "", data.get("lastname") or "", data.get("email") or "", ""
            ),
            CUSTOMER_ROLE,
            data.get("phone"),
        )
        user["mobile"] = data.get("mobile") or ""
        self.users.append(user)
        return Reply(201, user)

    def create_ticket(self, call: Call) -> Reply:
        data = call.json
        tid = 50 + len(self.tickets)
        ticket = {
            "id": tid,
            "number": str(31001 + tid),
            "title": data["title"],
            "group_id": 1,
            "customer_id": data.get("customer_id"),
            "state_id": 1,
            "priority_id": 2,
            "article_ids": [],
            "created_at": STAMP,
            "updated_at": STAMP,
        }
        article = self._article(tid, data["article"])
        ticket["article_ids"].append(article["id"])
        self.tickets.append(ticket)
        return Reply(201, ticket)

    def create_article(self, call: Call) -> Reply:
        if not any(t["id"] == call.json["ticket_id"] for t in self.tickets):
            return Reply(422, {"error": "No such ticket", "error_human": "No such ticket"})
        return Reply(201, self._article(call.json["ticket_id"], call.json))

    def _article(self, ticket_id: int, data: dict[str, Any]) -> dict[str, Any]:
        article = {
            "id": 900 + len(self.articles),
            "ticket_id": ticket_id,
            "type": data.get("type", "note"),
            "sender": data.get("sender", "Agent"),
            "internal": data.get("internal", False),
            "subject": data.get("subject"),
            "body": data.get("body"),
            "content_type": data.get("content_type", "text/plain"),
            "created_at": STAMP,
        }
        self.articles.append(article)
        return article

    def cti(self, call: Call) -> Reply:
        if call.path_params["token"] != CTI_TOKEN:
            return Reply(401, {"error": "Invalid token, please contact your admin!"})
        data = dict(call.request.form or {}) or (call.json if isinstance(call.json, dict) else {})
        event = data.get("event")
        needed = {
            "newCall": ("from", "to", "direction", "callId"),
            "answer": ("callId",),
            "hangup": ("callId", "cause"),
        }
        if event not in needed or any(not data.get(k) for k in needed[event]):
            return Reply(422, {"error": f"Invalid event or missing fields for {event!r}"})
        self.cti_events.append(data)
        return Reply(200, {})


def _search(user: dict[str, Any], query: str) -> bool:
    """Elasticsearch query-string subset: terms joined by ` OR `, each `phone:4930123456` /
    `mobile:…` (digits compared, `*` allowed as a leading wildcard), `email:…`, or free text
    over names."""
    return any(_term(user, term.strip()) for term in query.split(" OR "))


def _term(user: dict[str, Any], query: str) -> bool:
    if query == "*":  # match everything (Elasticsearch query string)
        return True
    field, sep, value = query.partition(":")
    if not sep:
        return query.lower() in f"{user['firstname']} {user['lastname']} {user['email']}".lower()
    stored = str(user.get(field) or "")
    if field in {"phone", "mobile"}:
        wanted = digits(value)
        return bool(stored) and (
            digits(stored).endswith(wanted) if value.startswith("*") else digits(stored) == wanted
        )
    return stored.lower() == value.strip('"').lower()
