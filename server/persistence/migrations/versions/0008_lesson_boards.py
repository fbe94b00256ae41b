"""Lessons keep their room's boards as they were at the lesson's end (its PDF on the lesson's page).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_boards",
        sa.Column("lesson_id", sa.String(128), nullable=False),
        sa.Column("board_id", sa.String(128), nullable=False),
        sa.Column("college", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lesson_id", "board_id", name=op.f("pk_lesson_boards")),
    )


def downgrade() -> None:
    op.drop_table("lesson_boards")
