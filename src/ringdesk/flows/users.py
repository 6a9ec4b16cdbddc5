"""Helpdesk user sync and user ↔ extension association (U1–U6).

`map_users` (pure) turns one page of the users response into `UserRecord`s by the
template's GJSON mapping (U4). `fetch_users` pages through the get-users request (U1–U3)
via the executor; `sync_users` also upserts table `helpdesk_users`, keeping associations.
`auto_associate` ties users to extensions by email (U5); `set_extension` is the manual
association; `owner_for_extension` answers U6 for call logs and tickets.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ringdesk.expressions import gotemplate
from ringdesk.flows.contacts import count_matches, field_values, render_url
from ringdesk.flows.paginate import MAX_REQUESTS, Paginator
from ringdesk.store.tables import Extension, HelpdeskUser
from ringdesk.templates.model import UserMapping

__all__ = [
    "SyncResult",
    "UserRecord",
    "auto_associate",
    "fetch_users",
    "list_users",
    "map_users",
    "owner_for_extension",
    "set_extension",
    "sync_users",
]


@dataclass(frozen=True)
class UserRecord:
    """One helpdesk user as mapped from the users response."""

    user_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class SyncResult:
    """What a sync did: requests made, users found, whether the 100-request cap stopped it."""

    requests: int = 0
    users: list[UserRecord] = field(default_factory=list)
    capped: bool = False
    stop_reason: str = ""

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "users": len(self.users), "capped": self.capped}


def map_users(mapping: UserMapping, body: str | bytes) -> list[UserRecord]:
    """U4: users on one page; entries without an ID are dropped. The ID path sets the count."""
    count = count_matches(body, mapping.id, "") if body else 0
    if count == 0:
        return []
    ids = field_values(body, mapping.id, "", count)
    first = field_values(body, mapping.first_name, "", count)
    last = field_values(body, mapping.last_name, "", count)
    emails = field_values(body, mapping.email, "", count)
    return [
        UserRecord(user_id=ids[i], first_name=first[i], last_name=last[i], email=emails[i])
        for i in range(count)
        if ids[i]
    ]


async def fetch_users(
    state: Any,
    ctx: Any,
    *,
    max_requests: int = MAX_REQUESTS,
    capture: list[Any] | None = None,
) -> SyncResult:
    """U1–U3: page through the template's get-users request; no database writes."""
    association = ctx.template.user_association
    result = SyncResult()
    if association is None or not association.request.url:
        return result
    spec = association.request
    url = render_url(spec.url, ctx.variables)
    body = gotemplate.render(spec.body, ctx.variables, escape="json") if spec.body else None
    pager = Paginator(association.pagination, url, max_requests=max_requests)
    next_url: str | None = pager.first()
    seen: set[str] = set()
    while next_url is not None:
        response = await state.executor.request(
            ctx,
            scenario="users",
            method=spec.method.upper() or "GET",
            url=next_url,
            body=body,
            capture=capture,
        )
        page = map_users(association.mapping, response.content)
        for user in page:
            if user.user_id not in seen:
                seen.add(user.user_id)
                result.users.append(user)
        next_url = pager.advance(count=len(page), body=response.content)
    result.requests = pager.requests
    result.capped = pager.capped
    result.stop_reason = pager.stop_reason
    return result


async def sync_users(state: Any, ctx: Any, *, max_requests: int = MAX_REQUESTS) -> SyncResult:
    """Fetch the users and upsert them into `helpdesk_users`, keeping extensions. Users no
    longer listed are removed, unless the cap stopped the sync (the list is then partial)."""
    result = await fetch_users(state, ctx, max_requests=max_requests)
    with state.db.session() as session:
        store_users(session, ctx.integration_id, result.users, prune=not result.capped)
    return result


def store_users(
    session: Session, integration_id: int, users: Sequence[UserRecord], *, prune: bool
) -> None:
    existing = {
        row.user_id: row
        for row in session.scalars(
            select(HelpdeskUser).where(HelpdeskUser.integration_id == integration_id)
        )
    }
    now = time.time()
    for user in users:
        row = existing.get(user.user_id)
        if row is None:
            row = HelpdeskUser(integration_id=integration_id, user_id=user.user_id)
            session.add(row)
        row.first_name = user.first_name[:200]
        row.last_name = user.last_name[:200]
        row.email = user.email[:320]
        row.synced_at = now
    if prune:
        listed = {u.user_id for u in users}
        stale = [user_id for user_id in existing if user_id not in listed]
        if stale:
            session.execute(
                delete(HelpdeskUser).where(
                    HelpdeskUser.integration_id == integration_id,
                    HelpdeskUser.user_id.in_(stale),
                )
            )
    session.flush()


def list_users(session: Session, integration_id: int) -> list[HelpdeskUser]:
    return list(
        session.scalars(
            select(HelpdeskUser)
            .where(HelpdeskUser.integration_id == integration_id)
            .order_by(HelpdeskUser.last_name, HelpdeskUser.first_name, HelpdeskUser.user_id)
        )
    )


def set_extension(
    session: Session, integration_id: int, user_id: str, extension: str | None
) -> HelpdeskUser:
    """Manual association (U5). An extension belongs to at most one user per integration, so
    it is taken from any other user. Raises LookupError for an unknown user."""
    row = session.scalar(
        select(HelpdeskUser).where(
            HelpdeskUser.integration_id == integration_id, HelpdeskUser.user_id == user_id
        )
    )
    if row is None:
        raise LookupError(user_id)
    if extension:
        for other in session.scalars(
            select(HelpdeskUser).where(
                HelpdeskUser.integration_id == integration_id,
                HelpdeskUser.extension == extension,
                HelpdeskUser.id != row.id,
            )
        ):
            other.extension = None
    row.extension = extension or None
    session.flush()
    return row


def auto_associate(session: Session, integration_id: int) -> list[tuple[str, str]]:
    """U5: give each unassociated user the extension whose email matches (case-insensitive),
    unless that extension already has a user. Returns the new (user_id, extension) pairs."""
    by_email: dict[str, str] = {}
    for ext in session.scalars(select(Extension)):
        email = (ext.email or "").strip().lower()
        if email:
            by_email.setdefault(email, ext.number)
    users = list_users(session, integration_id)
    taken = {u.extension for u in users if u.extension}
    made: list[tuple[str, str]] = []
    for user in users:
        if user.extension:
            continue
        number = by_email.get((user.email or "").strip().lower())
        if number and number not in taken:
            user.extension = number
            taken.add(number)
            made.append((user.user_id, number))
    session.flush()
    return made


def owner_for_extension(session: Session, integration_id: int, extension: str) -> str | None:
    """U6: the helpdesk user ID associated with `extension`, if any."""
    if not extension:
        return None
    return session.scalar(
        select(HelpdeskUser.user_id).where(
            HelpdeskUser.integration_id == integration_id, HelpdeskUser.extension == extension
        )
    )
