"""« Mes classes »: the teacher's classes (from her identity), each with its room in the world and its downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cybercollege.server.core.identity import Role
from cybercollege.server.core.room import Room
from cybercollege.server.portal.pages import Context, page


@dataclass(frozen=True, slots=True)
class ClassRoom:
    """A room whose access lists the class, and where its files are."""

    id: str
    name: str
    attendance: str
    boards: tuple[tuple[str, str], ...]
    """``(label, PDF export URL)`` of each of its whiteboards."""


@dataclass(frozen=True, slots=True)
class SchoolClass:
    name: str
    rooms: tuple[ClassRoom, ...]


@page("GET", "/portal/classes", template="classes.html", nav="nav.classes")
async def classes(ctx: Context) -> dict[str, Any]:
    """Her classes, in the order of her ENT; the school's staff see every class the world's rooms admit."""
    rooms = [room for room in ctx.portal.world.rooms.values() if room.spec.access.policy == "class"]
    me = ctx.me
    names = me.classes if me.role is Role.TEACHER else sorted({c for r in rooms for c in r.spec.access.classes})
    found = [SchoolClass(name, tuple(_room(r, ctx.lang) for r in rooms if name in r.spec.access.classes))
             for name in names]  # fmt: skip
    return {"classes": found}


def _room(room: Room, lang: str) -> ClassRoom:
    rid = quote(room.id, safe="")
    many = len(room.spec.whiteboards) > 1
    boards = tuple(
        (f"{room.spec.name} {n}" if many else room.spec.name, f"/api/boards/{quote(b.id, safe='')}/export.pdf")
        for n, b in enumerate(room.spec.whiteboards, 1)
    )
    return ClassRoom(room.id, room.spec.name, f"/api/rooms/{rid}/attendance.csv?lang={lang}", boards)
