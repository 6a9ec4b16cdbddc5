"""The order of a call's work and fair claims: outbox jobs get a priority and may wait for
another job (a call's log waits for its contact); integration ids are never reused on
SQLite (AUTOINCREMENT); the cap's slot keys get room for per-account keys.

Revision ID: 0003_call_work
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_call_work"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("waits_for", sa.String(300), nullable=True))
        batch.create_index(
            "ix_outbox_claim", ["integration_id", "status", "priority", "next_attempt_at", "id"]
        )
    # A deleted integration's id must never come back: its buffered request-log rows and
    # queued jobs would attach to the new one. PostgreSQL sequences never reuse ids.
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "integrations", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    with op.batch_alter_table("concurrency_leases") as batch:
        batch.alter_column("template_id", type_=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("concurrency_leases") as batch:
        batch.alter_column("template_id", type_=sa.String(64), existing_nullable=False)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_claim")
        batch.drop_column("waits_for")
        batch.drop_column("priority")
