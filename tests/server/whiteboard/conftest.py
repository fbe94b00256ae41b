"""Helpers: walk real clients into salle-103 (as in test_world_flow), or seat them there directly."""

from __future__ import annotations

import asyncio

import pytest

from cybercollege import worlds
from cybercollege.client.network import WorldConnection
from cybercollege.protocol.whiteboard import StrokeBegin
from cybercollege.server.classroom.whiteboard.host import BoardHost
from cybercollege.server.classroom.whiteboard.journal import Journal
from cybercollege.server.classroom.whiteboard.outbox import Outbox
from cybercollege.server.core.avatar import Avatar
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.services import Services

BOARD = "tableau-103"
ROOM = "salle-103"
WORLD = worlds.load_world(worlds.default_world_path())


async def walk_to(conn: WorldConnection, x: float, y: float, speed: float = 4.5) -> None:
    """Walk in a straight line at ``speed`` m/s (20 moves a second)."""
    sx, sy, _ = conn.mirror.position
    steps = max(1, int(((x - sx) ** 2 + (y - sy) ** 2) ** 0.5 / (speed / 20)))
    for i in range(1, steps + 1):
        await conn.move(sx + (x - sx) * i / steps, sy + (y - sy) * i / steps)
        await asyncio.sleep(0.05)


async def go_through(conn: WorldConnection, door_id: str) -> None:
    door = WORLD.doors[door_id]
    here = conn.mirror.room
    lx, ly, _ = door.landing(here)
    await walk_to(conn, lx, ly)
    await conn.use_door(door_id)
    target = door.rooms[1] if door.rooms[0] == here else door.rooms[0]
    await conn.wait_for(lambda m: m.room == target)


async def walk_into_classroom(conn: WorldConnection) -> None:
    """From where she is (the hall, or where she was when the server stopped: its place checkpoint) to salle-103
    on foot, then wait for the whole board."""
    if conn.mirror.room == "hall":
        await go_through(conn, "hall-couloir")
    if conn.mirror.room == "couloir":
        await go_through(conn, "porte-103")
    await board_ready(conn)


async def seat(conn: WorldConnection, services: Services) -> None:
    """Put ``conn``'s avatar in salle-103 at once (the room's access rule is still checked)."""
    world = services.world
    a = world.avatars[conn.mirror.me]
    room = world.rooms[ROOM]
    room.on_auth(a.identity)
    world.move_to(a, room, room.spec.spawn_points[0])
    await conn.wait_for(lambda m: m.room == ROOM)
    await board_ready(conn)


async def board_ready(conn: WorldConnection, timeout: float = 5.0) -> None:
    await conn.wait_for(lambda m: BOARD in m.boards and len(m.boards[BOARD].items) >= m.boards[BOARD].expected, timeout)


def error_codes(conn: WorldConnection) -> list[int]:
    return [e.code for e in conn.mirror.errors]


def stroke(n: int = 20, x0: int = 1000, y0: int = 1000) -> list[int]:
    """A diagonal stroke of ``n`` points."""
    return [v for i in range(n) for v in (x0 + 10 * i, y0 + 5 * i)]


def avatar(aid: int, role: Role) -> Avatar:
    identity = Identity(f"demo:{role.value}{aid}", f"{role.value} {aid}", role, "demo")
    return Avatar(aid, identity, None, 0.0, 0.0, 0.0)  # type: ignore[arg-type]


@pytest.fixture
def host() -> BoardHost:
    """salle-103's board alone, in memory, without a network: for the roles nobody can log in as."""
    spec = WORLD.rooms["salle-103"].whiteboards[0]
    return BoardHost(spec, {}, Journal(None), Outbox())


def begin(cid: int = 1) -> StrokeBegin:
    return StrokeBegin(BOARD, cid, 0, 0, 0, 30, [1, 1])
