"""The standard data set of the RT lane, created over REST2: agents and phone-book contacts.

Agents are privileged users named by their email (how ringdesk ties them to extensions).
Contacts are unprivileged users with one phone number each, stored the way people type
them: the five spellings below in WorkPhone, MobilePhone or HomePhone in turn, so every
spelling appears in every field. Each contact knows the E.164 form a PBX would report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.rt.rest2 import RtClient

__all__ = [
    "AGENTS",
    "CONTACTS",
    "PHONE_FIELDS",
    "PHONE_SPELLINGS",
    "Agent",
    "Contact",
    "Seeded",
    "contacts",
    "seed",
]

PHONE_FIELDS = ("WorkPhone", "MobilePhone", "HomePhone")


def _split(number: str) -> str:
    return f"{number[:3]}-{number[3:]}"


# (name, render(area code without the trunk 0, subscriber number)); for area 30 and
# 1234567 they give "+49 30 1234567", "030 1234567", "+4930 1234567", "(030) 123-4567" and
# "0049301234567".
PHONE_SPELLINGS: tuple[tuple[str, Callable[[str, str], str]], ...] = (
    ("international spaced", lambda area, number: f"+49 {area} {number}"),
    ("national", lambda area, number: f"0{area} {number}"),
    ("international joined area", lambda area, number: f"+49{area} {number}"),
    ("national brackets dash", lambda area, number: f"(0{area}) {_split(number)}"),
    ("00 prefix digits only", lambda area, number: f"0049{area}{number}"),
)

# Landlines in Berlin (30, 7-digit subscribers), mobiles on 151 (8 digits): valid numbers,
# so every spelling normalises to the one E.164 form (a 151 number of 7 digits is invalid,
# and an invalid number written nationally cannot be told from a short code).
_AREA = {"WorkPhone": "30", "MobilePhone": "151", "HomePhone": "30"}
_FIRST = {"WorkPhone": 2_000_000, "MobilePhone": 20_000_000, "HomePhone": 2_000_000}


@dataclass(frozen=True)
class Agent:
    """A privileged RT user; `name` is also its email and its REST2 id."""

    name: str
    real_name: str


@dataclass(frozen=True)
class Contact:
    """An unprivileged RT user with one phone number stored as `stored` in `field`."""

    name: str
    real_name: str
    email: str | None
    organization: str
    field: str
    stored: str
    spelling: str
    e164: str


AGENTS = (
    Agent("alice@example.com", "Alice Archer"),
    Agent("bob@example.com", "Bob Baker"),
    Agent("carol@example.com", "Carol Cook"),
)


def contacts(count: int = 120) -> tuple[Contact, ...]:
    """`count` contacts with distinct numbers; every fifth has no email (phone only)."""
    made = []
    for index in range(count):
        field = PHONE_FIELDS[index % len(PHONE_FIELDS)]
        spelling, render = PHONE_SPELLINGS[(index // len(PHONE_FIELDS)) % len(PHONE_SPELLINGS)]
        area, number = _AREA[field], str(_FIRST[field] + 137 * index)
        email = None if index % 5 == 4 else f"customer{index:03d}@customers.example"
        made.append(
            Contact(
                name=email or f"contact-{index:03d}",
                real_name=f"Customer {index:03d}",
                email=email,
                organization=f"Firma {index % 7} GmbH",
                field=field,
                stored=render(area, number),
                spelling=spelling,
                e164=f"+49{area}{number}",
            )
        )
    return tuple(made)


CONTACTS = contacts()


@dataclass(frozen=True)
class Seeded:
    """What `seed` created, and how long it took."""

    agents: tuple[Agent, ...]
    contacts: tuple[Contact, ...]
    seconds: float

    def contact_by_e164(self, e164: str) -> Contact:
        return next(contact for contact in self.contacts if contact.e164 == e164)


def seed(client: RtClient) -> Seeded:
    """Create AGENTS and CONTACTS, one request at a time: RT on SQLite serialises writes, so
    parallel requests gained nothing (measured ~20 ms a user either way)."""
    started = time.monotonic()
    for agent in AGENTS:
        client.create_user(
            agent.name, EmailAddress=agent.name, RealName=agent.real_name, Privileged=1
        )
    for contact in CONTACTS:
        fields = {"RealName": contact.real_name, "Organization": contact.organization}
        if contact.email:
            fields["EmailAddress"] = contact.email
        fields[contact.field] = contact.stored
        client.create_user(contact.name, **fields)
    return Seeded(AGENTS, CONTACTS, time.monotonic() - started)
