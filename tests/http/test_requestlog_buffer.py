"""The request log's in-memory buffer is bounded (issue 12: flat memory): while writes lag,
the oldest waiting rows are dropped and counted; the newest are written (I4)."""

from __future__ import annotations

from sqlalchemy import select

from ringdesk.http.requestlog import LogRow, RequestLog
from ringdesk.store.tables import RequestLogEntry


def _row(n: int) -> LogRow:
    return LogRow(
        integration_id=None,
        scenario="console",
        method="GET",
        url=f"https://helpdesk.example/{n}",
        status=200,
        duration_ms=1.0,
        request_excerpt="",
        response_excerpt="",
        error=None,
        created_at=float(n),
    )


async def test_a_lagging_buffer_keeps_only_the_newest_rows(database):
    log = RequestLog(database, retention=100, max_pending=3)
    for n in range(10):  # in one loop turn: no batch write has run yet
        log.add(_row(n))
    await log.flush()
    assert log.dropped == 7
    with database.session() as session:
        urls = sorted(session.scalars(select(RequestLogEntry.url)))
    assert urls == [f"https://helpdesk.example/{n}" for n in (7, 8, 9)]
