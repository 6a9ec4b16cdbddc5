"""Freshdesk API v2 fixture: agents (Link-header paging), contact filter by exact phone,
contact search (query language, 30 per page, 10 pages), create contact, tickets and private
notes (Freshdesk has no call API: a call log is a note or a closed phone ticket)."""

from __future__ import annotations

from typing import Any

from tests.vendors._freshworks import FreshworksFixture
from tests.vendors.fixture import Call, Endpoint, Problem, Reply
from tests.vendors.people import CALLER, Person, agents, customers, digits

__all__ = ["API_KEY", "FreshdeskFixture"]

DOCS = "https://developers.freshdesk.com/api/"
API_KEY = "fd-api-key-abc"
STAMP = "2026-01-02T10:00:00Z"


class FreshdeskFixture(FreshworksFixture):
    name = "freshdesk"

    def __init__(self, *, agent_count: int = 75) -> None:
        super().__init__(API_KEY)
        self.agents = [self._agent(i, p) for i, p in enumerate(agents(agent_count))]
        # Freshdesk stores the number as typed: digits for one contact, formatted for another.
        self.contacts = [self._contact(4300, CALLER, CALLER.e164[2:])]
        self.contacts += [self._contact(4301 + i, p, p.e164) for i, p in enumerate(customers(8))]
        self.tickets: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []

    @staticmethod
    def _agent(i: int, p: Person) -> dict[str, Any]:
        return {
            "id": 9000 + i,
            "type": "support_agent",
            "available": True,
            "occasional": False,
            "ticket_scope": 1,
            "signature": None,
            "created_at": STAMP,
            "updated_at": STAMP,
            "contact": {
                "name": p.name,
                "email": p.email,
                "phone": None,
                "mobile": None,
                "active": True,
                "job_title": None,
                "language": "en",
                "time_zone": "Eastern Time (US & Canada)",
            },
        }

    @staticmethod
    def _contact(cid: int, p: Person, phone: str | None) -> dict[str, Any]:
        return {
            "id": cid,
            "name": p.name,
            "email": p.email,
            "phone": phone,
            "mobile": None,
            "active": True,
            "company_id": None,
            "unique_external_id": None,
            "twitter_id": None,
            "job_title": None,
            "created_at": STAMP,
            "updated_at": STAMP,
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "GET",
                "/api/v2/agents",
                self.list_agents,
                DOCS + "#list_all_agents",
                query={
                    "page": False,
                    "per_page": False,
                    "email": False,
                    "mobile": False,
                    "phone": False,
                    "state": False,
                },
            ),
            Endpoint(
                "GET",
                "/api/v2/contacts",
                self.list_contacts,
                DOCS + "#list_all_contacts",
                query={
                    "page": False,
                    "per_page": False,
                    "email": False,
                    "mobile": False,
                    "phone": False,
                    "company_id": False,
                    "state": False,
                    "updated_since": False,
                },
            ),
            Endpoint(
                "GET",
                "/api/v2/search/contacts",
                self.search_contacts,
                DOCS + "#filter_contacts",
                query={"query": True, "page": False},
            ),
            Endpoint(
                "POST",
                "/api/v2/contacts",
                self.create_contact,
                DOCS + "#create_contact",
                body=("name",),
                body_any=(("email", "phone", "mobile", "twitter_id", "unique_external_id"),),
            ),
            Endpoint(
                "POST",
                "/api/v2/tickets",
                self.create_ticket,
                DOCS + "#create_ticket",
                body=("subject", "description", "status", "priority"),
                body_any=(("requester_id", "email", "phone", "twitter_id", "unique_external_id"),),
            ),
            Endpoint(
                "POST",
                "/api/v2/tickets/{id}/notes",
                self.add_note,
                DOCS + "#add_note_to_a_ticket",
                body=("body",),
            ),
        ]

    def list_agents(self, call: Call) -> Reply:
        found = [
            a for a in self.agents if _filter(a["contact"], call, ("email", "mobile", "phone"))
        ]
        return self.page(call, "/api/v2/agents", found)

    def list_contacts(self, call: Call) -> Reply:
        # Filters are exact string matches on the stored value ("+" must be sent as %2B).
        return self.page(
            call,
            "/api/v2/contacts",
            [c for c in self.contacts if _filter(c, call, ("email", "mobile", "phone"))],
        )

    def search_contacts(self, call: Call) -> Reply:
        query = call.request.param("query") or ""
        if not (query.startswith('"') and query.endswith('"') and len(query) > 1):
            return self.invalid(
                call,
                [Problem("query", "query", "invalid", "Query should be wrapped in double quotes")],
            )
        page = int(call.request.param("page") or 1)
        if page > 10:
            return self.invalid(
                call,
                [Problem("query", "page", "invalid", "Value should be less than or equal to 10")],
            )
        terms = [t.strip() for t in query[1:-1].split(" OR ")]
        found = [c for c in self.contacts if any(_term(c, t) for t in terms)]
        return Reply(200, {"results": found[(page - 1) * 30 : page * 30], "total": len(found)})

    def create_contact(self, call: Call) -> Reply:
        data = call.json
        for c in self.contacts:
            for key in ("email", "phone", "mobile"):
                if data.get(key) and c[key] == data[key] and key == "email":
                    return Reply(
                        409,
                        {
                            "description": "Validation failed",
                            "errors": [
                                {
                                    "field": key,
                                    "additional_info": {"user_id": c["id"]},
                                    "message": "It should be a unique value",
                                    "code": "duplicate_value",
                                }
                            ],
                        },
                    )
        contact = self._contact(
            4400 + len(self.contacts),
            Person(data["name"], "", data.get("email") or "", ""),
            data.get("phone"),
        )
        contact.update(
            name=data["name"],
            email=data.get("email"),
            mobile=data.get("mobile"),
            unique_external_id=data.get("unique_external_id"),
        )
        self.contacts.append(contact)
        return Reply(201, contact)

    def create_ticket(self, call: Call) -> Reply:
        data = call.json
        if (
            data.get("phone")
            and not data.get("requester_id")
            and not data.get("email")
            and not data.get("name")
        ):
            return self.invalid(
                call,
                [
                    Problem(
                        "body",
                        "name",
                        "missing",
                        "It should be a/an String (needed when phone is the requester)",
                    )
                ],
            )
        ticket = dict(
            data,
            id=700 + len(self.tickets),
            created_at=STAMP,
            updated_at=STAMP,
            type=None,
            tags=data.get("tags", []),
        )
        self.tickets.append(ticket)
        return Reply(201, ticket)

    def add_note(self, call: Call) -> Reply:
        if not any(str(t["id"]) == call.path_params["id"] for t in self.tickets):
            return Reply(404, None)
        note = {
            "id": 5500 + len(self.notes),
            "body": call.json["body"],
            "private": call.json.get("private", True),
            "ticket_id": int(call.path_params["id"]),
            "incoming": False,
            "created_at": STAMP,
        }
        self.notes.append(note)
        return Reply(201, note)


def _filter(record: dict[str, Any], call: Call, keys: tuple[str, ...]) -> bool:
    return all(
        record.get(k) == call.request.param(k) for k in keys if call.request.param(k) is not None
    )


def _term(contact: dict[str, Any], term: str) -> bool:
    """`phone:'5135557611'` / `mobile:'…'` / `email:'…'`: an exact match on digits for
    phone fields (the search index normalises them ≈), exact otherwise."""
    field, _, value = term.partition(":")
    value = value.strip("'")
    stored = contact.get(field)
    if stored is None:
        return False
    return digits(stored) == digits(value) if field in {"phone", "mobile"} else stored == value
