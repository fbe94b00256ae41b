"""Conferences in the world: whoever is in a conference room (the amphitheatre) takes part in its
conference, and so does whoever is in a room a host included in it (``CONF_LINK``: a classroom, the CDI,
the hall...). The room's conference messages go to the media forwarder (server/conference/).

Staff and the teachers a room admits are hosts; everyone else (pupils, admitted guests) starts in the
audience and speaks when a host gives them the floor; a host may make a guest the guest host of her
invitation's guests. Each participant has one task that feeds its messages to the forwarder in order and
relays what the forwarder sends on its own (subscribe offers, track lists...). Included rooms stay included
until a host leaves them out, or until no host is left in the conference. A guest a host removes goes back
to the lobby; whoever's world connection drops stops publishing at the next second's check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.conference import (
    MAX_LINKED_ROOMS,
    ConferenceRole,
    ConfFloor,
    ConfLeft,
    ConfLink,
    ConfMute,
    ConfPublish,
    ConfRecord,
    ConfRemove,
    ConfRooms,
    ConfSubscribeAnswer,
    ConfUnpublish,
)
from cybercollege.protocol.messages import schema_of
from cybercollege.server.conference import Sfu
from cybercollege.server.conference.personal import Recordings
from cybercollege.server.core.feature import Feature, Handler

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.room import Room
    from cybercollege.server.core.session import Session

log = logging.getLogger("cybercollege.conference")

Refusal = tuple[ErrorCode, str]

REQUESTS = (ConfPublish, ConfSubscribeAnswer, ConfUnpublish, ConfFloor, ConfMute, ConfRemove, ConfRecord)
MAX_QUEUED = 32
"""Conference messages of one participant waiting for the forwarder; more are refused (``RATE_LIMITED``)."""


@dataclass
class Attendance:
    """One avatar's participation: the conference, the room it takes part from, its message queue and
    the task that serves it."""

    conference: str
    room: str
    inbox: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class Conferencing(Feature):
    """The world side of the conferences: who takes part from which room, and their messages to the SFU."""

    name = "conference"

    def __init__(self, sfu: Sfu) -> None:
        self.sfu = sfu
        self.attending: dict[int, Attendance] = {}
        self.links: dict[str, str] = {}
        """Included room id -> the conference (its own room id) it takes part in."""
        self._leaving: dict[int, asyncio.Task[None]] = {}
        self._kept: dict[int, ConferenceRole] = {}
        """Roles given by a host (speaker, guest host) kept across a resume."""

    def handlers(self) -> Mapping[type, Handler]:
        return {**dict.fromkeys(REQUESTS, self.request), ConfLink: self.link}

    def personal_data(self) -> list[Recordings]:
        return [Recordings(self.sfu.config.recordings_dir)]

    def conference_of(self, room: Room) -> str | None:
        """The conference whoever is in ``room`` takes part in, if any."""
        if room.spec.access.policy == "conference":
            return room.id
        return self.links.get(room.id)

    def rooms_of(self, conference: str) -> list[str]:
        """The rooms included in ``conference`` (its own room not counted), in the order they were included."""
        return [room for room, conf in self.links.items() if conf == conference]

    # --- arrivals and departures -------------------------------------------------------------------

    def joined(self, a: Avatar, room: Room) -> None:
        conference = self.conference_of(room)
        if conference is None:
            return
        _push(a, self.sfu.config.ice_for(str(a.id)))  # with ice_secret: credentials of its own, time-limited
        attendance = Attendance(conference, room.id)
        self.attending[a.id] = attendance
        attendance.task = asyncio.get_running_loop().create_task(self._serve(a, room, attendance))

    def left(self, a: Avatar, room: Room) -> None:
        attendance = self.attending.pop(a.id, None)
        if attendance is None:
            return
        if attendance.task is not None:
            attendance.task.cancel()
        previous = self._leaving.get(a.id)
        task = asyncio.get_running_loop().create_task(self._leave(attendance.conference, a.id, previous))
        self._leaving[a.id] = task
        task.add_done_callback(lambda t: self._leaving.pop(a.id, None) if self._leaving.get(a.id) is t else None)
        if not any(self.world.rooms[t.room].teaches(m.identity) for m, t in self._attendees(attendance.conference)):
            self._drop_links(attendance.conference)

    def resumed(self, a: Avatar, room: Room) -> None:
        """A new connection lost the old one's peer connections: start again, with the floor she had."""
        attendance = self.attending.get(a.id)
        if attendance is not None:
            conf = self.sfu.conferences.get(attendance.conference)
            participant = conf.participants.get(a.id) if conf is not None else None
            if participant is not None and participant.role is not ConferenceRole.AUDIENCE:
                self._kept[a.id] = participant.role
            self.left(a, room)
        self.joined(a, room)

    async def _leave(self, conference: str, avatar_id: int, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await previous
        await self.sfu.leave(conference, avatar_id)

    # --- including rooms ----------------------------------------------------------------------------

    def link(self, a: Avatar, s: Session, msg: ConfLink) -> None:
        """``CONF_LINK``: a host includes a room in their conference, or leaves it out."""
        code = schema_of(ConfLink).code
        attendance = self.attending.get(a.id)
        if attendance is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "pas de conférence dans cette salle", code)
            return
        conference = attendance.conference
        if a.identity.is_guest:
            s.error(ErrorCode.ACCESS_DENIED, "un invité ne peut pas inclure de salle dans la conférence", code)
            return
        if not self.world.rooms[attendance.room].teaches(a.identity):
            s.error(ErrorCode.ACCESS_DENIED, "seul l'hôte de la conférence peut y inclure une salle", code)
            return
        room = self.world.rooms.get(msg.room)
        refusal = self._link_refusal(a, conference, room, msg.linked)
        if refusal is not None:
            s.error(refusal[0], refusal[1], code)
            return
        assert room is not None
        if msg.linked and self.links.get(room.id) != conference:
            self.links[room.id] = conference
            log.info("room included", extra={"room": room.id, "conference": conference})
            for member in list(room.members.values()):
                self.joined(member, room)
        elif not msg.linked and self.links.get(room.id) == conference:
            self._unlink(room)
        self._announce(conference)

    def _link_refusal(self, a: Avatar, conference: str, room: Room | None, linked: bool) -> Refusal | None:
        if room is None or room.id not in self.world.spec.rooms:  # the guests' lobby is no classroom
            return ErrorCode.INVALID_FIELD, "salle inconnue"
        if room.spec.access.policy == "conference":
            return ErrorCode.INVALID_FIELD, f"{room.spec.name} a sa propre conférence"
        if not linked:
            return None
        other = self.links.get(room.id)
        if other is not None and other != conference:
            return ErrorCode.ACCESS_DENIED, f"{room.spec.name} participe déjà à une autre conférence"
        if not room.allows(a.identity):
            return ErrorCode.ACCESS_DENIED, f"vous n'avez pas accès à {room.spec.name}"
        if other is None and len(self.rooms_of(conference)) >= MAX_LINKED_ROOMS:
            return ErrorCode.INVALID_FIELD, f"au plus {MAX_LINKED_ROOMS} salles par conférence"
        return None

    def _unlink(self, room: Room) -> None:
        conference = self.links.pop(room.id, None)
        if conference is None:
            return
        log.info("room left out", extra={"room": room.id, "conference": conference})
        for member in list(room.members.values()):
            if member.id in self.attending:
                _push(member, ConfLeft(member.id, False))  # before the forwarder's own, in case it is gone
                self.left(member, room)

    def _drop_links(self, conference: str) -> None:
        """No host is left: the included rooms leave the conference."""
        rooms = self.rooms_of(conference)
        for room_id in rooms:
            self._unlink(self.world.rooms[room_id])
        if rooms:
            self._announce(conference)

    def _announce(self, conference: str) -> None:
        msg = encode(ConfRooms(conference, self.rooms_of(conference)))
        for member, _ in self._attendees(conference):
            if member.session is not None:
                member.session.push(msg)

    def _attendees(self, conference: str) -> list[tuple[Avatar, Attendance]]:
        avatars = self.world.avatars
        return [(avatars[i], t) for i, t in self.attending.items() if t.conference == conference and i in avatars]

    # --- messages -----------------------------------------------------------------------------------

    def request(self, a: Avatar, s: Session, msg: Any) -> None:
        attendance = self.attending.get(a.id)
        if attendance is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "pas de conférence dans cette salle", msg.__protocol__.code)
            return
        if attendance.inbox.qsize() >= MAX_QUEUED:
            s.error(ErrorCode.RATE_LIMITED, "trop de messages de conférence : patientez un peu", msg.__protocol__.code)
            return
        attendance.inbox.put_nowait(msg)

    async def _serve(self, a: Avatar, room: Room, attendance: Attendance) -> None:
        kept = self._kept.pop(a.id, ConferenceRole.AUDIENCE)
        role = ConferenceRole.HOST if room.teaches(a.identity) else kept
        conference = attendance.conference
        try:
            leaving = self._leaving.get(a.id)
            if leaving is not None:
                await asyncio.shield(leaving)  # my previous conference is let go of first
            conf = self.sfu.conferences.get(conference)
            if conf is not None and a.id in conf.participants:
                await self.sfu.leave(conference, a.id)
            invitation = a.identity.invitation if a.identity.is_guest else None
            participant = await self.sfu.join(
                conference, a.id, role, a.identity.display_name, invitation, a.identity.user_id
            )
            _push(a, ConfRooms(conference, self.rooms_of(conference)))
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
                self._removed(a)
                return

    def _removed(self, a: Avatar) -> None:
        """A host removed ``a``: out of the amphitheatre too (a guest back to the lobby, where a teacher may
        admit her again); in an included room, they stay in class but out of the conference until they
        enter the room again."""
        attendance = self.attending.get(a.id)
        if attendance is None:
            return
        if attendance.room == attendance.conference:
            self.world.send_out(a)
        else:
            self.attending.pop(a.id, None)
            if attendance.task is not None:
                attendance.task.cancel()

    def every_second(self) -> None:
        """Whoever's world connection dropped stops publishing. Their avatar may wait for a resume, but their
        media cannot: a resumed client starts its peer connections again."""
        for avatar_id, attendance in self.attending.items():
            a = self.world.avatars.get(avatar_id)
            conf = self.sfu.conferences.get(attendance.conference)
            if a is None or a.session is not None or conf is None:
                continue
            participant = conf.participants.get(avatar_id)
            if participant is not None and participant.publisher is not None:
                log.info("dropped connection: unpublished", extra={"user": a.identity.user_id})
                conf.spawn(conf.unpublish(participant))

    async def stop(self) -> None:
        for attendance in self.attending.values():
            if attendance.task is not None:
                attendance.task.cancel()
        tasks = [t.task for t in self.attending.values() if t.task is not None]
        tasks += list(self._leaving.values())
        await asyncio.gather(*tasks, return_exceptions=True)
        self.attending.clear()
        self.links.clear()
        with contextlib.suppress(Exception):
            await self.sfu.close()


def _push(a: Avatar, msg: Any) -> None:
    if a.session is not None:
        a.session.push(encode(msg))


def _push_error(a: Avatar, text: str) -> None:
    if a.session is not None:
        a.session.error(ErrorCode.INTERNAL, text)
