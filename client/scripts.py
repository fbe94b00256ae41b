"""Scripted runs for headless use, tests and screenshots: ``--script NAME``.

A script drives my avatar with the same controls and collisions as a person would (autopilot on planned
waypoints, doors used by walking into them).
"""

from __future__ import annotations

import asyncio
import base64
import json

from cybercollege.client.walker import plan_path
from cybercollege.worlds import Room, World, geometry


async def go(session, x: float, y: float) -> None:
    """Walk to (x, y) in the current room, around furniture."""
    view = session.view
    w = view.walker
    path = plan_path(w.room, (w.x, w.y), (x, y))
    if not path:
        raise RuntimeError(f"no way to ({x}, {y}) in {w.room.id}")
    for px, py in path:
        await view.walk_to(px, py)


async def through(session, door_id: str) -> None:
    """Walk through a door of the current room and wait until the server moved me."""
    view = session.view
    room = view.walker.room
    door = session.world.doors[door_id]
    target = door.other(room.id)
    lx, ly, _ = door.landing(room.id)
    await go(session, lx, ly)
    nx, ny = geometry.direction(door.heading)
    if door.rooms[1] == room.id:
        nx, ny = -nx, -ny
    walking = asyncio.ensure_future(view.walk_to(door.x + nx, door.y + ny, timeout=6.0))
    await session.conn.wait_for(lambda m: m.room == target, timeout=6.0)
    await asyncio.gather(walking, return_exceptions=True)


def route(world, start: str, goal: str) -> list[str]:
    """The doors to walk through from room ``start`` to room ``goal`` (fewest doors first)."""
    previous: dict[str, tuple[str, str] | None] = {start: None}
    queue = [start]
    while queue:
        room = queue.pop(0)
        for door in world.rooms[room].doors:
            nxt = door.other(room)
            if nxt not in previous:
                previous[nxt] = (room, door.id)
                queue.append(nxt)
    if goal not in previous:
        raise RuntimeError(f"no way from {start} to {goal}")
    doors, step = [], previous[goal]
    while step is not None:
        room, door_id = step
        doors.append(door_id)
        step = previous[room]
    return doors[::-1]


def classes_in(token: str) -> list[str]:
    """The classes a session token says I am in (its ``cls`` claim; read, not verified: the server checks
    every door anyway)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return [str(c) for c in claims.get("cls", [])]
    except (IndexError, AttributeError, TypeError, ValueError):
        return []


def class_room(world: World, classes: list[str]) -> Room | None:
    """My class's room: the first room open to one of my classes (there is no timetable in the world)."""
    for room in world.rooms.values():
        if room.access.policy == "class" and set(room.access.classes) & set(classes):
            return room
    return None


async def go_to_room(session, room_id: str) -> None:
    """Walk through the rooms on the way to ``room_id``."""
    for door_id in route(session.world, session.view.walker.room.id, room_id):
        await through(session, door_id)


async def sit_at(session, seat_id: str) -> None:
    """Walk to a seat and sit down on it."""
    view = session.view
    seat = view.walker.room.seat(seat_id)
    await go(session, seat.x, seat.y)
    view.walker.sit(seat)
    view.send_now()


async def walk_to_salle_103(session) -> None:
    await go_to_room(session, "salle-103")
    await sit_at(session, "salle-103-b-2-2")
    await asyncio.sleep(0.3)
    session.view.toggle_hand()
    await session.conn.say("Bonjour ! J'ai une question.")
    await asyncio.sleep(0.5)


async def amphi(session) -> None:
    await go_to_room(session, "amphi")
    await sit_at(session, "amphi-g-3-5")
    await asyncio.sleep(0.5)


async def hall(session) -> None:
    await go_to_room(session, "hall")
    await go(session, 8.0, 4.2)
    session.view.walker.heading = 0.0
    await asyncio.sleep(0.5)


async def idle(session) -> None:
    await asyncio.sleep(1.0)


SCRIPTS = {"walk-to-salle-103": walk_to_salle_103, "amphi": amphi, "hall": hall, "idle": idle}


async def run(name: str, session) -> None:
    if name not in SCRIPTS:
        raise ValueError(f"unknown script {name!r}; known: {', '.join(SCRIPTS)}")
    await SCRIPTS[name](session)
