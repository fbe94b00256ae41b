"""The teacher's tools in any room: hands, muting, freezing, locking, sending out, spotlight, polls,
and attendance. Every action is checked here, on the server; pupils and guests get ``ACCESS_DENIED``.

A room's teachers are the teachers allowed into it (the class's teachers) and staff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.teacher import (
    Freeze,
    Hand,
    Lock,
    Mute,
    PollClose,
    PollOpen,
    PollShow,
    SendOut,
    Spotlight,
    Vote,
)
from cybercollege.server.classroom.control import PollState, next_poll_id
from cybercollege.server.core.identity import Role
from cybercollege.server.edge.api import api_error, bearer_identity
from cybercollege.server.edge.services import SERVICES

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.room import Room
    from cybercollege.server.core.session import Session
    from cybercollege.server.core.world import World


def is_teacher_of(a: Avatar, room: Room) -> bool:
    return a.identity.role is Role.STAFF or (a.identity.role is Role.TEACHER and room.allows(a.identity))


class TeacherTools:
    """Handlers of the teacher-tool messages (registered on the world)."""

    def __init__(self, world: World) -> None:
        self.world = world
        handlers: dict[type, Callable[[Avatar, Session, Any], None]] = {
            Hand: self.hand, Mute: self.mute, Freeze: self.freeze, Lock: self.lock, SendOut: self.send_out,
            Spotlight: self.spotlight, PollOpen: self.poll_open, Vote: self.vote, PollClose: self.poll_close,
            PollShow: self.poll_show,
        }  # fmt: skip
        world.handlers.update(handlers)

    def _teacher(self, a: Avatar, s: Session, msg: Any) -> bool:
        if is_teacher_of(a, a.room):
            return True
        s.error(ErrorCode.ACCESS_DENIED, "réservé aux enseignants de la salle", msg.__protocol__.code)
        return False

    def _member(self, a: Avatar, s: Session, who: int, msg: Any) -> Avatar | None:
        other = a.room.members.get(who)
        if other is None:
            s.error(ErrorCode.UNKNOWN_AVATAR, f"avatar {who} is not in this room", msg.__protocol__.code)
        return other

    def _changed(self, room: Room) -> None:
        room.events.append(encode(room.control.message()))

    def hand(self, a: Avatar, s: Session, msg: Hand) -> None:
        control = a.room.control
        who = a.id
        if msg.who is not None and msg.who != a.id:
            if msg.up or not self._teacher(a, s, msg):
                if msg.up:
                    s.error(ErrorCode.ACCESS_DENIED, "on ne lève que sa propre main", 112)
                return
            who = msg.who
        if msg.up and who not in control.hands:
            control.hands.append(who)
        elif not msg.up and who in control.hands:
            control.hands.remove(who)
        else:
            return
        self._changed(a.room)

    def mute(self, a: Avatar, s: Session, msg: Mute) -> None:
        if not self._teacher(a, s, msg):
            return
        control = a.room.control
        if msg.who is None:
            control.muted_all = msg.on
            if not msg.on:
                control.muted.clear()
        elif self._member(a, s, msg.who, msg) is not None:
            (control.muted.add if msg.on else control.muted.discard)(msg.who)
        else:
            return
        self._changed(a.room)

    def freeze(self, a: Avatar, s: Session, msg: Freeze) -> None:
        if self._teacher(a, s, msg):
            a.room.control.frozen = msg.on
            self._changed(a.room)

    def lock(self, a: Avatar, s: Session, msg: Lock) -> None:
        if self._teacher(a, s, msg):
            a.room.control.locked = msg.on
            self._changed(a.room)

    def spotlight(self, a: Avatar, s: Session, msg: Spotlight) -> None:
        if not self._teacher(a, s, msg):
            return
        if msg.who is not None and self._member(a, s, msg.who, msg) is None:
            return
        a.room.control.spotlight = msg.who
        self._changed(a.room)

    def send_out(self, a: Avatar, s: Session, msg: SendOut) -> None:
        if not self._teacher(a, s, msg):
            return
        other = self._member(a, s, msg.who, msg)
        if other is None:
            return
        if other.identity.role not in (Role.PUPIL, Role.GUEST):
            s.error(ErrorCode.ACCESS_DENIED, "seuls les élèves et les invités peuvent être renvoyés", 116)
            return
        self.world.send_out(other)

    def poll_open(self, a: Avatar, s: Session, msg: PollOpen) -> None:
        if not self._teacher(a, s, msg):
            return
        if not 2 <= len(msg.options) <= 8 or any(c >= len(msg.options) for c in msg.correct):
            s.error(ErrorCode.INVALID_FIELD, "2 à 8 réponses, et des bonnes réponses parmi elles", 118)
            return
        poll = PollState(next_poll_id(), msg.question, list(msg.options), msg.multiple, msg.anonymous,
                         sorted(set(msg.correct)))  # fmt: skip
        a.room.control.polls[poll.id] = poll
        self._publish(a.room, poll)

    def vote(self, a: Avatar, s: Session, msg: Vote) -> None:
        poll = a.room.control.polls.get(msg.poll)
        if poll is None or not poll.open:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "ce sondage est fermé ou inconnu", 119)
            return
        choices = sorted(set(msg.choices))
        if not choices or any(c >= len(poll.options) for c in choices) or (len(choices) > 1 and not poll.multiple):
            s.error(ErrorCode.INVALID_FIELD, "réponse invalide pour ce sondage", 119)
            return
        poll.votes[a.id] = choices
        self._publish(a.room, poll)

    def poll_close(self, a: Avatar, s: Session, msg: PollClose) -> None:
        if not self._teacher(a, s, msg):
            return
        poll = a.room.control.polls.get(msg.poll)
        if poll is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "sondage inconnu", 120)
            return
        poll.open = False
        self._publish(a.room, poll)

    def poll_show(self, a: Avatar, s: Session, msg: PollShow) -> None:
        """Results on the board: one line per answer with its count and share (✓ for a quiz's right ones)."""
        if not self._teacher(a, s, msg):
            return
        poll = a.room.control.polls.get(msg.poll)
        boards = getattr(a.room, "boards", {})
        if poll is None or not boards:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "sondage inconnu, ou pas de tableau dans cette salle", 121)
            return
        counts = poll.message(with_voters=False).counts
        total = max(1, len(poll.votes))
        lines = [poll.question]
        for i, (option, count) in enumerate(zip(poll.options, counts, strict=True)):
            mark = " ✓" if not poll.open and i in poll.correct else ""
            lines.append(f"{option} : {count} ({round(100 * count / total)} %){mark}")
        next(iter(boards.values())).write_text(a.identity.user_id, lines)

    def _publish(self, room: Room, poll: PollState) -> None:
        """Live results: counts to everyone; who answered what only to the room's teachers."""
        room.events.append(encode(poll.message(with_voters=False)))
        if not poll.anonymous:
            detailed = encode(poll.message(with_voters=True))
            for m in room.members.values():
                if m.session is not None and is_teacher_of(m, room):
                    m.session.push(detailed)


async def attendance(request: web.Request) -> web.Response:
    """``GET /api/rooms/{room}/attendance.csv``: who was in the room when (the room's teachers only)."""
    identity = bearer_identity(request)
    world = request.app[SERVICES].world
    room = world.rooms.get(request.match_info["room"])
    if room is None:
        raise api_error(404, "room_unknown", "Salle inconnue.")
    if identity.role is not Role.STAFF and not (identity.role is Role.TEACHER and room.allows(identity)):
        raise api_error(403, "attendance_forbidden", "Réservé aux enseignants de la salle.")
    return web.Response(
        text=room.control.attendance_csv(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="presence-{room.id}.csv"'},
    )


def add_teacher_routes(app: web.Application) -> None:
    app.router.add_get("/api/rooms/{room}/attendance.csv", attendance)
