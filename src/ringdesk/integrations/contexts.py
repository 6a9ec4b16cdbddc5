"""Integration contexts loaded from the database, and reused while nothing they are built
from changed: a burst of ringing (a queue call rings many agents) or a batch of outbox jobs
must not decrypt secrets and rebuild contexts each time.

Each cached context is keyed by the version stamps of its integration row, its token refresh
and its template (`store.integrations.versions`), so a change anywhere, from any process,
is seen by the next `connected()` call. `get()` re-checks one integration's stamps unless it
was checked within `max_age` seconds (the outbox: status changes show within that time).

Memory: one entry per existing integration (a deleted or disconnected one is dropped at the
next `connected()` or `forget()`); nothing is kept per call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ringdesk.integrations.context import IntegrationContext, build_context
from ringdesk.redact import forget_http_log_secrets
from ringdesk.store import integrations as repo
from ringdesk.store import templates as templates_repo
from ringdesk.store.crypto import SecretBox
from ringdesk.store.db import Database, Session
from ringdesk.store.tables import Integration

__all__ = ["Contexts", "context_from_row"]

log = logging.getLogger(__name__)


def context_from_row(
    session: Session, row: Integration, crypto: SecretBox, public_url: str
) -> IntegrationContext:
    """Build the context of a loaded integration row."""
    return build_context(
        integration_id=row.id,
        name=row.name,
        template_id=row.template_id,
        template=templates_repo.get_template(session, row.template_id),
        fields=row.fields or {},
        secrets=crypto.decrypt(row.secrets),
        persisted=row.variables or {},
        options=row.options or {},
        status=row.status,
        public_url=public_url,
        token_expires_at=row.token_expires_at,
        token_refreshed_at=row.token_refreshed_at,
    )


class Contexts:
    """Loads integration contexts; the cache holds one entry per existing integration."""

    def __init__(self, database: Database, crypto: SecretBox, public_url: str):
        self._db = database
        self._crypto = crypto
        self._public_url = public_url
        # integration id → (version stamps, checked at (monotonic), context)
        self._cache: dict[int, tuple[tuple[Any, ...], float, IntegrationContext]] = {}

    def connected(self) -> list[IntegrationContext]:
        """The contexts of every connected integration, in id order: one prebuilt query on
        a plain connection when the cached contexts are current, an ORM session only for an
        integration that changed. Runs inline (a few indexed reads): it sits before the
        first screen pop, where a thread hop costs more than the reads."""
        versions = repo.versions(self._db.engine)
        now = time.monotonic()
        contexts: dict[int, IntegrationContext] = {}
        stale: list[tuple[int, tuple[Any, ...]]] = []
        for integration_id, *stamps in versions:
            key = ("connected", *stamps)
            hit = self._cache.get(integration_id)
            if hit is not None and hit[0] == key:
                contexts[integration_id] = hit[2]
            else:
                stale.append((integration_id, key))
        if stale:
            with self._db.session() as session:
                for integration_id, key in stale:
                    try:
                        row = repo.get(session, integration_id)
                        if row is None:
                            continue
                        ctx = context_from_row(session, row, self._crypto, self._public_url)
                    except Exception:  # one broken integration must not stop the others' pops
                        log.exception("cannot load integration %s", integration_id)
                        continue
                    self._cache[integration_id] = (key, now, ctx)
                    contexts[integration_id] = ctx
        live = {version[0] for version in versions}
        for integration_id in [i for i, hit in self._cache.items() if i not in live]:
            if self._cache[integration_id][2].status == "connected":
                del self._cache[integration_id]  # disconnected or deleted
        return [contexts[i] for i, *_ in versions if i in contexts]

    def get(self, integration_id: int, *, max_age: float = 0.0) -> IntegrationContext:
        """The current context of one integration (any status); raises LookupError."""
        now = time.monotonic()
        hit = self._cache.get(integration_id)
        if hit is not None and max_age > 0 and now - hit[1] < max_age:
            return hit[2]
        with self._db.session() as session:
            stamps = repo.version_of(session, integration_id)
            if stamps is None:
                self._cache.pop(integration_id, None)
                raise LookupError(f"integration {integration_id} not found")
            if hit is not None and hit[0] == stamps:
                self._cache[integration_id] = (stamps, now, hit[2])
                return hit[2]
            row = repo.get(session, integration_id)
            if row is None:
                raise LookupError(f"integration {integration_id} not found")
            ctx = context_from_row(session, row, self._crypto, self._public_url)
        self._cache[integration_id] = (stamps, now, ctx)
        return ctx

    async def load(self, integration_id: int, *, max_age: float = 0.0) -> IntegrationContext:
        """`get` in a worker thread (no thread at all while the cached context is younger
        than `max_age`: the outbox loads one per job); raises LookupError when the
        integration does not exist."""
        hit = self._cache.get(integration_id)
        if hit is not None and max_age > 0 and time.monotonic() - hit[1] < max_age:
            return hit[2]
        return await asyncio.to_thread(self.get, integration_id, max_age=max_age)

    def cached(self, integration_id: int) -> IntegrationContext | None:
        """The cached context, however old, without touching the database (for redacting
        an error message)."""
        hit = self._cache.get(integration_id)
        return hit[2] if hit is not None else None

    def forget(self, integration_id: int) -> None:
        """Drop a cached context (its integration was deleted), and its secrets from the
        HTTP loggers' filter."""
        self._cache.pop(integration_id, None)
        forget_http_log_secrets(integration_id)
