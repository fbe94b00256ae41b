"""Conferences in the world: whoever is in a conference room (the amphitheatre) takes part in its
conference, and the room's conference messages go to the media forwarder (server/conference/).

Teachers allowed in the room are hosts; everyone else (pupils, admitted guests) starts in the audience and
speaks when a host gives them the floor. Each participant has one task that feeds its messages to the
forwarder in order and relays what the forwarder sends on its own (subscribe offers, track lists...).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from protocol import ErrorCode, encode
from protocol.conference import (
    ConfFloor,
    ConfIce,
    ConfLeft,
    ConfMute,
    ConfPublish,
    ConfRecord,
    ConfRemove,
    ConfSubscribeAnswer,
    ConfUnpublish,
)
from protocol.conference import Role as ConfRole
from server.conference import Sfu
from server.identity import Role

if TYPE_CHECKING:
    from server.avatar import Avatar
    from server.room import Room
    from server.session import Session
    from server.world import World

log = logging.getLogger("cybercollege.conference")

REQUESTS = (ConfPublish, ConfSubscribeAnswer, ConfUnpublish, ConfFloor, ConfMute, ConfRemove, ConfRecord)


@dataclass
class Attendance:
    """One avatar's participation: its message queue and the task that serves it."""

    room: str
    inbox: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class Conferencing:
    def __init__(self, world: World, sfu: Sfu) -> None:
        self.world = world
        self.sfu = sfu
        self.attending: dict[int, Attendance] = {}
        for room in world.rooms.values():
            if room.spec.access.policy == "conference":
                room.hooks.append(self)
        for kind in REQUESTS:
            world.handlers[kind] = self.request

    # --- room hooks ---------------------------------------------------------------------------------

    def entered(self, a: Avatar, room: Room) -> None:
        config = self.sfu.config
        _push(a, ConfIce(list(config.ice_urls), config.ice_username or "", config.ice_credential or ""))
        attendance = Attendance(room.id)
        self.attending[a.id] = attendance
        attendance.task = asyncio.get_running_loop().create_task(self._serve(a, room, attendance))

    def left(self, a: Avatar, room: Room) -> None:
        attendance = self.attending.pop(a.id, None)
        if attendance is not None and attendance.task is not None:
            attendance.task.cancel()
        asyncio.get_running_loop().create_task(self.sfu.leave(room.id, a.id))

    def resumed(self, a: Avatar, room: Room) -> None:
        """A new connection lost the old one's peer connections: start again."""
        self.left(a, room)
        self.entered(a, room)

    # --- messages -----------------------------------------------------------------------------------

    def request(self, a: Avatar, s: Session, msg: Any) -> None:
        attendance = self.attending.get(a.id)
        if attendance is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "pas de conférence dans cette salle", msg.__protocol__.code)
            return
        attendance.inbox.put_nowait(msg)

    async def _serve(self, a: Avatar, room: Room, attendance: Attendance) -> None:
        role = ConfRole.HOST if _hosts(a, room) else ConfRole.AUDIENCE
        participant = None
        try:
            if room.id in self.sfu.conferences and a.id in self.sfu.conferences[room.id].participants:
                await self.sfu.leave(room.id, a.id)  # a resumed connection: leave the old one first
            participant = await self.sfu.join(room.id, a.id, role, a.identity.display_name)
            relay = asyncio.create_task(self._relay(a, participant.outbox))
            try:
                while True:
                    msg = await attendance.inbox.get()
                    for reply in await participant.handle(msg):
                        _push(a, reply)
            finally:
                relay.cancel()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("conference participant failed", extra={"user": a.identity.user_id})
            _push_error(a, "la conférence a rencontré une erreur")

    async def _relay(self, a: Avatar, outbox: asyncio.Queue[Any]) -> None:
        while True:
            msg = await outbox.get()
            _push(a, msg)
            if isinstance(msg, ConfLeft) and msg.participant == a.id and msg.removed:
                self.world.send_out(a)  # a host removed them from the conference: out of the room too

    async def close(self) -> None:
        for attendance in self.attending.values():
            if attendance.task is not None:
                attendance.task.cancel()
        tasks = [t.task for t in self.attending.values() if t.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        self.attending.clear()
        with contextlib.suppress(Exception):
            await self.sfu.close()


def _hosts(a: Avatar, room: Room) -> bool:
    role = a.identity.role
    return role is Role.STAFF or (role is Role.TEACHER and room.allows(a.identity))


def _push(a: Avatar, msg: Any) -> None:
    if a.session is not None:
        a.session.push(encode(msg))


def _push_error(a: Avatar, text: str) -> None:
    if a.session is not None:
        a.session.error(ErrorCode.INTERNAL, text)
