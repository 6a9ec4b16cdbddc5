"""Slots of the cross-process request cap (G3) on PostgreSQL.

`concurrency_leases` holds `cap` slot rows per cap key (the `template_id` column holds the
key: a template and the helpdesk account it points at, see `IntegrationContext.cap_key`).
A request holds one slot under a short lease: claimed with `FOR UPDATE SKIP LOCKED`,
renewed while the request runs, released after it. A slot whose lease ran out is free
again, so a killed process gives its slots back within one lease.

Every time here is PostgreSQL's own clock (`clock_timestamp()`, epoch seconds): processes
on different hosts compare expiries on one clock, so their clocks' skew does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

__all__ = ["claim_slot", "ensure_slots", "release_slot", "renew_slots"]

_NOW = "extract(epoch FROM clock_timestamp())"

_CLAIM = text(
    f"""
    UPDATE concurrency_leases SET holder = :holder, expires_at = {_NOW} + :lease
    WHERE template_id = :key AND slot = (
        SELECT slot FROM concurrency_leases
        WHERE template_id = :key AND slot < :cap
          AND (holder IS NULL OR expires_at < {_NOW})
        ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING slot
    """  # noqa: S608  (only the constant _NOW is formatted in)
)
# Only a lease that is still valid is renewed: once it ran out another process may hold
# the slot, and a late renewal must not take it back.
_RENEW = text(
    f"UPDATE concurrency_leases SET expires_at = {_NOW} + :lease "  # noqa: S608
    f"WHERE holder IN :holders AND expires_at > {_NOW} RETURNING holder"
).bindparams(bindparam("holders", expanding=True))
_RELEASE = text(
    "UPDATE concurrency_leases SET holder = NULL, expires_at = 0 "
    "WHERE template_id = :key AND slot = :slot AND holder = :holder"
)
_ENSURE = text(
    "INSERT INTO concurrency_leases (template_id, slot, holder, expires_at) "
    "SELECT :key, s, NULL, 0 FROM generate_series(0, :cap - 1) AS s "
    "ON CONFLICT DO NOTHING"
)


def ensure_slots(session: Session, key: str, cap: int) -> None:
    """Create the `cap` slot rows of `key` (those that exist are left alone)."""
    session.execute(_ENSURE, {"key": key, "cap": cap})


def claim_slot(session: Session, key: str, cap: int, holder: str, *, lease: float) -> int | None:
    """A free (or expired) slot of `key`, now held by `holder` for `lease` seconds; None
    when all `cap` slots are taken."""
    slot = session.execute(
        _CLAIM, {"holder": holder, "lease": lease, "key": key, "cap": cap}
    ).scalar()
    return None if slot is None else int(slot)


def renew_slots(session: Session, holders: Sequence[str], *, lease: float) -> set[str]:
    """Extend the leases of `holders` to `lease` seconds from now; returns the holders
    renewed. One missing lost its slot (its lease had run out, or the slot was taken)."""
    if not holders:
        return set()
    rows = session.execute(_RENEW, {"holders": list(holders), "lease": lease}).scalars()
    return {str(holder) for holder in rows}


def release_slot(session: Session, key: str, slot: int, holder: str) -> None:
    """Free `slot` of `key` if `holder` still holds it."""
    session.execute(_RELEASE, {"key": key, "slot": slot, "holder": holder})
