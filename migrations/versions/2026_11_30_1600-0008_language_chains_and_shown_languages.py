"""language chains of cohorts and trainees, the languages a record's slides were shown in

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fallback_languages', sa.JSON(), server_default='["en"]', nullable=False)
        )
    with op.batch_alter_table('trainees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fallback_languages', sa.JSON(), nullable=True))
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('slide_languages', sa.JSON(), server_default='{}', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_column('slide_languages')
    with op.batch_alter_table('trainees', schema=None) as batch_op:
        batch_op.drop_column('fallback_languages')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('fallback_languages')
