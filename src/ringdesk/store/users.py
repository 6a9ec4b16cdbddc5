"""People: PBX extensions (number, name, email) and the helpdesk users pulled by user sync,
each maybe tied to an extension (U1–U6)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from ringdesk.store.tables import Extension, HelpdeskUser

__all__ = [
    "UserData",
    "auto_associate",
    "delete_extension",
    "extension_name",
    "get_extension",
    "list_extensions",
    "list_users",
    "owner_of",
    "set_extension",
    "store_users",
    "upsert_extension",
]


class UserData(Protocol):
    """A helpdesk user as user sync mapped it."""

    @property
    def user_id(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def last_name(self) -> str: ...

    @property
    def email(self) -> str: ...


# -- extensions ---------------------------------------------------------------------------


def list_extensions(session: Session) -> list[Extension]:
    return list(session.scalars(select(Extension).order_by(Extension.number)))


def get_extension(session: Session, number: str) -> Extension | None:
    return session.get(Extension, number)


def upsert_extension(session: Session, number: str, *, name: str, email: str) -> Extension:
    row = session.get(Extension, number)
    if row is None:
        row = Extension(number=number)
        session.add(row)
    row.name = name
    row.email = email
    session.flush()
    return row


def delete_extension(session: Session, number: str) -> bool:
    row = session.get(Extension, number)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# Built once with bound parameters: both run for every call log queued.
_EXTENSION_NAME = select(Extension.name).where(Extension.number == bindparam("number"))
_OWNER_OF = (
    select(HelpdeskUser.user_id)
    .where(
        HelpdeskUser.integration_id == bindparam("integration_id"),
        HelpdeskUser.extension == bindparam("extension"),
    )
    .order_by(HelpdeskUser.id)
    .limit(1)
)


def extension_name(session: Session, extension: str) -> str:
    if not extension:
        return ""
    return session.scalar(_EXTENSION_NAME, {"number": extension}) or ""


# -- helpdesk users -----------------------------------------------------------------------


def owner_of(session: Session, integration_id: int, extension: str) -> str:
    """U6: the helpdesk user id tied to `extension` on this integration, or ""."""
    if not extension:
        return ""
    user = session.scalar(_OWNER_OF, {"integration_id": integration_id, "extension": extension})
    return user or ""


def store_users(
    session: Session, integration_id: int, users: Sequence[UserData], *, prune: bool
) -> None:
    """Upsert the synced users, keeping their extensions; with `prune`, users no longer
    listed are removed."""
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
            existing[user.user_id] = row
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
    for ext in list_extensions(session):
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
