"""The request log (I4): one redacted row per outbound helpdesk request, kept per
integration up to a retention count (oldest trimmed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ringdesk.store.tables import RequestLogEntry

__all__ = ["WriteError", "list_entries", "trim", "write_rows"]

_INSERT = insert(RequestLogEntry.__table__)  # type: ignore[arg-type]

# What a failed write raises (the caller retries row by row, so one bad row loses no other).
WriteError = SQLAlchemyError


def write_rows(session: Session, rows: Sequence[dict[str, Any]], *, retention: int) -> None:
    """Insert already-redacted rows (one Core executemany: the ORM's unit of work cost ~5x
    more per row), then trim each integration they touched to `retention` rows."""
    if not rows:
        return
    session.connection().execute(_INSERT, list(rows))
    for integration_id in {row["integration_id"] for row in rows}:
        trim(session, integration_id, retention)


def trim(session: Session, integration_id: int | None, keep: int) -> None:
    """Delete all but the newest `keep` rows of one integration."""
    if integration_id is None:
        return
    cutoff = session.scalar(
        select(RequestLogEntry.id)
        .where(RequestLogEntry.integration_id == integration_id)
        .order_by(RequestLogEntry.id.desc())
        .offset(keep)
        .limit(1)
    )
    if cutoff is not None:
        session.execute(
            delete(RequestLogEntry).where(
                RequestLogEntry.integration_id == integration_id, RequestLogEntry.id <= cutoff
            )
        )


def list_entries(
    session: Session, integration_id: int, *, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest rows of one integration, newest first, as plain dicts."""
    rows = session.scalars(
        select(RequestLogEntry)
        .where(RequestLogEntry.integration_id == integration_id)
        .order_by(RequestLogEntry.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "scenario": row.scenario,
            "method": row.method,
            "url": row.url,
            "status": row.status,
            "duration_ms": row.duration_ms,
            "request": row.request_excerpt,
            "response": row.response_excerpt,
            "error": row.error,
            "created_at": row.created_at,
        }
        for row in rows
    ]
