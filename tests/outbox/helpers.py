"""Rows the outbox tests need: a template and an integration to hang jobs on."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ringdesk.store.crypto import SecretBox
from ringdesk.store.db import Database
from ringdesk.store.tables import Integration, TemplateRow


def add_integration(
    database: Database,
    *,
    xml: str = "<HelpdeskTemplate/>",
    status: str = "connected",
    options: dict | None = None,
    template_id: str = "t-outbox",
    secrets: dict[str, str] | None = None,
    crypto: SecretBox | None = None,
) -> int:
    with database.session() as session:
        if session.get(TemplateRow, template_id) is None:
            session.add(TemplateRow(id=template_id, name=template_id, xml=xml))
            session.flush()
        row = Integration(
            template_id=template_id,
            name="Desk",
            status=status,
            options=options or {},
            secrets=crypto.encrypt(secrets) if crypto and secrets else None,
        )
        session.add(row)
        session.flush()
        return row.id


# -- a helpdesk double for delivery tests ---------------------------------------------------


class FakeHelpdesk:
    """Stores what it receives per collection, dedupes on `Idempotency-Key` (`duplicates`
    counts the repeats it answered from the key instead of storing again), and can answer
    503 + Retry-After for the next `fail_next` posts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: dict[str, list[dict[str, Any]]] = {"calls": [], "tickets": [], "contacts": []}
        self.keys: dict[str, dict[str, Any]] = {}
        self.duplicates = 0
        self.missing_keys = 0
        self.fail_next = 0
        self.retry_after = "0"
        self.delay = 0.0  # seconds before answering, so a test can kill a sender mid-request
        self.posts = 0
        self.app = FastAPI()
        self.app.post("/{collection}")(self._post)
        self.app.get("/contacts/search")(self._search)

    async def _search(self, phone: str = "") -> dict[str, Any]:
        return {"data": []}

    async def _post(self, collection: str, request: Request) -> JSONResponse:
        raw = await request.body()
        if self.delay:
            await asyncio.sleep(self.delay)
        body = json.loads(raw)  # invalid JSON fails the test loudly (500)
        key = request.headers.get("idempotency-key")
        with self.lock:
            self.posts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return JSONResponse(
                    {"error": "busy"}, status_code=503, headers={"Retry-After": self.retry_after}
                )
            if key is None:
                self.missing_keys += 1
            elif key in self.keys:
                self.duplicates += 1
                return JSONResponse(self.keys[key])
            records = self.records.setdefault(collection, [])
            record = {"id": f"{collection}-{len(records) + 1}", "body": body, "key": key}
            records.append(record)
            answer = {"data": {"id": record["id"]}}
            if key is not None:
                self.keys[key] = answer
            return JSONResponse(answer, status_code=201)


def template_xml(
    base_url: str, *, skip_unanswered: bool = True, ticket: bool = True, search: bool = True
) -> str:
    """A template whose call log, ticket and create-contact requests go to `base_url`.

    `search=False` leaves out contact search (bulk tests: no live lookup per log)."""
    text = (Path(__file__).parent / "data" / "fake_desk.xml").read_text()
    if not search:
        start, end = text.index("  <ContactSearch>"), text.index("  <CreateContact")
        text = text[:start] + text[end:]
    return (
        text.replace("@BASE@", base_url)
        .replace("@SKIP@", "true" if skip_unanswered else "false")
        .replace("@TICKET@", "true" if ticket else "false")
    )
