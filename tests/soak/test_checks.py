"""The soak harness's verdicts (soak.checks) on hand-made helpdesk records: each guarantee
passes on a clean run and names the violation on a broken one (L3, G3, N1-N3, T1-T3)."""

from __future__ import annotations

import pytest
from soak.checks import check_all
from soak.plan import Call, plan_calls

KNOWN = Call("c-known", "+49307000001", "Ada", "1001", True, True, "k1", False, 60)
MISSED = Call("c-missed", "+49307000002", "Bob", "1002", False, True, "k2", False, 0)
UNKNOWN = Call("c-new", "+49157000001", "New", "1003", True, False, "", True, 30)
CALLS = [KNOWN, MISSED, UNKNOWN]


def clean() -> dict:
    return {
        "max_in_flight": 3,
        "records": {
            "calls": [
                {"call_id": "c-known", "contact_id": "k1"},
                {"call_id": "c-missed", "contact_id": "k2"},
                {"call_id": "c-new", "contact_id": "c100"},
            ],
            "tickets": [{"call_id": "c-missed", "contact_id": "k2"}],
            "contacts": [
                {"id": "k1", "phone": "+49307000001"},
                {"id": "k2", "phone": "+49307000002"},
                {"id": "c100", "phone": "+49 157 000001", "call_id": "c-new"},
            ],
        },
    }


def verdicts(helpdesk, jobs=(), rss=(100, 105), lost=()):
    checks = check_all(
        CALLS, helpdesk, list(jobs), cap=4, rss=rss, lost_events=list(lost), events_sent=8
    )
    return {c.name: c for c in checks}


def broken_log_missing(h):
    h["records"]["calls"].pop(0)


def broken_log_twice(h):
    h["records"]["calls"].append({"call_id": "c-known", "contact_id": "k1"})


def broken_ticket_for_answered(h):
    h["records"]["tickets"].append({"call_id": "c-known", "contact_id": "k1"})


def broken_contact_never_created(h):
    h["records"]["contacts"].pop()


def broken_contact_twice(h):
    h["records"]["contacts"].append({"id": "c101", "phone": "+49157000001"})


def broken_empty_contact_id(h):
    h["records"]["calls"][2]["contact_id"] = ""


def broken_wrong_contact_id(h):
    h["records"]["tickets"][0]["contact_id"] = "k1"


def broken_cap(h):
    h["max_in_flight"] = 5


CASES = [
    (broken_log_missing, "every call logged exactly once", "missing"),
    (broken_log_twice, "every call logged exactly once", "duplicated"),
    (broken_ticket_for_answered, "a ticket for every missed call, once", "unwanted"),
    (broken_contact_never_created, "unknown callers became contacts once", "never created"),
    (broken_contact_twice, "unknown callers became contacts once", "created more than once"),
    (
        broken_empty_contact_id,
        "logs and tickets carry the right contact id",
        "empty (unknown caller)",
    ),
    (
        broken_wrong_contact_id,
        "logs and tickets carry the right contact id",
        "wrong (known caller)",
    ),
    (broken_cap, "helpdesk concurrency cap never exceeded", "over the cap"),
]


def test_a_clean_run_passes_every_check():
    jobs = [{"kind": "call_log", "call_id": "c-known", "status": "done", "attempts": 1}]
    assert [n for n, c in verdicts(clean(), jobs).items() if not c.ok] == []


@pytest.mark.parametrize(("breakage", "name", "counter"), CASES, ids=[c[0].__name__ for c in CASES])
def test_each_violation_fails_its_check_and_only_its_check(breakage, name, counter):
    helpdesk = clean()
    breakage(helpdesk)
    found = verdicts(helpdesk)
    assert not found[name].ok
    assert found[name].counts[counter] == 1
    assert found[name].examples
    assert [n for n, c in found.items() if not c.ok] == [name]


@pytest.mark.parametrize(
    ("jobs", "rss", "lost", "name"),
    [
        (
            [
                {
                    "kind": "ticket",
                    "call_id": "c-missed",
                    "status": "failed",
                    "attempts": 12,
                    "last_error": "401 invalid_token",
                }
            ],
            (100, 105),
            [],
            "no outbox job failed or left undelivered",
        ),
        ([], (100, 111), [], "serve memory flat (RSS within 10 % of the first 500 calls)"),
        ([], (None, 111), [], "serve memory flat (RSS within 10 % of the first 500 calls)"),
        ([], (100, 105), ["c-known call.ended: refused"], "every call event acknowledged"),
    ],
    ids=["failed-job", "rss-grew", "rss-unmeasured", "event-lost"],
)
def test_process_side_violations(jobs, rss, lost, name):
    found = verdicts(clean(), jobs, rss, lost)
    assert not found[name].ok
    assert [n for n, c in found.items() if not c.ok] == [name]


def test_call_mix_follows_the_issue():
    """70 % known answered, 20 % known missed, 10 % unknown; the same seed, the same plan."""
    calls = plan_calls(5000, seed=3, known_contacts=50)
    assert calls == plan_calls(5000, seed=3, known_contacts=50)
    known_answered = sum(c.known and c.answered for c in calls) / len(calls)
    known_missed = sum(c.known and not c.answered for c in calls) / len(calls)
    unknown = [c for c in calls if not c.known]
    assert known_answered == pytest.approx(0.7, abs=0.03)
    assert known_missed == pytest.approx(0.2, abs=0.03)
    assert len(unknown) / len(calls) == pytest.approx(0.1, abs=0.02)
    assert len({c.number for c in unknown}) == len(unknown)
    assert all(c.contact_id == "" for c in unknown)
