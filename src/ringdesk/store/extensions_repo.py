"""PBX extensions (`extensions` table): number, name, email (used for U5 auto-association)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringdesk.store.tables import Extension

__all__ = ["delete_extension", "get_extension", "list_extensions", "upsert_extension"]


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
