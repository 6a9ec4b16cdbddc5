"""The verdicts of a soak run (pure): what the helpdesk received, the outbox's rows and the
serve processes' memory, against the planned calls.

Every check names what it counts and gives a few examples of each violation, so a failing
run says what went wrong without digging through logs first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from soak.plan import Call

__all__ = ["Check", "check_all"]

EXAMPLES = 5


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


@dataclass
class Check:
    """One guarantee: `ok`, what was counted, and examples of violations."""

    name: str
    ok: bool = True
    counts: dict[str, Any] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def violation(self, counter: str, example: str) -> None:
        self.ok = False
        self.counts[counter] = self.counts.get(counter, 0) + 1
        if len(self.examples) < EXAMPLES * 3:
            self.examples.append(example)


def _per_call(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        found[str(record.get("call_id", ""))].append(record)
    return found


def _exactly_once(
    name: str, calls: list[Call], records: list[Mapping[str, Any]], wanted: set[str]
) -> Check:
    check = Check(name, counts={"expected": len(wanted), "received": len(records)})
    found = _per_call(records)
    for call in calls:
        got = len(found.get(call.call_id, []))
        if call.call_id in wanted and got == 0:
            check.violation("missing", f"{call.call_id}: none")
        elif call.call_id in wanted and got > 1:
            check.violation("duplicated", f"{call.call_id}: {got} times")
        elif call.call_id not in wanted and got:
            check.violation("unwanted", f"{call.call_id}: {got} (no rule wants one)")
    planned = {c.call_id for c in calls}
    strays = [k for k in found if k not in planned]
    for call_id in strays[:EXAMPLES]:
        check.violation("unknown call id", f"{call_id!r}")
    return check


def _created_contacts(
    calls: list[Call], contacts: list[Mapping[str, Any]]
) -> tuple[Check, dict[str, str]]:
    """Every unknown caller a contact exactly once; returns the check and number → id."""
    unknown = [c for c in calls if not c.known]
    check = Check("unknown callers became contacts once", counts={"unknown callers": len(unknown)})
    by_number: dict[str, list[str]] = defaultdict(list)
    for contact in contacts:
        by_number[_digits(str(contact.get("phone", "")))].append(str(contact.get("id", "")))
    ids: dict[str, str] = {}
    for call in unknown:
        found = by_number.get(_digits(call.number), [])
        if not found:
            check.violation("never created", f"{call.call_id} {call.number}")
        elif len(found) > 1:
            check.violation("created more than once", f"{call.number}: {', '.join(found)}")
        if found:
            ids[call.number] = found[0]
    return check, ids


def _contact_ids(
    calls: list[Call],
    records: dict[str, dict[str, list[Mapping[str, Any]]]],
    created: dict[str, str],
) -> Check:
    check = Check("logs and tickets carry the right contact id")
    checked = 0
    for call in calls:
        wanted = call.contact_id if call.known else created.get(call.number, "")
        for kind, per_call in records.items():
            for record in per_call.get(call.call_id, []):
                checked += 1
                got = str(record.get("contact_id", ""))
                if not wanted:
                    continue  # no contact to compare with: reported by the contacts check
                if got != wanted:
                    label = "empty" if not got else "wrong"
                    caller = "known" if call.known else "unknown"
                    check.violation(
                        f"{label} ({caller} caller)",
                        f"{kind} {call.call_id}: {got!r}, want {wanted!r}",
                    )
    check.counts["records checked"] = checked
    return check


def _outbox(jobs: Sequence[Mapping[str, Any]]) -> Check:
    statuses = Counter(str(j["status"]) for j in jobs)
    check = Check("no outbox job failed or left undelivered", counts=dict(statuses))
    for job in jobs:
        if job["status"] != "done":
            check.violation(
                f"{job['status']} {job['kind']}",
                f"{job['kind']} {job['call_id']} after {job['attempts']} attempts: "
                f"{str(job.get('last_error') or '')[:160]}",
            )
    return check


def _cap(max_in_flight: int, cap: int) -> Check:
    check = Check("helpdesk concurrency cap never exceeded", counts={"peak": max_in_flight})
    check.counts["cap"] = cap
    if max_in_flight > cap:
        check.violation("over the cap", f"{max_in_flight} requests in flight at once > {cap}")
    return check


def _rss(early: int | None, late: int | None, tolerance: float = 0.10) -> Check:
    check = Check("serve memory flat (RSS within 10 % of the first 500 calls)")
    if early is None or late is None:
        check.violation("not measured", "no RSS sample after 500 calls and at the end")
        return check
    growth = late / early - 1
    check.counts.update(
        {"after first 500 MB": round(early / 1e6, 1), "at the end MB": round(late / 1e6, 1)}
    )
    check.counts["growth %"] = round(growth * 100, 1)
    if growth > tolerance:
        check.violation("grew", f"{early / 1e6:.1f} MB → {late / 1e6:.1f} MB")
    return check


def _events(lost: list[str], sent: int) -> Check:
    check = Check("every call event acknowledged", counts={"sent": sent})
    for entry in lost:
        check.violation("never acknowledged", entry)
    return check


def check_all(
    calls: list[Call],
    helpdesk: Mapping[str, Any],
    jobs: Sequence[Mapping[str, Any]],
    *,
    cap: int,
    rss: tuple[int | None, int | None],
    lost_events: list[str],
    events_sent: int,
) -> list[Check]:
    """Every check of a soak run, in report order."""
    records = helpdesk["records"]
    contacts, created_ids = _created_contacts(calls, records["contacts"])
    all_calls = {c.call_id for c in calls}
    missed = {c.call_id for c in calls if not c.answered}
    return [
        _events(lost_events, events_sent),
        _exactly_once("every call logged exactly once", calls, records["calls"], all_calls),
        _exactly_once("a ticket for every missed call, once", calls, records["tickets"], missed),
        contacts,
        _contact_ids(
            calls,
            {"call log": _per_call(records["calls"]), "ticket": _per_call(records["tickets"])},
            created_ids,
        ),
        _cap(int(helpdesk["max_in_flight"]), cap),
        _outbox(jobs),
        _rss(*rss),
    ]
