"""lecture changes (cancel, move) and the cohort's retention end

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lectures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('previous_start', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', app.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_end', sa.Date(), nullable=True))
    # Records written so far are kept at least until the programme end known today.
    op.execute('UPDATE cohorts SET retention_end = programme_end')


def downgrade() -> None:
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('retention_end')
    with op.batch_alter_table('lectures', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('previous_start')
        batch_op.drop_column('change_reason')
