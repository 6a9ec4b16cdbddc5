"""The outcome of an integration's last contact sync (issue 13): a sync that fails in the
background (a template that does not render, a helpdesk that refuses) is shown on the
integration instead of only being logged.

Revision ID: 0005_contactsync
Revises: 0003_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_contactsync"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.add_column(sa.Column("contact_sync", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("contact_sync")
