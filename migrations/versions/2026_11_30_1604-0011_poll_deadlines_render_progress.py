"""poll deadlines and render progress

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:04:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_at', app.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('deck_imports', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rendered_pages', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('deck_imports', schema=None) as batch_op:
        batch_op.drop_column('rendered_pages')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_column('closes_at')
