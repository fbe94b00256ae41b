"""Lessons: scheduled lessons (a class, a room, a time, a teacher) and their attendance.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lessons",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("school_uai", sa.String(16), nullable=False),
        sa.Column("class_name", sa.String(64), nullable=False),
        sa.Column("room_id", sa.String(128), nullable=False),
        sa.Column("teacher_id", sa.String(128), nullable=False),
        sa.Column("teacher_name", sa.String(128), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("invitation_id", sa.String(128), nullable=True),
        sa.Column("cancelled", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('"end" > start', name=op.f("ck_lessons_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
    )
    op.create_index(op.f("ix_lessons_teacher_id_start"), "lessons", ["teacher_id", "start"])
    op.create_index(op.f("ix_lessons_school_uai_start"), "lessons", ["school_uai", "start"])
    op.create_index(op.f("ix_lessons_end"), "lessons", ["end"])
    op.create_table(
        "lesson_attendance",
        sa.Column("lesson_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("left", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", "joined", name=op.f("pk_lesson_attendance")),
    )
    op.create_index(op.f("ix_lesson_attendance_user_id"), "lesson_attendance", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_attendance_user_id"), table_name="lesson_attendance")
    op.drop_table("lesson_attendance")
    op.drop_index(op.f("ix_lessons_end"), table_name="lessons")
    op.drop_index(op.f("ix_lessons_school_uai_start"), table_name="lessons")
    op.drop_index(op.f("ix_lessons_teacher_id_start"), table_name="lessons")
    op.drop_table("lessons")
