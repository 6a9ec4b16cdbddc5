"""The local phonebook (C8): contacts synced from a helpdesk, one row per (contact, phone
number), for fast screen pops and the PBX's caller-ID lookups."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from ringdesk.phones import PhoneNumber, normalise
from ringdesk.store.tables import PhonebookEntry

__all__ = ["ContactData", "Hit", "first_match", "lookup", "store_contacts"]

_ID_CHUNK = 500  # contact ids per IN list (well under every backend's parameter limit)


class ContactData(Protocol):
    """A contact as the contact search mapped it."""

    @property
    def id(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    @property
    def popup_url(self) -> str: ...

    @property
    def fields(self) -> Mapping[str, str]: ...

    @property
    def phones(self) -> list[str]: ...


@dataclass(frozen=True)
class Hit:
    """A phonebook row as a lookup returns it."""

    id: int
    integration_id: int
    contact_type: str
    contact_id: str
    name: str
    phone: str
    popup_url: str
    fields: dict[str, str]


def store_contacts(
    session: Session,
    integration_id: int,
    contact_type: str,
    contacts: Sequence[ContactData],
    region: str | None,
    *,
    prune: bool,
) -> int:
    """Replace (prune=True) or update the phonebook rows of one contact type; one row per
    distinct normalised number. Returns the number of rows written."""
    scope = (PhonebookEntry.integration_id == integration_id) & (
        PhonebookEntry.contact_type == contact_type
    )
    existing: dict[tuple[str, str], PhonebookEntry] = {}
    if prune:
        session.execute(delete(PhonebookEntry).where(scope))
    else:
        # Only the rows of these contacts: a screen pop refreshes one contact, and loading
        # the whole synced phonebook of its type for that cost milliseconds per call.
        ids = sorted({contact.id for contact in contacts})
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            query = select(PhonebookEntry).where(scope, PhonebookEntry.contact_id.in_(chunk))
            for entry in session.scalars(query):
                existing[(entry.contact_id, entry.phone_e164)] = entry
    now = time.time()
    written = 0
    for contact in contacts:
        numbers: dict[str, PhoneNumber] = {}
        for phone in contact.phones:
            number = normalise(phone, region)
            if number.key:
                numbers.setdefault(number.key, number)
        for number in numbers.values():
            row = existing.get((contact.id, number.key))
            if row is None:
                row = PhonebookEntry(
                    integration_id=integration_id,
                    contact_type=contact_type,
                    contact_id=contact.id,
                    phone_e164=number.key,
                )
                session.add(row)
                existing[(contact.id, number.key)] = row
            row.name = contact.display_name[:400]
            row.phone_digits = number.digits
            row.popup_url = contact.popup_url
            row.fields = dict(contact.fields)
            row.updated_at = now
            written += 1
    session.flush()
    return written


def lookup(
    session: Session,
    phone: str,
    *,
    region: str | None = None,
    integration_id: int | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Entries whose number equals any form of `phone` (E.164, or the digits when the stored
    number did not parse), newest first."""
    number = normalise(phone, region)
    if not number.key:
        return []
    digit_forms = {d for d in (number.digits, number.national_digits) if d}
    conditions = [PhonebookEntry.phone_e164 == number.key]
    if digit_forms:
        conditions.append(PhonebookEntry.phone_digits.in_(digit_forms))
    query = select(PhonebookEntry).where(or_(*conditions))
    if integration_id is not None:
        query = query.where(PhonebookEntry.integration_id == integration_id)
    rows = session.scalars(query.order_by(PhonebookEntry.updated_at.desc()).limit(limit))
    return [
        Hit(
            id=row.id,
            integration_id=row.integration_id,
            contact_type=row.contact_type,
            contact_id=row.contact_id,
            name=row.name,
            phone=row.phone_e164,
            popup_url=row.popup_url,
            fields={str(k): str(v) for k, v in (row.fields or {}).items()},
        )
        for row in rows
    ]


_PHONEBOOK = PhonebookEntry.__table__
# Built once: constructing the statement costs more than running it on an indexed table,
# and it sits before the first screen pop. Bound per call: the integration, the E.164 key
# and the digit forms (an expanding IN).
_FIRST_MATCH = (
    select(
        _PHONEBOOK.c.id,
        _PHONEBOOK.c.integration_id,
        _PHONEBOOK.c.contact_type,
        _PHONEBOOK.c.contact_id,
        _PHONEBOOK.c.name,
        _PHONEBOOK.c.phone_e164,
        _PHONEBOOK.c.popup_url,
        _PHONEBOOK.c.fields,
    )
    .where(
        _PHONEBOOK.c.integration_id == bindparam("integration_id"),
        or_(
            _PHONEBOOK.c.phone_e164 == bindparam("key"),
            _PHONEBOOK.c.phone_digits.in_(bindparam("digits", expanding=True)),
        ),
    )
    .order_by(_PHONEBOOK.c.updated_at.desc())
    .limit(1)
)


def first_match(
    connection: Connection | Session, phone: str, *, region: str | None, integration_id: int
) -> Hit | None:
    """The newest phonebook entry of one integration for any form of `phone`: a lean
    prebuilt query (no ORM entities; a plain connection will do) because it sits before
    the first screen pop."""
    number = normalise(phone, region)
    if not number.key:
        return None
    digit_forms = [d for d in (number.digits, number.national_digits) if d]
    row = connection.execute(
        _FIRST_MATCH,
        {"integration_id": integration_id, "key": number.key, "digits": digit_forms},
    ).first()
    if row is None:
        return None
    return Hit(
        id=int(row.id),
        integration_id=int(row.integration_id),
        contact_type=row.contact_type,
        contact_id=row.contact_id,
        name=row.name,
        phone=row.phone_e164,
        popup_url=row.popup_url,
        fields={str(k): str(v) for k, v in (row.fields or {}).items()},
    )
