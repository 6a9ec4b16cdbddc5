"""ringdesk as it runs in production, pointed at the lane's Request Tracker: the real app
(REST API, webhook intake, outbox worker and the other background services) on a loopback
port, over its own SQLite database, driven through its HTTP API like an admin and a PBX
would drive it. The tests read what ringdesk sent from its request log and what RT stored
from RT's REST2 API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.config import Settings
from ringdesk.flows.createcontact import request_contact
from ringdesk.store.admin import create_token
from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade
from ringdesk.store.tables import OutboxJob
from ringdesk.testing import call_event, signed_headers
from tests.live import serve_app

__all__ = ["Desk", "Job", "Sent", "running_desk"]

WEBHOOK_SECRET = "rt-lane-webhook-secret"
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class Sent:
    """One request ringdesk sent to RT (from its request log): scenario, method, the path
    below the base URL with the query decoded, and RT's status."""

    scenario: str
    method: str
    path: str
    status: int | None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} ({self.scenario})"


@dataclass(frozen=True)
class Job:
    kind: str
    status: str
    attempts: int
    result: dict[str, Any]
    error: str


@dataclass
class Desk:
    """A running ringdesk; `api` is an admin client on `/api/v1`."""

    url: str
    api: httpx.Client
    database: Database
    integration_id: int = 0

    def event(self, type_: str, call_id: str, **fields: Any) -> None:
        """POST a signed call event (`ringdesk.testing.call_event` fields) to the webhook."""
        body = json.dumps(call_event(type_, call_id, **fields)).encode()
        answer = self.api.post(
            "/events", content=body, headers=signed_headers(body, WEBHOOK_SECRET)
        )
        assert answer.status_code < 300, answer.text

    def jobs(self, call_id: str) -> list[Job]:
        with self.database.session() as session:
            rows = session.scalars(
                select(OutboxJob).where(OutboxJob.call_id == call_id).order_by(OutboxJob.id)
            ).all()
            return [
                Job(r.kind, r.status, r.attempts, dict(r.result or {}), r.last_error or "")
                for r in rows
            ]

    def settle(self, call_id: str, *, kinds: int = 1) -> list[Job]:
        """Wait until the call has at least `kinds` jobs and every one is done or failed
        (the app's own outbox worker delivers them); a failed one fails the test."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            jobs = self.jobs(call_id)
            if len(jobs) >= kinds and all(j.status in ("done", "failed") for j in jobs):
                failed = [j for j in jobs if j.status == "failed"]
                assert not failed, f"jobs of {call_id} failed: {failed}"
                return jobs
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs of {call_id} did not settle: {jobs}")
            time.sleep(0.05)

    def rerun(self, call_id: str, kind: str) -> None:
        """Make the call's finished `kind` jobs due again, as after a crash between RT
        storing the record and the job being marked done."""
        with self.database.session() as session:
            for job in session.scalars(
                select(OutboxJob).where(OutboxJob.call_id == call_id, OutboxJob.kind == kind)
            ):
                assert job.status == "done", (job.kind, job.status)
                job.status = "pending"
                job.next_attempt_at = 0
                job.locked_by = None
                job.locked_until = None

    def create_again(self, call_id: str, number: str, *, extension: str = "1001") -> None:
        """Queue the caller's create once more for the call (what an agent's "create
        contact" click queues, `createcontact.request_contact`): the create is delivered a
        second time although RT already stored the user."""
        with self.database.session() as session:
            status, existed = request_contact(
                session,
                self.integration_id,
                call_id=call_id,
                phone=number,
                name="Ada Caller",
                contact_type="Users",
                extension=extension,
                now=time.time(),
            )
        assert (status, existed) == ("pending", False)

    def mark(self) -> int:
        """The newest request-log row id; `sent(since=mark)` lists what came after."""
        entries = self._log(1)
        return int(entries[0]["id"]) if entries else 0

    def sent(self, since: int) -> list[Sent]:
        """What ringdesk sent to RT after `since`, oldest first."""
        rows = [e for e in self._log(1000) if int(e["id"]) > since]
        return [_sent(e) for e in reversed(rows)]

    def _log(self, limit: int) -> list[dict[str, Any]]:
        answer = self.api.get(f"/integrations/{self.integration_id}/requests?limit={limit}")
        assert answer.status_code == 200, answer.text
        return list(answer.json())


def _sent(entry: dict[str, Any]) -> Sent:
    url = urlsplit(entry["url"])
    path = url.path.removeprefix("/REST/2.0")
    if url.query:
        path += "?" + unquote(url.query)
    return Sent(entry["scenario"], entry["method"], path, entry["status"])


@contextmanager
def running_desk(workdir: Path) -> Iterator[Desk]:
    """ringdesk on a fresh SQLite database in `workdir`, with its background services (the
    outbox worker polls every 0.1 s), and an admin token."""
    url = f"sqlite:///{workdir / 'ringdesk.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        data_dir=workdir / "var",
        secret_key=Fernet.generate_key().decode(),
        webhook_secret=WEBHOOK_SECRET,
        allow_private_networks=True,  # RT listens on 127.0.0.1
        run_workers=True,
        outbox_poll_seconds=0.1,
    )
    database = Database(url)
    with database.session() as session:
        token = create_token(session, "rt-lane")
    try:
        with (
            serve_app(create_app(settings)) as base,
            httpx.Client(
                base_url=f"{base}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as api,
        ):
            yield Desk(url=base, api=api, database=database)
    finally:
        database.dispose()
