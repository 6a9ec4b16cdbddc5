"""Watch PostgreSQL for ringdesk sessions left *idle in transaction* (issue 12 item 0): a
thread samples `pg_stat_activity` every `interval` seconds and keeps, per sample, the
longest time a ringdesk session of the test's database had been idle inside a transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import make_url

__all__ = ["IdleSampler"]

_QUERY = """
SELECT coalesce(max(extract(epoch FROM clock_timestamp() - state_change)), 0),
       coalesce(string_agg(left(query, 80), ' | '), '')
FROM pg_stat_activity
WHERE datname = current_database() AND application_name = 'ringdesk'
  AND state LIKE 'idle in transaction%%'
"""


@dataclass
class IdleSampler:
    """Samples while running (`with IdleSampler(url) as sampler:`)."""

    database_url: str
    interval: float = 0.1
    samples: list[float] = field(default_factory=list)
    worst_query: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        import psycopg

        url = make_url(self.database_url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, application_name="sampler") as conn:
            while not self._stop.is_set():
                age, queries = conn.execute(_QUERY).fetchone() or (0.0, "")
                age = float(age)
                if age > max(self.samples, default=0.0):
                    self.worst_query = " ".join(str(queries).split())
                self.samples.append(age)
                self._stop.wait(self.interval)

    @property
    def longest(self) -> float:
        return max(self.samples, default=0.0)

    def summary(self) -> str:
        over = sum(1 for s in self.samples if s > 0)
        return (
            f"{len(self.samples)} samples, {over} with a ringdesk session idle in transaction, "
            f"longest {self.longest:.2f} s ({self.worst_query or 'none'})"
        )

    def __enter__(self) -> IdleSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
