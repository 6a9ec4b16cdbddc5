"""Helpdesk user sync and user ↔ extension association (U1–U6).

`map_users` (pure) turns one page of the users response into `UserRecord`s by the
template's GJSON mapping (U4). `fetch_users` pages through the get-users request (U1–U3)
via the executor; `sync_users` also stores them (`store.users`), keeping associations.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Any

from ringdesk.flows.contacts import count_matches, field_values
from ringdesk.flows.paginate import MAX_REQUESTS, Paginator
from ringdesk.http.client import Exchange
from ringdesk.http.request import render_request
from ringdesk.integrations.context import IntegrationContext
from ringdesk.services import Services
from ringdesk.store import users as repo
from ringdesk.templates.model import UserMapping

__all__ = ["SyncResult", "UserRecord", "fetch_users", "map_users", "sync_users"]


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
    services: Services,
    ctx: IntegrationContext,
    *,
    max_requests: int = MAX_REQUESTS,
    capture: list[Exchange] | None = None,
) -> SyncResult:
    """U1–U3: page through the template's get-users request; no database writes."""
    association = ctx.template.user_association
    result = SyncResult()
    if association is None or not association.request.url:
        return result
    first = render_request(
        association.request, ctx.variables, tz=ctx.tz, headers=ctx.scenario_headers
    )
    pager = Paginator(association.pagination, first.url, max_requests=max_requests)
    next_url: str | None = pager.first()
    seen: set[str] = set()
    while next_url is not None:
        response = await services.send(
            ctx, replace(first, url=next_url), scenario="users", capture=capture
        )
        page = map_users(association.mapping, response.content)
        for user in page:
            if user.user_id not in seen:
                seen.add(user.user_id)
                result.users.append(user)
        next_url = pager.advance(
            count=len(page), body=response.content, headers=dict(response.headers)
        )
    result.requests = pager.requests
    result.capped = pager.capped
    result.stop_reason = pager.stop_reason
    return result


async def sync_users(
    services: Services, ctx: IntegrationContext, *, max_requests: int = MAX_REQUESTS
) -> SyncResult:
    """Fetch the users and store them, keeping extensions. Users no longer listed are
    removed, unless the cap stopped the sync (the list is then partial)."""
    result = await fetch_users(services, ctx, max_requests=max_requests)

    def store() -> None:
        with services.database.session() as session:
            repo.store_users(session, ctx.integration_id, result.users, prune=not result.capped)

    await asyncio.to_thread(store)
    return result
