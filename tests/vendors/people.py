"""Deterministic sample people for the vendor fixtures, with phone numbers in the formats
the vendors return (the same person is stored as `+1 513-555-7611` in one helpdesk and
`(513) 555-7611` in another, which is what template phone matching must survive)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CALLER", "Person", "agents", "customers", "digits", "national_us"]

_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    e164: str  # +15135557611

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def national_us(e164: str) -> str:
    """`+15135557611` → `(513) 555-7611`."""
    d = digits(e164)[-10:]
    return f"({d[:3]}) {d[3:6]}-{d[6:]}"


def dashed_us(e164: str) -> str:
    """`+15135557611` → `+1 513-555-7611` (Zendesk's stored form)."""
    d = digits(e164)[-10:]
    return f"+1 {d[:3]}-{d[3:6]}-{d[6:]}"


def _person(i: int, domain: str) -> Person:
    first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST) + i) % len(_LAST)]
    return Person(first, f"{last}{i}", f"{first.lower()}.{i}@{domain}", f"+1513555{7000 + i:04d}")


def agents(count: int) -> list[Person]:
    """`count` agents (enough for several pages at small page sizes)."""
    return [_person(i, "acme.example") for i in range(count)]


def customers(count: int) -> list[Person]:
    return [_person(100 + i, "customer.example") for i in range(count)]


# The caller most self-tests search for: a customer every fixture stores.
CALLER = Person("Ada", "Lovelace", "ada@customer.example", "+15135557611")
