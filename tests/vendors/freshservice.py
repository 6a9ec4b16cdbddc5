"""Freshservice API v2 fixture: agents and requesters (wrapped arrays, Link-header paging),
requester filter by exact work/mobile phone or the `query` language, create requester,
tickets and private notes (no call object: a call log is a note or a closed phone ticket)."""

from __future__ import annotations

from typing import Any

from tests.vendors._freshworks import FreshworksFixture
from tests.vendors.fixture import Call, Endpoint, Problem, Reply
from tests.vendors.people import CALLER, Person, agents, customers, national_us

__all__ = ["API_KEY", "FreshserviceFixture"]

DOCS = "https://api.freshservice.com/"
API_KEY = "fs-api-key-xyz"
STAMP = "2026-01-02T10:00:00Z"


class FreshserviceFixture(FreshworksFixture):
    name = "freshservice"
    rate_header_case = "X-Ratelimit"  # Freshservice spells it with a lower-case l (≈)

    def __init__(self, *, agent_count: int = 120) -> None:
        super().__init__(API_KEY)
        self.agents = [
            self._person(17000 + i, p, agent=True) for i, p in enumerate(agents(agent_count))
        ]
        self.requesters = [self._person(21000, CALLER, agent=False)]
        self.requesters += [
            self._person(21001 + i, p, agent=False) for i, p in enumerate(customers(8))
        ]
        self.tickets: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []

    @staticmethod
    def _person(pid: int, p: Person, *, agent: bool) -> dict[str, Any]:
        record = {
            "id": pid,
            "first_name": p.first,
            "last_name": p.last,
            "active": True,
            "job_title": None,
            "work_phone_number": None if agent else national_us(p.e164),
            "mobile_phone_number": None,
            "department_ids": [],
            "time_zone": "Eastern Time (US & Canada)",
            "language": "en",
            "location_id": None,
            "created_at": STAMP,
            "updated_at": STAMP,
        }
        record["email" if agent else "primary_email"] = p.email
        if agent:
            record.update(
                occasional=False, roles=[{"role_id": 1, "assignment_scope": "entire_helpdesk"}]
            )
        return record

    def endpoints(self) -> list[Endpoint]:
        phone_filters = {
            "email": False,
            "mobile_phone_number": False,
            "work_phone_number": False,
            "active": False,
            "query": False,
        }
        return [
            Endpoint(
                "GET",
                "/api/v2/agents",
                self.list_agents,
                DOCS + "#list_all_agents",
                query={"page": False, "per_page": False, "state": False, **phone_filters},
            ),
            Endpoint(
                "GET",
                "/api/v2/requesters",
                self.list_requesters,
                DOCS + "#list_all_requesters",
                query={"page": False, "per_page": False, "include_agents": False, **phone_filters},
            ),
            Endpoint(
                "POST",
                "/api/v2/requesters",
                self.create_requester,
                DOCS + "#create_requester",
                body=("first_name",),
                body_any=(("primary_email", "work_phone_number", "mobile_phone_number"),),
            ),
            Endpoint(
                "POST",
                "/api/v2/tickets",
                self.create_ticket,
                DOCS + "#create_ticket",
                body=("subject", "description", "status", "priority"),
                body_any=(("requester_id", "email", "phone"),),
            ),
            Endpoint(
                "POST",
                "/api/v2/tickets/{id}/notes",
                self.add_note,
                DOCS + "#create_a_note",
                body=("body",),
            ),
        ]

    def list_agents(self, call: Call) -> Reply:
        return self._listing(call, "/api/v2/agents", "agents", self.agents)

    def list_requesters(self, call: Call) -> Reply:
        return self._listing(call, "/api/v2/requesters", "requesters", self.requesters)

    def _listing(self, call: Call, path: str, wrap: str, records: list[dict[str, Any]]) -> Reply:
        query = call.request.param("query")
        if query is not None:
            # https://api.freshservice.com/#filter_requesters: query="field:'value' AND …",
            # wrapped in double quotes; exact matches only.
            if not (query.startswith('"') and query.endswith('"') and len(query) > 1):
                return self.invalid(
                    call,
                    [
                        Problem(
                            "query", "query", "invalid", "Query should be wrapped in double quotes"
                        )
                    ],
                )
            alternatives = [
                [t.strip().partition(":") for t in part.split(" AND ")]
                for part in query[1:-1].split(" OR ")
            ]
            records = [
                r
                for r in records
                if any(
                    all(str(r.get(f)) == v.strip("'") for f, _, v in terms)
                    for terms in alternatives
                )
            ]
        for key in ("email", "mobile_phone_number", "work_phone_number"):
            value = call.request.param(key)
            if value is not None:
                records = [
                    r
                    for r in records
                    if value in {r.get(key), r.get("primary_email" if key == "email" else key)}
                ]
        return self.page(call, path, records, wrap=wrap)

    def create_requester(self, call: Call) -> Reply:
        data = call.json
        email = data.get("primary_email")
        if email and any(r["primary_email"] == email for r in self.requesters):
            return Reply(
                409,
                {
                    "description": "Validation failed",
                    "errors": [
                        {
                            "field": "primary_email",
                            "message": "It should be a unique value",
                            "code": "duplicate_value",
                        }
                    ],
                },
            )
        record = self._person(
            21100 + len(self.requesters),
            Person(data["first_name"], data.get("last_name") or "", email or "", ""),
            agent=False,
        )
        record.update(
            {k: data.get(k) for k in ("last_name", "work_phone_number", "mobile_phone_number")}
        )
        self.requesters.append(record)
        return Reply(201, {"requester": record})

    def create_ticket(self, call: Call) -> Reply:
        ticket = dict(call.json, id=300 + len(self.tickets), created_at=STAMP, updated_at=STAMP)
        self.tickets.append(ticket)
        return Reply(201, {"ticket": ticket})

    def add_note(self, call: Call) -> Reply:
        if not any(str(t["id"]) == call.path_params["id"] for t in self.tickets):
            return Reply(404, None)
        note = {
            "id": 8800 + len(self.notes),
            "body": call.json["body"],
            "private": call.json.get("private", True),
            "ticket_id": int(call.path_params["id"]),
            "incoming": False,
            "created_at": STAMP,
        }
        self.notes.append(note)
        return Reply(201, {"conversation": note})
