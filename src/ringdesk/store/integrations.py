"""Integrations (I1): rows of `integrations` — connect values, options, encrypted secrets,
token state and status — and the version stamps that tell cached contexts apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session

from ringdesk.store.tables import Integration, TemplateRow

__all__ = [
    "CONNECTED",
    "claim_refresh",
    "create",
    "delete",
    "delivering",
    "finish_refresh",
    "get",
    "get_for_update",
    "list_all",
    "list_ids",
    "refresh_candidates",
    "release_refresh",
    "save_tokens",
    "save_variables",
    "set_contact_sync",
    "set_status",
    "stored_options",
    "token_row",
    "version_of",
    "versions",
]

CONNECTED = "connected"


def get(session: Session, integration_id: int) -> Integration | None:
    return session.get(Integration, integration_id)


# Read on every batch of call events; built once, so only running it costs.
_DELIVERING_ROWS = (
    select(Integration.id, Integration.template_id, Integration.options)
    .where(Integration.status.in_(bindparam("statuses", expanding=True)))
    .order_by(Integration.id)
)


def delivering(
    session: Session, statuses: tuple[str, ...]
) -> list[tuple[int, str, Mapping[str, Any]]]:
    """(id, template id, stored options) of the integrations in one of `statuses`, by id."""
    rows = session.execute(_DELIVERING_ROWS, {"statuses": list(statuses)})
    return [(int(i), str(t), o or {}) for i, t, o in rows]


def get_for_update(session: Session, integration_id: int) -> Integration | None:
    """The row, locked until the transaction ends (PostgreSQL; SQLite serialises writers
    anyway): token refreshes of one integration never overlap across processes."""
    query = select(Integration).where(Integration.id == integration_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def list_all(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.id)))


def list_ids(session: Session, *, statuses: tuple[str, ...] = (CONNECTED,)) -> list[int]:
    """Ids of the integrations in one of `statuses`, in id order."""
    query = select(Integration.id).where(Integration.status.in_(statuses))
    return [int(i) for i in session.scalars(query.order_by(Integration.id))]


def create(
    session: Session,
    *,
    template_id: str,
    name: str,
    fields: Mapping[str, str],
    options: Mapping[str, Any],
    secrets: bytes,
) -> Integration:
    row = Integration(
        template_id=template_id,
        name=name,
        status="disconnected",
        fields=dict(fields),
        options=dict(options),
        secrets=secrets,
        variables={},
    )
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row: Integration) -> None:
    session.delete(row)
    session.flush()


def set_status(session: Session, integration_id: int, status: str, message: str | None) -> None:
    row = session.get(Integration, integration_id)
    if row is not None:
        row.status = status
        row.status_message = message[:1000] if message else message


def set_contact_sync(session: Session, integration_id: int, outcome: Mapping[str, Any]) -> None:
    """Remember how the integration's last contact sync went (C8), for its API view."""
    session.execute(
        update(Integration)
        .where(Integration.id == integration_id)
        .values(contact_sync=dict(outcome))
    )


def refresh_candidates(session: Session) -> list[tuple[int, float | None]]:
    """(id, last token refresh) of every connected integration (A6 schedule)."""
    rows = session.execute(
        select(Integration.id, Integration.token_refreshed_at).where(
            Integration.status == CONNECTED
        )
    )
    return [(int(i), t) for i, t in rows]


def stored_options(session: Session) -> list[dict[str, Any]]:
    """Every integration's stored options (for caller-ID lookups across integrations)."""
    return [dict(options) for options in session.scalars(select(Integration.options)) if options]


# Everything a context is built from has a stamp here: the integration row (`updated_at`
# changes on every ORM or Core update of the row: options, fields, secrets, status,
# variables), its token refresh time, its template id and the template row's `updated_at`.
_INTEGRATIONS = Integration.__table__
_TEMPLATES = TemplateRow.__table__
# Built once: constructing a statement costs more than running it, and it runs before the
# first screen pop of every call.
_VERSIONS = (
    select(
        _INTEGRATIONS.c.id,
        _INTEGRATIONS.c.updated_at,
        _INTEGRATIONS.c.token_refreshed_at,
        _INTEGRATIONS.c.template_id,
        _TEMPLATES.c.updated_at,
    )
    .select_from(
        _INTEGRATIONS.outerjoin(_TEMPLATES, _TEMPLATES.c.id == _INTEGRATIONS.c.template_id)
    )
    .where(_INTEGRATIONS.c.status == CONNECTED)
    .order_by(_INTEGRATIONS.c.id)
)
_VERSIONS_SQL: dict[str, str] = {}


def versions(engine: Engine) -> list[tuple[Any, ...]]:
    """(id, row stamp, token stamp, template id, template stamp) of every connected
    integration, on a pooled DBAPI connection: the statement has no parameters, so it is
    compiled once per dialect, and the raw cursor skips SQLAlchemy's per-execution work (a
    third of the cost of the query on SQLite). The pool rolls back on return."""
    sql = _VERSIONS_SQL.get(engine.dialect.name)
    if sql is None:
        sql = str(_VERSIONS.compile(engine, compile_kwargs={"literal_binds": True}))
        _VERSIONS_SQL[engine.dialect.name] = sql
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
    finally:
        connection.close()


def version_of(session: Session, integration_id: int) -> tuple[Any, ...] | None:
    """The stamps of one integration (any status): (status, row, token, template id,
    template stamp), or None when it does not exist."""
    row = session.execute(
        select(
            _INTEGRATIONS.c.status,
            _INTEGRATIONS.c.updated_at,
            _INTEGRATIONS.c.token_refreshed_at,
            _INTEGRATIONS.c.template_id,
            _TEMPLATES.c.updated_at,
        )
        .select_from(
            _INTEGRATIONS.outerjoin(_TEMPLATES, _TEMPLATES.c.id == _INTEGRATIONS.c.template_id)
        )
        .where(_INTEGRATIONS.c.id == integration_id)
    ).first()
    return tuple(row) if row is not None else None


# -- OAuth2 tokens (A6, A8) ---------------------------------------------------------------


def token_row(session: Session, integration_id: int, *, reread: bool = False) -> Integration | None:
    """The row as a refresh reads it (secrets, expiry, status, refresh lease); `reread`
    selects it again even when the session holds it (what is committed now)."""
    return session.get(Integration, integration_id, populate_existing=reread)


def claim_refresh(
    session: Session, integration_id: int, holder: str, *, now: float, until: float
) -> bool:
    """Take the refresh lease unless another holder has a live one (atomic)."""
    result = session.execute(
        update(Integration)
        .where(
            Integration.id == integration_id,
            (Integration.refresh_until.is_(None))
            | (Integration.refresh_until < now)
            | (Integration.refresh_holder == holder),
        )
        .values(refresh_holder=holder, refresh_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def finish_refresh(
    session: Session,
    integration_id: int,
    holder: str,
    *,
    secrets: bytes,
    expires_at: float | None,
    refreshed_at: float,
) -> bool:
    """Store refreshed tokens and release the lease; fenced on `holder` (False when the
    lease was lost meanwhile: the tokens are then not stored)."""
    result = session.execute(
        update(Integration)
        .where(Integration.id == integration_id, Integration.refresh_holder == holder)
        .values(
            secrets=secrets,
            token_expires_at=expires_at,
            token_refreshed_at=refreshed_at,
            status_message=None,
            refresh_holder=None,
            refresh_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def release_refresh(
    session: Session, integration_id: int, holder: str, *, reconnect_message: str | None = None
) -> None:
    """Give the lease back; with a message, the refresh was refused for good (A8): the
    integration needs reconnecting."""
    values: dict[str, Any] = {"refresh_holder": None, "refresh_until": None}
    if reconnect_message is not None:
        values.update(status="needs_reconnect", status_message=reconnect_message[:1000])
    session.execute(
        update(Integration)
        .where(Integration.id == integration_id, Integration.refresh_holder == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def save_tokens(
    session: Session,
    integration_id: int,
    *,
    secrets: bytes,
    expires_at: float | None,
    refreshed_at: float,
) -> None:
    """Store tokens obtained by connecting (the OAuth2 code exchange, A5)."""
    session.execute(
        update(Integration)
        .where(Integration.id == integration_id)
        .values(secrets=secrets, token_expires_at=expires_at, token_refreshed_at=refreshed_at)
        .execution_options(synchronize_session=False)
    )


def save_variables(
    session: Session, integration_id: int, *, variables: Mapping[str, Any], secrets: bytes
) -> None:
    """Store follow-up variables captured on connected/token_refreshed (F2)."""
    session.execute(
        update(Integration)
        .where(Integration.id == integration_id)
        .values(variables=dict(variables), secrets=secrets)
        .execution_options(synchronize_session=False)
    )
