"""Security hardening (issue 14): server-side admin sessions, one-time setup codes, login
failure counters, named/expiring/revocable admin tokens, agent-link generations and the PKCE
code verifier of an OAuth2 state.

Revision ID: 0003_security
Revises: 0003_call_work
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_security"
down_revision = "0003_call_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("admin_tokens") as batch:
        batch.alter_column("label", new_column_name="name", existing_type=sa.String(200))
        batch.add_column(sa.Column("expires_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.Float(), nullable=True))
    with op.batch_alter_table("oauth_states") as batch:
        batch.add_column(sa.Column("code_verifier", sa.String(128), nullable=True))
    op.create_table(
        "admin_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("admin_sessions") as batch:
        batch.create_index(batch.f("ix_admin_sessions_username"), ["username"], unique=False)
        batch.create_index(batch.f("ix_admin_sessions_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "admin_setup_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_failures") as batch:
        batch.create_index(batch.f("ix_login_failures_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "agent_links",
        sa.Column("extension", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("extension"),
    )


def downgrade() -> None:
    op.drop_table("agent_links")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_index(batch.f("ix_login_failures_expires_at"))
    op.drop_table("login_failures")
    op.drop_table("admin_setup_codes")
    with op.batch_alter_table("admin_sessions") as batch:
        batch.drop_index(batch.f("ix_admin_sessions_expires_at"))
        batch.drop_index(batch.f("ix_admin_sessions_username"))
    op.drop_table("admin_sessions")
    with op.batch_alter_table("oauth_states") as batch:
        batch.drop_column("code_verifier")
    with op.batch_alter_table("admin_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
        batch.alter_column("name", new_column_name="label", existing_type=sa.String(200))
