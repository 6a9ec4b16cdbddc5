"""The demo helpdesk's in-memory state: users, contacts, calls, tickets, counters, faults.

Thread-safe (one lock), so the server may run in any thread. Seed data includes a user
matching extension 1001's email and contacts with awkward names and phone formats.

What a soak run checks from the helpdesk's side is counted here too: requests in flight
(and the most ever at once: the demo is one account, so that peak is what the template's
concurrency cap must bound), how often each call id was stored as a call or a ticket, and
how many connections were dropped on purpose.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DemoStore", "Fault", "digits", "seed_contacts", "seed_users"]


def digits(phone: str) -> str:
    """The digits of a phone number: the demo compares numbers digits-only."""
    return re.sub(r"\D", "", phone)


def seed_users() -> list[dict[str, Any]]:
    names = [
        ("Alice", "Archer", "alice@example.com"),
        ("Bob", "Baker", "bob@example.com"),
        ("Carol", "Chen", "carol@example.com"),
        ("Dan", "Dorsey", "dan@example.com"),
        ("Eve", "Evans", "eve@example.com"),
    ]
    return [
        {"id": f"u{i}", "first_name": f, "last_name": last, "email": e, "active": True}
        for i, (f, last, e) in enumerate(names, start=1)
    ]


def seed_contacts() -> list[dict[str, Any]]:
    return [
        {
            "id": "c1",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Analytical Engines",
            "email": "ada@example.org",
            "phone": "+4930123456",
            "mobile": "",
        },
        # Stored in national format on purpose: an E.164 search misses, a national one hits.
        {
            "id": "c2",
            "first_name": 'Zoë "Zed"',
            "last_name": "Ölund",
            "company": "Q&A <Ltd>",
            "email": "zoe@example.org",
            "phone": "030 9876543",
            "mobile": "+491701234567",
        },
        {
            "id": "c3",
            "first_name": "Grace",
            "last_name": "Hopper",
            "company": "Navy",
            "email": "grace@example.org",
            "phone": "+1 212 555 0100",
            "mobile": "",
        },
    ]


@dataclass
class Fault:
    """Make the next `count` API requests fail with `status` (and Retry-After), drop the
    connection of the next `drop` ones after processing them, and delay every API request
    by `latency_ms` until cleared."""

    status: int = 0
    count: int = 0
    retry_after: float | None = None
    latency_ms: int = 0
    # Process the next `drop` API requests, then close the connection mid-response: the
    # helpdesk did the work but the client never learns it (only an idempotent repeat is safe).
    drop: int = 0


@dataclass
class DemoStore:
    """Everything the demo helpdesk knows. Use the methods; they take the lock."""

    users: list[dict[str, Any]] = field(default_factory=seed_users)
    contacts: list[dict[str, Any]] = field(default_factory=seed_contacts)
    calls: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    requests: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    fault: Fault = field(default_factory=Fault)
    idempotent: dict[str, tuple[int, Any]] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    dropped: int = 0
    failed_on_purpose: int = 0
    # (unix time, kind, call id) of every contact, call and ticket stored: delivery rates and
    # stalls as the helpdesk saw them.
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    # call id → how many times it was stored, per kind ("calls", "tickets", "contacts")
    stored: dict[str, Counter[str]] = field(
        default_factory=lambda: {"calls": Counter(), "tickets": Counter(), "contacts": Counter()}
    )
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def count_request(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests += 1
            self.log.append({"method": method, "path": path, **headers})
            del self.log[:-200]

    def take_fault(self) -> tuple[Fault, bool]:
        """The current fault settings, and whether this request must fail."""
        with self._lock:
            fault = copy.copy(self.fault)
            fail = self.fault.count > 0 and self.fault.status > 0
            if fail:
                self.fault.count -= 1
                self.failed_on_purpose += 1
            return fault, fail

    def take_drop(self) -> bool:
        """Whether this request's connection must be dropped after it is processed."""
        with self._lock:
            if self.fault.drop <= 0:
                return False
            self.fault.drop -= 1
            self.dropped += 1
            return True

    def enter(self) -> None:
        """An API request started (counted until `leave`)."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def reset_peak(self) -> int:
        """Start a new peak from what is in flight now; returns the old peak."""
        with self._lock:
            peak, self.max_in_flight = self.max_in_flight, self.in_flight
            return peak

    def set_fault(self, fault: Fault) -> None:
        with self._lock:
            self.fault = fault

    def search_contacts(self, phone: str) -> list[dict[str, Any]]:
        """Contacts whose phone or mobile has the digits of `phone`; all when it is empty
        (ringdesk's contact sync lists contacts through the search request)."""
        wanted = digits(phone)
        with self._lock:
            if not wanted:
                return copy.deepcopy(self.contacts)
            return [
                copy.deepcopy(c)
                for c in self.contacts
                if wanted in (digits(c.get("phone", "")), digits(c.get("mobile", "")))
            ]

    def contact(self, contact_id: str) -> dict[str, Any] | None:
        with self._lock:
            return next((copy.deepcopy(c) for c in self.contacts if c["id"] == contact_id), None)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def add_contact(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            record = {
                "first_name": "",
                "last_name": "",
                "company": "",
                "email": "",
                "phone": "",
                "mobile": "",
                **data,
                "id": self._new_id("c"),
            }
            self.contacts.append(record)
            self.arrivals.append((time.time(), "contacts", str(data.get("call_id", ""))))
            if data.get("call_id"):
                self.stored["contacts"][str(data["call_id"])] += 1
            return copy.deepcopy(record)

    def _add_record(
        self, kind: str, table: list[dict[str, Any]], prefix: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        with self._lock:
            call_id = data.get("call_id")
            if call_id not in (None, ""):
                # A Counter, not a scan of `table`: a soak run stores tens of thousands.
                seen = self.stored[kind]
                if seen[str(call_id)]:
                    self.duplicates += 1
                seen[str(call_id)] += 1
            record = {**data, "id": self._new_id(prefix)}
            table.append(record)
            self.arrivals.append((time.time(), kind, str(call_id or "")))
            return copy.deepcopy(record)

    def add_call(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._add_record("calls", self.calls, "call", data)

    def add_ticket(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._add_record("tickets", self.tickets, "t", data)

    def remember(self, key: str, status: int, body: Any) -> None:
        with self._lock:
            self.idempotent[key] = (status, copy.deepcopy(body))

    def replay(self, key: str) -> tuple[int, Any] | None:
        with self._lock:
            return self.idempotent.get(key)

    def users_page(self, start: int, size: int) -> tuple[list[dict[str, Any]], int]:
        with self._lock:
            return copy.deepcopy(self.users[start : start + size]), len(self.users)

    def snapshot(self) -> dict[str, Any]:
        """Counts (`contacts`, `calls`, `tickets`, `duplicates`, `requests`, in-flight
        peak, drops), the call ids stored more than once per kind, and records."""
        with self._lock:
            return {
                "contacts": len(self.contacts),
                "calls": len(self.calls),
                "tickets": len(self.tickets),
                "duplicates": self.duplicates,
                "duplicate_call_ids": {
                    kind: {k: n for k, n in seen.items() if n > 1}
                    for kind, seen in self.stored.items()
                },
                "requests": self.requests,
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "dropped": self.dropped,
                "failed_on_purpose": self.failed_on_purpose,
                "arrivals": list(self.arrivals),
                "records": copy.deepcopy(
                    {"contacts": self.contacts, "calls": self.calls, "tickets": self.tickets}
                ),
                "log": copy.deepcopy(self.log[-50:]),
            }
