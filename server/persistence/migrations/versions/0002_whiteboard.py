"""Whiteboards: operation log and snapshots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTCDateTime = sa.DateTime(timezone=True)  # stored as UTC (naive UTC on SQLite)


def upgrade() -> None:
    op.create_table(
        "board_ops",
        sa.Column("board_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("board_id", "seq", name=op.f("pk_board_ops")),
    )
    op.create_table(
        "board_snapshots",
        sa.Column("board_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("board_id", name=op.f("pk_board_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("board_snapshots")
    op.drop_table("board_ops")
