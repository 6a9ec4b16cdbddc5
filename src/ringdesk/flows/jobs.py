"""The outbox job kinds ringdesk delivers, with their handlers (the registry the outbox
worker is given): settling a call's contact (C, N), call follow-ups (F2), contacts an agent
asked for (N1–N3), call logs (L1–L3) and tickets (T1–T3)."""

from __future__ import annotations

from typing import Protocol

from ringdesk.flows import callcontact, calllog, createcontact, tickets
from ringdesk.flows.delivery import for_connected, prefetch_contacts
from ringdesk.flows.followup import deliver_follow_up
from ringdesk.http.client import Exchange
from ringdesk.integrations.context import IntegrationContext
from ringdesk.outbox.jobs import ClaimedJob, Delivered, JobKind, Prefetcher
from ringdesk.services import Services

__all__ = ["DELIVERERS", "JOB_KINDS", "Deliverer", "job_kinds"]


class Deliverer(Protocol):
    """Delivers one job of an integration that is connected."""

    async def __call__(
        self,
        services: Services,
        ctx: IntegrationContext,
        job: ClaimedJob,
        *,
        capture: list[Exchange] | None = None,
    ) -> Delivered: ...


DELIVERERS: dict[str, Deliverer] = {
    "contact": callcontact.deliver,
    "follow_up": deliver_follow_up,
    "create_contact": createcontact.deliver,
    "call_log": calllog.deliver,
    "ticket": tickets.deliver,
}
JOB_KINDS = tuple(DELIVERERS)
# Call logs and tickets read the call's contact for a whole claimed batch at once.
_PREFETCHERS: dict[str, Prefetcher] = {
    "call_log": prefetch_contacts,
    "ticket": prefetch_contacts,
}


# A call's log and ticket wait for its contact job.
_UNBLOCKS = frozenset({"contact"})


def job_kinds(services: Services) -> dict[str, JobKind]:
    """The registry for an outbox worker running on `services`."""
    return {
        name: JobKind(
            name,
            for_connected(services, deliver),
            _PREFETCHERS.get(name),
            unblocks=name in _UNBLOCKS,
        )
        for name, deliver in DELIVERERS.items()
    }
