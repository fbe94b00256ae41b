"""The local avatar's movement, predicted on the client (sans I/O, no Panda3D).

Moves are checked with the same world geometry as the server (``room.segment_allowed``), sliding along
walls; walking into a door opening asks to go through it. The server stays the authority: a correction
or a new room simply resets the position.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from cybercollege.protocol.messages import Anim
from cybercollege.worlds import Door, Room, Seat, geometry

WALK_SPEED = 2.5  # m/s
RUN_SPEED = 4.5
TURN_SPEED = 120.0  # degrees/s with the keyboard
DOOR_TRIGGER = 0.7  # metres from the opening
SEAT_REACH = 1.6
SEAT_TAKEN = 0.35


@dataclass
class Walker:
    """Where I am and what I am doing, as I predict it."""

    room: Room
    x: float
    y: float
    heading: float
    anim: int = Anim.IDLE
    seated: bool = False

    def place(self, room: Room, x: float, y: float, heading: float) -> None:
        """Server says: I am here (welcome, room change, correction)."""
        self.room, self.x, self.y, self.heading = room, x, y, heading
        self.seated = False
        if self.anim != Anim.HAND_UP:
            self.anim = Anim.IDLE

    def step(self, dt: float, forward: float, strafe: float, turn: float, run: bool = False) -> Door | None:
        """Advance by ``dt`` seconds; returns a door when walking into its opening."""
        self.heading = (self.heading + turn * TURN_SPEED * dt) % 360.0
        if not forward and not strafe:
            if self.anim in (Anim.WALK, Anim.RUN):
                self.anim = Anim.IDLE
            return None
        fx, fy = geometry.direction(self.heading)
        rx, ry = fy, -fx  # to the right
        dx, dy = forward * fx + strafe * rx, forward * fy + strafe * ry
        norm = math.hypot(dx, dy)
        speed = (RUN_SPEED if run else WALK_SPEED) * dt / norm
        dx, dy = dx * speed, dy * speed
        self.anim, self.seated = (Anim.RUN if run else Anim.WALK), False
        door = self.door_ahead(dx, dy)
        for mx, my in ((dx, dy), (dx, 0.0), (0.0, dy)):  # straight, else slide along the wall
            if self.room.segment_allowed(self.x, self.y, self.x + mx, self.y + my):
                self.x, self.y = self.x + mx, self.y + my
                break
        return door

    def door_ahead(self, dx: float, dy: float) -> Door | None:
        """The door whose opening I am walking into, if any."""
        for door in self.room.doors:
            if door.distance_to(self.x, self.y) > DOOR_TRIGGER:
                continue
            nx, ny = geometry.direction(door.heading)
            if door.rooms[1] == self.room.id:  # the door's heading points into this room
                nx, ny = -nx, -ny
            length = math.hypot(dx, dy)
            if length and (dx * nx + dy * ny) / length > 0.3:
                return door
        return None

    def nearest_seat(self, others: list[tuple[float, float]]) -> Seat | None:
        """The closest free seat I can reach in a straight line."""
        best, best_d = None, SEAT_REACH
        for seat in self.room.seats:
            d = math.hypot(seat.x - self.x, seat.y - self.y)
            if d >= best_d or any(math.hypot(seat.x - ox, seat.y - oy) < SEAT_TAKEN for ox, oy in others):
                continue
            if self.room.segment_allowed(self.x, self.y, seat.x, seat.y):
                best, best_d = seat, d
        return best

    def sit(self, seat: Seat) -> None:
        self.x, self.y, self.heading, self.anim, self.seated = seat.x, seat.y, seat.heading, Anim.SIT, True

    def stand(self) -> None:
        self.anim, self.seated = Anim.IDLE, False

    def toggle_hand(self) -> None:
        if self.anim == Anim.HAND_UP:
            self.anim = Anim.SIT if self.seated else Anim.IDLE
        else:
            self.anim = Anim.HAND_UP


def plan_path(room: Room, start: tuple[float, float], goal: tuple[float, float],
              step: float = 0.25) -> list[tuple[float, float]]:
    """Waypoints from ``start`` to ``goal`` inside ``room`` (A* on a grid, straight legs merged).

    Empty when there is no way. Used by scripted runs and click-to-walk.
    """
    if room.segment_allowed(*start, *goal):
        return [goal]
    x0, y0 = room.bounds[0], room.bounds[1]

    def cell(p: tuple[float, float]) -> tuple[int, int]:
        return round((p[0] - x0) / step), round((p[1] - y0) / step)

    def point(c: tuple[int, int]) -> tuple[float, float]:
        return x0 + c[0] * step, y0 + c[1] * step

    begin, end = cell(start), cell(goal)
    frontier = [(0.0, begin)]
    came: dict[tuple[int, int], tuple[int, int] | None] = {begin: None}
    cost = {begin: 0.0}
    while frontier:
        _, c = heapq.heappop(frontier)
        if c == end:
            break
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
            n = (c[0] + dx, c[1] + dy)
            a = start if c == begin else point(c)
            if not room.segment_allowed(*a, *point(n)):
                continue
            new = cost[c] + math.hypot(dx, dy)
            if new < cost.get(n, math.inf):
                cost[n], came[n] = new, c
                heapq.heappush(frontier, (new + math.dist(n, end), n))
    if end not in came:
        return []
    path = [goal]
    back = came[end]
    while back is not None and back != begin:
        path.append(point(back))
        back = came[back]
    path.reverse()
    return _merge(room, start, path)


Pt = tuple[float, float]


def _merge(room: Room, start: Pt, path: list[Pt]) -> list[Pt]:
    """Drop waypoints that a straight line can skip."""
    merged, here, i = [], start, 0
    while i < len(path):
        j = len(path) - 1
        while j > i and not room.segment_allowed(*here, *path[j]):
            j -= 1
        merged.append(path[j])
        here, i = path[j], j + 1
    return merged
