"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:07:34.127460

TEMPORARY while the first release is being built: the schema comes from the ORM metadata.
It is frozen into explicit operations (alembic autogenerate) before anything is released.
"""

from __future__ import annotations

from alembic import op

from ringdesk.store.tables import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
