"""What a soak run reads besides the helpdesk: the outbox's rows, sessions idle in a
transaction on PostgreSQL, and the serve processes' error lines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

__all__ = ["Database", "log_errors"]

_IDLE = text(
    "SELECT pid, application_name, now() - xact_start AS age, "
    "left(query, 60) || ' … ' || right(query, 90) AS query "
    "FROM pg_stat_activity WHERE state = 'idle in transaction' "
    "AND now() - xact_start > interval '5 seconds'"
)
_JOBS = text("SELECT kind, call_id, status, attempts, last_error FROM outbox")
_PENDING = text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'running')")
_EVENTS = text("SELECT call_id, type, processed_at FROM call_events")


class Database:
    """A small engine of the harness's own on the run's database (read only)."""

    def __init__(self, url: str):
        self.engine = create_engine(url, pool_size=2, max_overflow=0, pool_pre_ping=True)

    def jobs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(_JOBS)]

    def undelivered(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(_PENDING).scalar_one())

    def events(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(_EVENTS)]

    def idle_in_transaction(self) -> list[tuple[str, str]]:
        """(backend pid, description) of sessions idle in a transaction for more than 5 s
        (they hold their locks)."""
        with self.engine.connect() as connection:
            rows = connection.execute(_IDLE).all()
        return [(str(r.pid), f"pid {r.pid} idle in transaction {r.age}: {r.query}") for r in rows]

    def dispose(self) -> None:
        self.engine.dispose()


_NOISE = re.compile(r"\b(0x[0-9a-f]+|\d+(\.\d+)?)\b")


def log_errors(paths: list[Path], top: int = 8) -> dict[str, Any]:
    """Tracebacks and ERROR lines per log, the commonest (numbers blurred) first."""
    out: dict[str, Any] = {}
    for path in paths:
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        kinds: Counter[str] = Counter()
        for n, line in enumerate(lines):
            if line.startswith("Traceback"):
                # The exception is the first unindented line after the traceback.
                tail = next((x for x in lines[n + 1 : n + 200] if x and not x[0].isspace()), "")
                kinds["Traceback: " + _NOISE.sub("N", tail)[:160]] += 1
            elif "ERROR" in line or "CRITICAL" in line:
                kinds[_NOISE.sub("N", line)[:160]] += 1
        if kinds:
            out[path.name] = kinds.most_common(top)
    return out
