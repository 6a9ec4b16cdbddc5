"""The calls a soak run places (pure): who calls, whether it is answered, how fast.

The mix follows issue 12: 70 % known callers answered, 20 % known callers missed, 10 %
unknown callers (half of them answered); a tenth of all calls are "fast" (ended 100 ms
after ringing). Known callers are the helpdesk's seeded contacts; every unknown caller has
a number of their own, so "a contact exactly once" is a per-number count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["EXTENSIONS", "Call", "known_contact", "plan_calls"]

# Extensions 1001-1005 are tied to the demo helpdesk's five seeded users by email.
EXTENSIONS = ("1001", "1002", "1003", "1004", "1005")


def known_contact(index: int) -> tuple[str, str]:
    """(contact id, E.164 number) of the helpdesk's `index`-th seeded soak contact."""
    return f"k{index}", f"+4930{7000000 + index}"


@dataclass(frozen=True)
class Call:
    """One call of the run. `contact_id` is the helpdesk id a known caller has ("" for an
    unknown caller, whose contact the run must create)."""

    call_id: str
    number: str
    name: str
    extension: str
    answered: bool
    known: bool
    contact_id: str
    fast: bool
    talk_seconds: int


def plan_calls(count: int, *, seed: int, known_contacts: int) -> list[Call]:
    """`count` calls, the same for the same seed."""
    rng = random.Random(seed)
    calls = []
    for n in range(count):
        roll = rng.random()
        known = roll < 0.9
        answered = roll < 0.7 or (not known and rng.random() < 0.5)
        if known:
            contact_id, number = known_contact(rng.randrange(known_contacts))
            name = f"Known Caller {contact_id}"
        else:
            contact_id, number = "", f"+49157{seed % 1000:03d}{n:06d}"
            name = f"New Caller{n}"
        calls.append(
            Call(
                call_id=f"soak-{seed}-{n}",
                number=number,
                name=name,
                extension=EXTENSIONS[n % len(EXTENSIONS)],
                answered=answered,
                known=known,
                contact_id=contact_id,
                fast=rng.random() < 0.1,
                talk_seconds=rng.randrange(5, 600) if answered else 0,
            )
        )
    return calls
