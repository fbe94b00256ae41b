"""Initial schema: places, chat, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTCDateTime = sa.DateTime(timezone=True)  # stored as UTC (naive UTC on SQLite)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite only auto-increments INTEGER keys


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("room_id", sa.String(128), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("heading", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_places")),
    )
    op.create_table(
        "chat",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(128), nullable=True),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("(room_id IS NULL) <> (recipient IS NULL)", name=op.f("ck_chat_room_xor_recipient")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat")),
    )
    op.create_index(op.f("ix_chat_room_id_created_at"), "chat", ["room_id", "created_at"])
    op.create_index(op.f("ix_chat_created_at"), "chat", ["created_at"])
    op.create_table(
        "audit",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=True),
        sa.Column("room_id", sa.String(128), nullable=True),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index(op.f("ix_audit_user_id_at"), "audit", ["user_id", "at"])
    op.create_index(op.f("ix_audit_at"), "audit", ["at"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("chat")
    op.drop_table("places")
