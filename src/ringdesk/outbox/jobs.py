"""What the outbox worker runs: a registry of job kinds, each with the handler that delivers
one claimed job and, optionally, a prefetcher that reads what a whole claimed batch needs.

The kinds themselves live with their flows (`ringdesk.flows.jobs`) and are passed to the
worker; the outbox knows none of them. A handler returns `Delivered`; it raises
`ringdesk.errors.Deferred` to wait uncounted, a `HelpdeskError` when the helpdesk failed
(the worker applies the retry policy), or another error from `ringdesk.errors` when the job
can never succeed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ringdesk.store.db import Session
from ringdesk.store.outbox import ClaimedJob

__all__ = ["ClaimedJob", "Delivered", "Handler", "JobKind", "Prefetcher"]


@dataclass(frozen=True)
class Delivered:
    """A job's success: `result` is stored on the job; `after` (if any) runs once the
    success is recorded (the template's follow-up requests, F2)."""

    result: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], Awaitable[None]] | None = None


Handler = Callable[[ClaimedJob], Awaitable[Delivered]]
# Reads, in the claim's transaction, what the handlers of a claimed batch need: one query
# instead of one per job; the values land on `ClaimedJob.prefetched`.
Prefetcher = Callable[[Session, Sequence[ClaimedJob]], Mapping[int, Any]]


@dataclass(frozen=True)
class JobKind:
    """One kind of outbox job. `unblocks`: other jobs may wait for jobs of this kind, so
    the worker looks for them as soon as one is finished."""

    name: str
    deliver: Handler
    prefetch: Prefetcher | None = None
    unblocks: bool = False
