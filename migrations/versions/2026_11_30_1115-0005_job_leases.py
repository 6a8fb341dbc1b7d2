"""job leases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 11:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_expires_at', app.db.UTCDateTime(timezone=True), nullable=True))
    # Jobs left 'running' by a worker that died before leases existed: claimable at once.
    op.execute("UPDATE jobs SET lease_expires_at = started_at WHERE status = 'running'")


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
