"""Collèges as tenants: every durable row carries its collège (the world's id), in the key where the key was a
board, a slide or a user alone; existing rows go to the collège of the process that migrates.

Several collèges share one database (docs/scaling.md): the same board id "salle-103-tableau" of two copies of
the default world are two boards. By hand, name the collège of the existing rows:
``alembic -c server/persistence/alembic.ini -x url=URL -x college=WORLD_ID upgrade head``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_COLLEGE = "college-jean-moulin"
"""The default world's id: the collège of existing rows when nobody names one (a single-collège install)."""
KEYED = {
    "places": ("user_id",),
    "board_ops": ("board_id", "seq"),
    "board_snapshots": ("board_id",),
    "slide_images": ("sha256",),
}
"""Tables whose primary key gains the collège in front."""
TAGGED = ("chat", "audit", "invitations", "lessons")
"""Tables whose rows gain the collège beside their own unique id."""


def college_of_rows() -> str:
    """The collège of the existing rows: the migrating server's world, else ``-x college=``, else the default."""
    given = context.config.attributes.get("college") or context.get_x_argument(as_dictionary=True).get("college")
    return str(given or DEFAULT_COLLEGE)


def upgrade() -> None:
    college = college_of_rows()
    for table in (*KEYED, *TAGGED):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("college", sa.String(64), nullable=True))
        op.execute(sa.text(f'UPDATE "{table}" SET college = :college').bindparams(college=college))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("college", existing_type=sa.String(64), nullable=False)
            if table in KEYED:
                batch.drop_constraint(f"pk_{table}", type_="primary")
                batch.create_primary_key(f"pk_{table}", ["college", *KEYED[table]])
    op.drop_index(op.f("ix_chat_room_id_created_at"), table_name="chat")
    op.create_index(op.f("ix_chat_college_room_id_created_at"), "chat", ["college", "room_id", "created_at"])
    op.create_index(op.f("ix_audit_college_id"), "audit", ["college", "id"])
    op.create_index(op.f("ix_invitations_college"), "invitations", ["college"])
    op.create_index(op.f("ix_lessons_college_start"), "lessons", ["college", "start"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lessons_college_start"), table_name="lessons")
    op.drop_index(op.f("ix_invitations_college"), table_name="invitations")
    op.drop_index(op.f("ix_audit_college_id"), table_name="audit")
    op.drop_index(op.f("ix_chat_college_room_id_created_at"), table_name="chat")
    op.create_index(op.f("ix_chat_room_id_created_at"), "chat", ["room_id", "created_at"])
    for table in (*KEYED, *TAGGED):
        with op.batch_alter_table(table) as batch:
            if table in KEYED:
                batch.drop_constraint(f"pk_{table}", type_="primary")
                batch.create_primary_key(f"pk_{table}", list(KEYED[table]))
            batch.drop_column("college")
