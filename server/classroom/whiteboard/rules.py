"""Who may do what on a whiteboard, decided by the server for every action.

* Teachers and staff in the room are its teachers: they draw, clear pages and give or take the pen.
* Pupils and guests draw (and undo, redo, turn pages) only while they hold the pen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cybercollege.server.core.identity import Identity, Role

if TYPE_CHECKING:
    pass

TEACHERS = (Role.TEACHER, Role.STAFF)


def is_teacher(identity: Identity) -> bool:
    return identity.role in TEACHERS


def may_draw(identity: Identity, pens: set[str]) -> bool:
    """Draw, write, undo, redo and show pages."""
    return is_teacher(identity) or identity.user_id in pens


def may_clear(identity: Identity) -> bool:
    return is_teacher(identity)


def may_give_pen(identity: Identity) -> bool:
    return is_teacher(identity)
