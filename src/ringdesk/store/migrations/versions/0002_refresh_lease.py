"""A lease for token refreshes in progress (no transaction open across the refresh request).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.add_column(sa.Column("refresh_holder", sa.String(100), nullable=True))
        batch.add_column(sa.Column("refresh_until", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("refresh_until")
        batch.drop_column("refresh_holder")
