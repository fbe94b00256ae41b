"""A pupil's hands on the keyboard: every action is a key sent through Panda3D's event system.

Nothing here calls the client's internals to move; it only *reads* what a person sees on screen (where my
avatar stands and faces, which room the HUD names, the focused button) to choose the next key. Waypoints
are chosen with the client's pure planners (:func:`cybercollege.client.scripts.route`,
:func:`cybercollege.client.walker.plan_path`),
as a person picks a way by looking; walking them is done with the arrow keys.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from cybercollege.client.scripts import route
from cybercollege.client.session import Session
from cybercollege.client.walker import Walker, plan_path
from cybercollege.protocol.messages import Anim
from cybercollege.worlds import Door, geometry

FORWARD, LEFT, RIGHT = "arrow_up", "arrow_left", "arrow_right"  # client/controls.py KEYS
SIT, HAND = "e", "h"  # client/controls.py Controls.bind
ARRIVED = 0.3  # metres: close enough to a point
AIM = 3.0  # degrees: turning in place stops within this
STEER = 8.0  # degrees: while walking, an error beyond this is corrected with an arrow
REAIM = 60.0  # degrees: beyond this (passed the point, too tight a curve) stop and turn in place
STUCK_FRAMES = 90  # walking frames without getting 5 cm closer
DOOR_FRAMES = 240  # walking frames into an opening before the client must show the next room

log = logging.getLogger("journeys")


async def frames(base, n: int = 1, timeout: float = 10.0) -> None:
    """Wait until ``n`` more frames are rendered (Panda3D's frame counter)."""
    target = base.clock.get_frame_count() + n
    deadline = time.monotonic() + timeout
    while base.clock.get_frame_count() < target:
        if time.monotonic() > deadline:
            raise AssertionError(f"no frame rendered for {timeout} s")
        await asyncio.sleep(0.002)


async def hold(base, key: str, n: int) -> None:
    """Hold ``key`` down for ``n`` frames."""
    base.messenger.send(key)
    try:
        await frames(base, n)
    finally:
        base.messenger.send(f"{key}-up")


async def press(base, key: str) -> None:
    """Press and release ``key`` (down for one frame)."""
    await hold(base, key, 1)


class _Keys:
    """The keys I am holding, so that each is released exactly once."""

    def __init__(self, base) -> None:
        self.base = base
        self.down: set[str] = set()

    def set(self, key: str, on: bool) -> None:
        if on and key not in self.down:
            self.base.messenger.send(key)
            self.down.add(key)
        elif not on and key in self.down:
            self.base.messenger.send(f"{key}-up")
            self.down.discard(key)

    def turn(self, direction: int) -> None:
        """+1 left (heading grows), -1 right, 0 neither."""
        self.set(LEFT, direction > 0)
        self.set(RIGHT, direction < 0)

    def steer(self, err: float) -> None:
        """Correct a heading error while walking: an arrow beyond :data:`STEER`, none within :data:`AIM`."""
        if abs(err) > STEER:
            self.turn(1 if err > 0 else -1)
        elif abs(err) < AIM:
            self.turn(0)

    def release(self) -> None:
        for key in list(self.down):
            self.set(key, False)


def _walker(session: Session) -> Walker:
    view = session.view
    if view is None or view.walker is None:
        raise AssertionError("my avatar is not on screen (no room with geometry)")
    return view.walker


def _where(session: Session) -> str:
    w = _walker(session)
    return f"at ({w.x:.2f}, {w.y:.2f}) heading {w.heading:.0f}° in {w.room.id}"


def _bearing(w: Walker, x: float, y: float) -> float:
    """The heading that faces (x, y): client/view.py's convention, 0 = +y, counter-clockwise."""
    return math.degrees(math.atan2(-(x - w.x), y - w.y)) % 360.0


def _error(heading: float, w: Walker) -> float:
    """How far to turn (degrees, + = left) to face ``heading``."""
    return (heading - w.heading + 180.0) % 360.0 - 180.0


async def turn_to(session: Session, heading: float, max_frames: int = 600) -> None:
    """Turn in place with the arrow keys until facing ``heading`` (within :data:`AIM`, or as close as one
    frame's turn allows when a frame overshoots)."""
    keys, last = _Keys(session.base), None
    try:
        for _ in range(max_frames):
            err = _error(heading, _walker(session))
            if abs(err) < AIM or (last is not None and err * last < 0 and abs(err) < 2 * AIM + 6.0):
                return
            keys.turn(1 if err > 0 else -1)
            last = err
            await frames(session.base)
        raise AssertionError(f"could not turn to {heading:.0f}°: {_where(session)}")
    finally:
        keys.release()


async def walk_to(session: Session, x: float, y: float, within: float = ARRIVED) -> None:
    """Walk in a straight line to (x, y) in my room: face it, hold forward, steer, stop within ``within``."""
    w, keys = _walker(session), _Keys(session.base)
    room, best, still = w.room.id, math.inf, 0
    first, start = session.base.clock.get_frame_count(), time.monotonic()
    if math.hypot(x - w.x, y - w.y) >= within:
        await turn_to(session, _bearing(w, x, y))
    try:
        while (d := math.hypot(x - w.x, y - w.y)) >= within:
            if w.room.id != room:
                raise AssertionError(f"left {room} on the way to ({x:.2f}, {y:.2f}): {_where(session)}")
            err = _error(_bearing(w, x, y), w)
            if abs(err) > REAIM:  # passed beside it, or inside my turning circle: stop and face it
                keys.release()
                await turn_to(session, _bearing(w, x, y))
                continue
            keys.set(FORWARD, True)
            keys.steer(err)
            await frames(session.base)
            best, still = (d, 0) if d < best - 0.05 else (best, still + 1)
            if still > STUCK_FRAMES:
                raise AssertionError(f"stuck {d:.2f} m from ({x:.2f}, {y:.2f}): {_where(session)}")
    finally:
        keys.release()
    await frames(session.base)  # the stop is drawn
    log.info("walked to (%.2f, %.2f) in %s: %d frames, %.1f s, stopped %.2f m away", x, y, room,
             session.base.clock.get_frame_count() - first, time.monotonic() - start, math.hypot(x - w.x, y - w.y))


async def go_to(session: Session, x: float, y: float, within: float = ARRIVED) -> None:
    """Walk to (x, y) in my room around the furniture, leg by leg; the last leg ends within ``within``."""
    w = _walker(session)
    path = plan_path(w.room, (w.x, w.y), (x, y))
    if not path:
        raise AssertionError(f"no way to ({x:.2f}, {y:.2f}): {_where(session)}")
    for i, (px, py) in enumerate(path, 1):
        await walk_to(session, px, py, within if i == len(path) else ARRIVED)


async def through(session: Session, door: Door) -> None:
    """Walk to the door, then into its opening until the client shows me in the room behind it."""
    w = _walker(session)
    here, there = w.room.id, door.other(w.room.id)
    lx, ly, _ = door.landing(here)  # in front of the opening, on my side
    await go_to(session, lx, ly)
    nx, ny = geometry.direction(door.heading if door.rooms[0] == here else door.heading + 180.0)
    beyond = door.x + nx, door.y + ny
    await turn_to(session, _bearing(w, *beyond))
    keys = _Keys(session.base)
    try:
        for _ in range(DOOR_FRAMES):
            if w.room.id == there:
                return
            keys.set(FORWARD, True)
            keys.steer(_error(_bearing(w, *beyond), w))
            await frames(session.base)
        toast = session.hud.toast_text.getText() if session.hud is not None else ""
        raise AssertionError(f"door {door.id} did not take me to {there}: {_where(session)}; toast {toast!r}")
    finally:
        keys.release()


async def go_to_room(session: Session, room_id: str) -> None:
    """Through each door on the way (fewest doors), until the client shows me in ``room_id``."""
    world = session.world
    assert world is not None
    for door_id in route(world, _walker(session).room.id, room_id):
        await through(session, world.doors[door_id])
    await frames(session.base, 2)  # the camera has followed me in
    assert _walker(session).room.id == room_id, _where(session)


async def sit_down(session: Session, max_frames: int = 30) -> None:
    """Press E (sit at the nearest free seat) and wait until I am seated."""
    await press(session.base, SIT)
    for _ in range(max_frames):
        if _walker(session).seated:
            return
        await frames(session.base)
    toast = session.hud.toast_text.getText() if session.hud is not None else ""
    raise AssertionError(f"E did not seat me: {_where(session)}; toast {toast!r}")


async def raise_hand(session: Session, max_frames: int = 30) -> None:
    """Press H and wait until my hand is up."""
    await press(session.base, HAND)
    for _ in range(max_frames):
        if _walker(session).anim == Anim.HAND_UP:
            return
        await frames(session.base)
    raise AssertionError(f"H did not raise my hand: {_where(session)}")


async def log_in(session: Session, login: str, max_tabs: int = 40) -> None:
    """On the login screen: Tab until the demo account's button is focused, then Enter."""
    for _ in range(max_tabs):
        current = session.screen.ring.current
        if current is not None and current["text"] == login:
            await press(session.base, "enter")
            return
        await press(session.base, "tab")
    raise AssertionError(f"no {login!r} button on the login screen after {max_tabs} Tabs")
