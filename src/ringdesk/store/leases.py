"""Slots of the cross-process request cap (G3) on PostgreSQL: `concurrency_leases` holds
`cap` slot rows per cap key; a request holds one (claimed with `FOR UPDATE SKIP LOCKED`,
released after the request, expiring so a crashed process cannot keep a slot forever)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["claim_slot", "ensure_slots", "release_slot"]

_CLAIM = text(
    """
    UPDATE concurrency_leases SET holder = :holder, expires_at = :expires
    WHERE template_id = :template AND slot = (
        SELECT slot FROM concurrency_leases
        WHERE template_id = :template AND slot < :cap
          AND (holder IS NULL OR expires_at < :now)
        ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING slot
    """
)
_RELEASE = text(
    "UPDATE concurrency_leases SET holder = NULL, expires_at = 0 "
    "WHERE template_id = :template AND slot = :slot AND holder = :holder"
)
_ENSURE = text(
    "INSERT INTO concurrency_leases (template_id, slot, holder, expires_at) "
    "SELECT :template, s, NULL, 0 FROM generate_series(0, :cap - 1) AS s "
    "ON CONFLICT DO NOTHING"
)


def ensure_slots(session: Session, key: str, cap: int) -> None:
    session.execute(_ENSURE, {"template": key, "cap": cap})


def claim_slot(
    session: Session, key: str, cap: int, holder: str, *, now: float, expires: float
) -> int | None:
    """A free (or expired) slot of `key`, now held by `holder`; None when all are taken."""
    slot = session.execute(
        _CLAIM,
        {"holder": holder, "expires": expires, "template": key, "cap": cap, "now": now},
    ).scalar()
    return None if slot is None else int(slot)


def release_slot(session: Session, key: str, slot: int, holder: str) -> None:
    session.execute(_RELEASE, {"template": key, "slot": slot, "holder": holder})
