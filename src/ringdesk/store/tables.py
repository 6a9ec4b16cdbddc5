"""ORM tables (SQLAlchemy 2 typed mappings). Schema changes go through Alembic migrations."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AdminSession",
    "AdminToken",
    "AdminUser",
    "AgentLink",
    "Base",
    "CallEventRow",
    "CallMatch",
    "ConcurrencyLease",
    "Extension",
    "HelpdeskUser",
    "Integration",
    "LoginFailure",
    "OAuthState",
    "OutboxJob",
    "PhonebookEntry",
    "RequestLogEntry",
    "SetupCode",
    "TemplateRow",
]


def _now() -> float:
    return time.time()


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class TemplateRow(Base):
    """An integration template: its XML is the source of truth (G6)."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    xml: Mapped[str] = mapped_column(Text)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    updated_at: Mapped[float] = mapped_column(Float, default=_now, onupdate=_now)


class Integration(Base):
    """A template plus connect values, options and token state (I1). Ids are never reused
    (AUTOINCREMENT on SQLite), so nothing left of a deleted integration attaches to a new one."""

    __tablename__ = "integrations"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012  (SQLAlchemy's hook)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # connected | disconnected | pending_oauth | needs_reconnect
    status: Mapped[str] = mapped_column(String(32), default="disconnected")
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Non-secret connect values and options as JSON; secrets live encrypted in `secrets`.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fernet token of a JSON object: password fields, AccessToken, RefreshToken, ...
    secrets: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Follow-up variables captured on connected/token_refreshed (F2), secret-free.
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    token_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The last contact sync (C8): {"at", "ok", "error", "field", "summary"}; None = never.
    contact_sync: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    token_refreshed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # A token refresh in progress (A6): who holds it and until when. No transaction stays
    # open across the refresh request; this lease keeps two processes from refreshing (and
    # spending a rotating refresh token) at once.
    refresh_holder: Mapped[str | None] = mapped_column(String(100), nullable=True)
    refresh_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    updated_at: Mapped[float] = mapped_column(Float, default=_now, onupdate=_now)


class OAuthState(Base):
    """A single-use OAuth2 `state` value; the signed token carries its nonce."""

    __tablename__ = "oauth_states"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # PKCE (RFC 7636): the code verifier sent with the code exchange; its S256 challenge
    # went out with the authorize URL. Only set when the template enables PKCE.
    code_verifier: Mapped[str | None] = mapped_column(String(128), nullable=True)


class AdminToken(Base):
    """An API token for the admin REST API; only its SHA-256 is kept. A named token may
    expire, and is revoked (kept, marked) rather than deleted so listings show its history."""

    __tablename__ = "admin_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AdminSession(Base):
    """A server-side admin-UI session: the cookie holds a random id, this row its SHA-256.

    `username` is None before login (the row then only carries the CSRF token and flash
    messages of a login or agent form). Deleting the row revokes the session.
    """

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SetupCode(Base):
    """A one-time code that opens first-run setup (`ringdesk serve` prints it); hashed."""

    __tablename__ = "admin_setup_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class LoginFailure(Base):
    """A fixed-window counter of failed logins (per account or per client address),
    shared by every ringdesk process through the database."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class AgentLink(Base):
    """The generation of an extension's agent links: raising it revokes every link made
    before (an extension without a row is at generation 0)."""

    __tablename__ = "agent_links"

    extension: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AdminUser(Base):
    """A person who logs in to the admin UI; password hashed with argon2."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float, default=_now)


class Extension(Base):
    """A PBX extension (agent phone)."""

    __tablename__ = "extensions"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")


class HelpdeskUser(Base):
    """A helpdesk user pulled by user sync, maybe tied to an extension (U1–U6)."""

    __tablename__ = "helpdesk_users"
    __table_args__ = (UniqueConstraint("integration_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    extension: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    synced_at: Mapped[float] = mapped_column(Float, default=_now)


class PhonebookEntry(Base):
    """A contact cached from a helpdesk for fast screen pops and caller-ID lookups (C8)."""

    __tablename__ = "phonebook"
    __table_args__ = (
        UniqueConstraint("integration_id", "contact_type", "contact_id", "phone_e164"),
        Index("ix_phonebook_phone", "phone_e164"),
        Index("ix_phonebook_digits", "phone_digits"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    contact_type: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400), default="")
    phone_e164: Mapped[str] = mapped_column(String(40))
    phone_digits: Mapped[str] = mapped_column(String(40))
    popup_url: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[float] = mapped_column(Float, default=_now, onupdate=_now)


class CallEventRow(Base):
    """A call event as received, stored before it is acknowledged (I2)."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40), default="webhook")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[float] = mapped_column(Float, default=_now)
    processed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class OutboxJob(Base):
    """Durable helpdesk work: create contact, call log, ticket (L3)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_claim", "integration_id", "status", "priority", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # 0 = urgent (settling a ringing caller's contact), 1 = normal; claimed in this order.
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The idempotency key of a job that must finish first (a call's log waits for its
    # contact to be settled, issue 13), or None.
    waits_for: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # pending | running | done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=_now)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)
    done_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class RequestLogEntry(Base):
    """One outbound helpdesk request, already redacted (I4)."""

    __tablename__ = "request_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    scenario: Mapped[str] = mapped_column(String(40), default="")
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    request_excerpt: Mapped[str] = mapped_column(Text, default="")
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now, index=True)


class ConcurrencyLease(Base):
    """A slot of a template's cross-process request cap (G3) on PostgreSQL."""

    __tablename__ = "concurrency_leases"

    # The cap's key: a template and the helpdesk account its integration points at (G3).
    template_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100), nullable=True)
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)


class CallMatch(Base):
    """The contact a call was matched to, per integration (C, read by call logs/tickets)."""

    __tablename__ = "call_matches"
    __table_args__ = (UniqueConstraint("integration_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[str] = mapped_column(String(200), index=True)
    contact_type: Mapped[str] = mapped_column(String(100), default="")
    contact_id: Mapped[str] = mapped_column(String(200), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    popup_url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float, default=_now)
