"""record exports prepared in the background

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_record_exports_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_record_exports_cooperative_id_cooperatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_exports")),
    )
    op.create_index(
        op.f("ix_record_exports_cohort_id"), "record_exports", ["cohort_id"], unique=False
    )
    op.create_index(
        op.f("ix_record_exports_cooperative_id"),
        "record_exports",
        ["cooperative_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_record_exports_cooperative_id"), table_name="record_exports")
    op.drop_index(op.f("ix_record_exports_cohort_id"), table_name="record_exports")
    op.drop_table("record_exports")
