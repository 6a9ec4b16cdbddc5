"""Who gets a call log (L2 skip option, U6) and the call-log option defaults (L2)."""

from __future__ import annotations

from typing import Any

import pytest

from ringdesk.events.model import CallEvent
from ringdesk.flows.calllog import log_targets
from ringdesk.integrations.options import DEFAULT_CALL_LOG_DESCRIPTION, effective_options
from ringdesk.templates.model import CallLog, CallLogOptions, OptionFlag, OptionText, Template


def ended(**fields: Any) -> CallEvent:
    data: dict[str, Any] = {
        "type": "call.ended",
        "call_id": "c",
        "extension": "600",
        "timestamp": 0,
    }
    data.update(fields)
    return CallEvent.model_validate(data)


@pytest.mark.parametrize(
    ("fields", "skip", "targets"),
    [
        ({"extension": "1001"}, True, ["1001"]),
        ({"extension": "1001"}, False, ["1001"]),
        ({"agents_rung": ["1001", "1002"], "answered_by": "1002"}, True, ["1002"]),
        ({"agents_rung": ["1001", "1002"]}, True, ["600"]),
        ({"agents_rung": ["1001", "1002", "1001"]}, False, ["1001", "1002"]),
        ({"agents_rung": ["1001"], "answered_by": "1009"}, False, ["1001", "1009"]),
    ],
    ids=[
        "direct-skip",
        "direct",
        "queue-answered-skip",
        "queue-missed-skip-logs-queue-once",
        "queue-all-rung-deduped",
        "queue-answerer-not-listed",
    ],
)
def test_log_targets(fields, skip, targets):
    """covers L2: skip on → only the answering agent (or the queue once); off → all rung."""
    assert log_targets(ended(**fields), skip_unanswered=skip) == targets


def template(**options: Any) -> Template:
    return Template(call_log=CallLog(enabled=True, options=CallLogOptions(**options)))


@pytest.mark.parametrize(
    ("tpl", "chosen", "expected"),
    [
        (Template(), {}, {"enabled": False}),
        (
            template(),
            {},
            {
                "enabled": True,
                "subject": "",
                "description": DEFAULT_CALL_LOG_DESCRIPTION,
                "play_recording": True,
                "skip_missed_for_unanswered_agents": False,
            },
        ),
        (
            template(
                subject=OptionText(enabled=True, default="S {{.CallId}}"),
                play_recording=OptionFlag(enabled=True, default=True),
                skip_missed_for_unanswered_agents=OptionFlag(enabled=True, default=True),
            ),
            {
                "call_log": {
                    "subject": "mine",
                    "play_recording": False,
                    "skip_missed_for_unanswered_agents": False,
                }
            },
            {
                "enabled": True,
                "subject": "mine",
                "description": DEFAULT_CALL_LOG_DESCRIPTION,
                "play_recording": False,
                "skip_missed_for_unanswered_agents": False,
            },
        ),
        (
            template(subject=OptionText(enabled=False, default="fixed")),
            {"call_log": {"subject": "ignored: the template does not expose it"}},
            {
                "enabled": True,
                "subject": "fixed",
                "description": DEFAULT_CALL_LOG_DESCRIPTION,
                "play_recording": True,
                "skip_missed_for_unanswered_agents": False,
            },
        ),
        (template(), {"call_log": {"enabled": False}}, {"enabled": False}),
    ],
    ids=["no-section", "defaults", "overrides", "not-exposed", "turned-off"],
)
def test_call_log_options(tpl, chosen, expected):
    """covers L2: options the template exposes override its defaults."""
    got = vars(effective_options(tpl, chosen).call_log)
    assert {k: got[k] for k in expected} == expected


def test_prefetch_contacts_reads_a_claimed_batch_per_integration_and_call(database):
    """Call logs/tickets of a claimed batch get their stored match, and the status of the
    contact job they waited for, from one batched read keyed by integration AND call (L1)."""
    from ringdesk.flows.delivery import prefetch_contacts
    from ringdesk.store.outbox import ClaimedJob, enqueue
    from ringdesk.store.tables import CallMatch
    from tests.outbox.helpers import add_integration

    one, two = add_integration(database), add_integration(database)
    with database.session() as session:
        session.add(
            CallMatch(
                integration_id=one,
                call_id="matched",
                contact_type="Contact",
                contact_id="7",
                fields={"FirstName": "Ada", "LastName": "Lovelace", "MobileNumber": "+49"},
            )
        )
        enqueue(
            session,
            kind="contact",
            integration_id=one,
            call_id="settling",
            idempotency_key=f"contact:{one}:settling",
            payload={},
            now=0,
        )
        session.flush()

    def job(job_id: int, integration_id: int, call_id: str, waits: bool = True) -> ClaimedJob:
        key = f"contact:{integration_id}:{call_id}" if waits else None
        return ClaimedJob(job_id, "call_log", integration_id, call_id, f"k{job_id}", {}, 1, key)

    jobs = [job(1, one, "matched"), job(2, one, "settling"), job(3, one, "none", waits=False)]
    jobs += [job(4, two, "matched"), job(5, two, "settling")]  # other integration: nothing
    with database.session() as session:
        found = prefetch_contacts(session, jobs)
    contact, status = found[1]
    assert contact is not None
    assert status == ""  # it waited for no job that exists
    assert (contact.id, contact.name, contact.number) == ("7", "Ada Lovelace", "+49")
    assert found[2] == (None, "pending")
    assert found[3] == (None, "")
    assert found[4] == (None, "")
    assert found[5] == (None, "")
