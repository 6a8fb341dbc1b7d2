"""lecturer profile history, audit summaries as messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lecturer_profile_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("qualification", sa.String(length=40), nullable=False),
        sa.Column("registration_number", sa.String(length=50), nullable=False),
        sa.Column("affiliations", sa.JSON(), nullable=False),
        sa.Column("replaced_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["users.id"],
            name=op.f("fk_lecturer_profile_versions_replaced_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lecturer_profile_versions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lecturer_profile_versions")),
    )
    with op.batch_alter_table("lecturer_profile_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lecturer_profile_versions_user_id"), ["user_id"], unique=False
        )
    with op.batch_alter_table("lecturer_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("params", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("params")
        batch_op.drop_column("message")
    with op.batch_alter_table("lecturer_profiles", schema=None) as batch_op:
        batch_op.drop_column("valid_from")
    with op.batch_alter_table("lecturer_profile_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lecturer_profile_versions_user_id"))
    op.drop_table("lecturer_profile_versions")
