"""The teacher's tools in any room (a feature): hands, muting, freezing, locking, sending out, spotlight, polls,
and attendance. Every action is checked here, on the server; pupils and guests get ``ACCESS_DENIED``.

A room's teachers are the teachers allowed into it (the class's teachers) and staff. In the shared spaces
(rooms open to everyone: the hall, the corridors, the CDI, the courtyard) only staff may lock, freeze or mute,
and read who was there: a teacher with a class there must not close the college's entrance.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.messages import schema_of
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
from cybercollege.server.classroom.control import PollState, RoomControl, Stay, attendance_words, next_poll_id
from cybercollege.server.classroom.personal import AttendanceData
from cybercollege.server.core.feature import Feature, Handler, Route
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.room import Refused, Room
from cybercollege.server.guests.page import language_of
from cybercollege.server.http import api_error, bearer_identity

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session
    from cybercollege.server.persistence.personal import PersonalData


class TeacherTools(Feature):
    """The teacher-tool messages, and what they control in each room (:class:`RoomControl`)."""

    name = "teacher-tools"

    def __init__(self) -> None:
        self.controls: dict[str, RoomControl] = {}

    def control(self, room: Room) -> RoomControl:
        """What the teachers control in ``room`` (created at the first use)."""
        control = self.controls.get(room.id)
        if control is None:
            control = self.controls[room.id] = RoomControl()
        return control

    def handlers(self) -> Mapping[type, Handler]:
        return {
            Hand: self.hand, Mute: self.mute, Freeze: self.freeze, Lock: self.lock, SendOut: self.send_out,
            Spotlight: self.spotlight, PollOpen: self.poll_open, Vote: self.vote, PollClose: self.poll_close,
            PollShow: self.poll_show,
        }  # fmt: skip

    def routes(self) -> Iterable[Route]:
        return [Route("GET", "/api/rooms/{room}/attendance.csv", functools.partial(attendance, self))]

    def personal_data(self) -> Iterable[PersonalData]:
        return [AttendanceData(self.controls)]

    # --- the room's rules -----------------------------------------------------------------------------

    def answers_for(self, teacher: Identity, person: Identity) -> bool:
        """A teacher answers for the pupils of her classes (same school)."""
        return (
            teacher.role is Role.TEACHER
            and person.role is Role.PUPIL
            and teacher.school_uai == person.school_uai
            and bool(set(teacher.classes) & set(person.classes))
        )

    def may_enter(self, identity: Identity, room: Room) -> None:
        control = self.controls.get(room.id)
        if control is not None and control.locked and identity.role not in (Role.TEACHER, Role.STAFF):
            raise Refused(ErrorCode.ACCESS_DENIED, f"{room.spec.name} est verrouillée par l'enseignant")

    def may_move(self, a: Avatar) -> bool:
        control = self.controls.get(a.room.id)
        return control is None or control.may_move(a)

    def may_chat(self, a: Avatar) -> Refused | None:
        control = self.controls.get(a.room.id)
        if control is not None and not control.may_chat(a):
            return Refused(ErrorCode.MUTED, "l'enseignant a coupé la discussion")
        return None

    # --- arrivals and departures: attendance, and the room's state for the newcomer ------------------

    def joined(self, a: Avatar, room: Room) -> None:
        control = self.control(room)
        control.arrived(a)
        if a.session is not None and not control.is_default():
            a.session.push(encode(control.message()))

    def left(self, a: Avatar, room: Room) -> None:
        control = self.control(room)
        before = (len(control.hands), len(control.muted), control.spotlight)
        control.left(a)
        if before != (len(control.hands), len(control.muted), control.spotlight):
            self._changed(room)

    def resumed(self, a: Avatar, room: Room) -> None:
        control = self.controls.get(room.id)
        if a.session is not None and control is not None and not control.is_default():
            a.session.push(encode(control.message()))

    # --- the messages ---------------------------------------------------------------------------------

    def _teacher(self, a: Avatar, s: Session, msg: Any) -> bool:
        if a.room.teaches(a.identity):
            return True
        s.error(ErrorCode.ACCESS_DENIED, "réservé aux enseignants de la salle", msg.__protocol__.code)
        return False

    def _controller(self, a: Avatar, s: Session, msg: Any) -> bool:
        """Locking, freezing and muting: the room's teachers, and only staff in a shared space."""
        if not self._teacher(a, s, msg):
            return False
        if shared(a.room) and a.identity.role is not Role.STAFF:
            s.error(ErrorCode.ACCESS_DENIED, SHARED_REFUSAL, schema_of(msg).code)
            return False
        return True

    def _member(self, a: Avatar, s: Session, who: int, msg: Any) -> Avatar | None:
        other = a.room.members.get(who)
        if other is None:
            s.error(ErrorCode.UNKNOWN_AVATAR, f"avatar {who} is not in this room", msg.__protocol__.code)
        return other

    def _changed(self, room: Room) -> None:
        room.events.append(encode(self.control(room).message()))

    def hand(self, a: Avatar, s: Session, msg: Hand) -> None:
        control = self.control(a.room)
        who = a.id
        if msg.who is not None and msg.who != a.id:
            if msg.up or not self._teacher(a, s, msg):
                if msg.up:
                    s.error(ErrorCode.ACCESS_DENIED, "on ne lève que sa propre main", schema_of(msg).code)
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
        if not self._controller(a, s, msg):
            return
        control = self.control(a.room)
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
        if self._controller(a, s, msg):
            self.control(a.room).frozen = msg.on
            self._changed(a.room)

    def lock(self, a: Avatar, s: Session, msg: Lock) -> None:
        if self._controller(a, s, msg):
            self.control(a.room).locked = msg.on
            self._changed(a.room)

    def spotlight(self, a: Avatar, s: Session, msg: Spotlight) -> None:
        if not self._teacher(a, s, msg):
            return
        if msg.who is not None and self._member(a, s, msg.who, msg) is None:
            return
        self.control(a.room).spotlight = msg.who
        self._changed(a.room)

    def send_out(self, a: Avatar, s: Session, msg: SendOut) -> None:
        if not self._teacher(a, s, msg):
            return
        other = self._member(a, s, msg.who, msg)
        if other is None:
            return
        if other.identity.role not in (Role.PUPIL, Role.GUEST):
            s.error(ErrorCode.ACCESS_DENIED, "seuls les élèves et les invités sont renvoyés", schema_of(msg).code)
            return
        self.world.send_out(other)

    def poll_open(self, a: Avatar, s: Session, msg: PollOpen) -> None:
        if not self._teacher(a, s, msg):
            return
        if not 2 <= len(msg.options) <= 8 or any(c >= len(msg.options) for c in msg.correct):
            s.error(ErrorCode.INVALID_FIELD, "2 à 8 réponses, et des bonnes réponses parmi elles", schema_of(msg).code)
            return
        poll = PollState(next_poll_id(), msg.question, list(msg.options), msg.multiple, msg.anonymous,
                         sorted(set(msg.correct)))  # fmt: skip
        self.control(a.room).polls[poll.id] = poll
        self._publish(a.room, poll)

    def vote(self, a: Avatar, s: Session, msg: Vote) -> None:
        poll = self.control(a.room).polls.get(msg.poll)
        if poll is None or not poll.open:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "ce sondage est fermé ou inconnu", schema_of(msg).code)
            return
        choices = sorted(set(msg.choices))
        if not choices or any(c >= len(poll.options) for c in choices) or (len(choices) > 1 and not poll.multiple):
            s.error(ErrorCode.INVALID_FIELD, "réponse invalide pour ce sondage", schema_of(msg).code)
            return
        poll.votes[a.id] = choices
        self._publish(a.room, poll)

    def poll_close(self, a: Avatar, s: Session, msg: PollClose) -> None:
        if not self._teacher(a, s, msg):
            return
        poll = self.control(a.room).polls.get(msg.poll)
        if poll is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "sondage inconnu", schema_of(msg).code)
            return
        poll.open = False
        self._publish(a.room, poll)

    def poll_show(self, a: Avatar, s: Session, msg: PollShow) -> None:
        """Results on the board, on a page of their own (never over a slide's title): one line per answer with
        its count and share (✓ for a quiz's right ones). A quiz's results wait until it is closed."""
        if not self._teacher(a, s, msg):
            return
        poll = self.control(a.room).polls.get(msg.poll)
        boards = getattr(a.room, "boards", {})
        if poll is None or not boards:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "sondage inconnu, ou pas de tableau ici", schema_of(msg).code)
            return
        if poll.open and poll.correct:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, "fermez le quiz avant d'en montrer les résultats",
                    schema_of(msg).code)
            return
        counts = poll.message(with_voters=False).counts
        total = max(1, len(poll.votes))
        lines = [poll.question]
        for i, (option, count) in enumerate(zip(poll.options, counts, strict=True)):
            mark = " ✓" if not poll.open and i in poll.correct else ""
            lines.append(f"{option} : {count} ({round(100 * count / total)} %){mark}")
        next(iter(boards.values())).write_results(a.identity.user_id, lines)

    def _publish(self, room: Room, poll: PollState) -> None:
        """Live results: counts to everyone, except during a quiz (counts only once it is closed, or the first
        answers would give the right one away); who answered what only to the room's teachers."""
        hidden = poll.open and bool(poll.correct)
        public = poll.message(with_voters=False)
        pupils = encode(dataclasses.replace(public, counts=[]) if hidden else public)
        teachers = encode(poll.message(with_voters=True)) if not poll.anonymous else encode(public)
        for m in room.members.values():
            if m.session is not None:
                m.session.push(teachers if room.teaches(m.identity) else pupils)


async def attendance(tools: TeacherTools, request: web.Request) -> web.Response:
    """``GET /api/rooms/{room}/attendance.csv[?lang=de]``: who was in the room when (the room's teachers only),
    in the teacher's language (``lang``, else her browser's Accept-Language, else French), times with the
    offset of the college's time zone (``timezone`` setting)."""
    identity = bearer_identity(request)
    room = tools.world.rooms.get(request.match_info["room"])
    if room is None:
        raise api_error(404, "room_unknown", "Salle inconnue.")
    if not room.teaches(identity) or (shared(room) and identity.role is not Role.STAFF):
        why = "Réservé à la vie scolaire dans les espaces communs." if shared(room) else "Réservé aux enseignants."
        raise api_error(403, "attendance_forbidden", why)
    control = tools.control(room)
    everyone = room.spec.access.policy != "conference" or identity.role is Role.STAFF

    def shown(stay: Stay) -> bool:
        """The amphitheatre is open to every class: a teacher sees herself, her pupils and her guests only."""
        return everyone or stay.user_id == identity.user_id or (
            stay.who is not None and tools.world.features.answers_for(identity, stay.who)
        )

    words = attendance_words(language_of(request.query.get("lang"), request.headers.get("Accept-Language", "")))
    text = control.attendance_csv(shown, words, ZoneInfo(tools.world.settings.timezone))
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="presence-{room.id}.csv"'},
    )


SHARED_REFUSAL = "dans les espaces communs (hall, couloirs, CDI, cour), seule la vie scolaire verrouille ou fige"


def shared(room: Room) -> bool:
    """A space of the whole college (open to everyone), not one class's room."""
    return room.spec.access.policy == "open"
