"""Job kind → handler registry, and what a handler returns.

A handler delivers one claimed job: `await handler(state, ctx, job) -> Delivered`. It raises
`ringdesk.errors.PeerError` when the helpdesk failed (the worker applies the RetryPolicy), or
`Deferred` to put the job back without counting the attempt (e.g. the contact it refers to
is still being created). The handlers themselves live with their flows (`ringdesk.flows`).

A kind may also have a prefetcher: `prefetch(session, jobs) -> {job_id: value}` reads what
its handler needs from the database for a whole claimed batch at once (one query instead of
one per job); the worker puts each value on `job.prefetched`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ringdesk.outbox.queue import ClaimedJob

__all__ = ["Deferred", "Delivered", "Handler", "Prefetcher", "handlers", "prefetchers"]


@dataclass(frozen=True)
class Delivered:
    """A job's success: `result` is stored on the job; `trigger` (if any) fires the
    template's follow-up requests with `variables` (F2: call_log_created, ticket_created,
    contact_created)."""

    result: dict[str, Any] = field(default_factory=dict)
    trigger: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


class Deferred(Exception):
    """Put the job back, due after `delay` seconds, without counting the attempt."""

    def __init__(self, reason: str, *, delay: float = 1.0):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


Handler = Callable[[Any, Any, ClaimedJob], Awaitable[Delivered]]
Prefetcher = Callable[[Any, Sequence[ClaimedJob]], Mapping[int, Any]]


def handlers() -> Mapping[str, Handler]:
    """The registry; imported lazily because the flows import `ringdesk.outbox` themselves."""
    from ringdesk.flows import calllog, createcontact, tickets

    return {
        "call_log": calllog.deliver,
        "ticket": tickets.deliver,
        "create_contact": createcontact.deliver,
    }


def prefetchers() -> Mapping[str, Prefetcher]:
    """Batch readers by job kind (kinds without one read what they need themselves)."""
    from ringdesk.flows import _delivery

    return {"call_log": _delivery.prefetch_contacts, "ticket": _delivery.prefetch_contacts}
