"""Classroom: slide pages rendered to PNG, by content hash.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTCDateTime = sa.DateTime(timezone=True)  # stored as UTC (naive UTC on SQLite)


def upgrade() -> None:
    op.create_table(
        "slide_images",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_slide_images")),
    )


def downgrade() -> None:
    op.drop_table("slide_images")
