"""REST resource: outbox — the delivery queue (L3): list jobs by status, retry a failed one.

`last_error` is stored redacted by the worker; the job's payload (the call event) is not
shown here.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from ringdesk.api.deps import AdminDep, SessionDep
from ringdesk.store import outbox as queue
from ringdesk.store.tables import OutboxJob

__all__ = ["OutboxJobPublic", "router"]

router = APIRouter(tags=["outbox"], dependencies=[AdminDep])


class OutboxJobPublic(BaseModel):
    id: int
    kind: str
    integration_id: int
    call_id: str | None
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    result: dict[str, Any] | None
    created_at: float
    done_at: float | None

    @classmethod
    def of(cls, job: OutboxJob) -> OutboxJobPublic:
        return cls(
            id=job.id,
            kind=job.kind,
            integration_id=job.integration_id,
            call_id=job.call_id,
            idempotency_key=job.idempotency_key,
            status=job.status,
            attempts=job.attempts,
            next_attempt_at=job.next_attempt_at,
            last_error=job.last_error,
            result=job.result,
            created_at=job.created_at,
            done_at=job.done_at,
        )


@router.get("/outbox")
def list_outbox(
    session: SessionDep,
    status_: Literal["pending", "running", "done", "failed"] | None = Query(
        default=None, alias="status"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[OutboxJobPublic]:
    """Jobs, newest first, optionally of one status."""
    jobs = queue.list_jobs(session, status=status_, limit=limit, offset=offset)
    return [OutboxJobPublic.of(job) for job in jobs]


@router.post("/outbox/{job_id}/retry")
def retry_job(job_id: int, session: SessionDep) -> OutboxJobPublic:
    """A failed job becomes pending now (404 unknown, 409 not failed)."""
    job = queue.get(session, job_id, for_update=True)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such outbox job")
    if job.status != "failed":
        raise HTTPException(status.HTTP_409_CONFLICT, f"job is {job.status}, not failed")
    queue.retry_now(session, job_id, now=time.time())
    queue.wake_after_commit(session)
    return OutboxJobPublic.of(job)
