"""Session tokens: revoked sessions and disabled users survive a restart.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revocations",
        sa.Column("sid", sa.String(128), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_revocations")),
    )
    op.create_index(op.f("ix_revocations_until"), "revocations", ["until"])
    op.create_table(
        "disabled_users",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_disabled_users")),
    )


def downgrade() -> None:
    op.drop_table("disabled_users")
    op.drop_index(op.f("ix_revocations_until"), table_name="revocations")
    op.drop_table("revocations")
