"""The world at run time: rooms, avatars, the fixed tick, and what members ask of it.

The tick (``tick_hz``, 20 Hz by default) is where frames are made: each room encodes what changed once,
interest management picks what each client sees, and each client gets one frame (split only when a
catch-up passes the protocol's limits), queued on its connection without waiting.
Message handlers only change state; they never send or await. Features (docs/adr/0004) add handlers, rooms and
hooks through :class:`~cybercollege.server.core.feature.Feature`; the world knows none of them by name.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from cybercollege import worlds
from cybercollege.protocol import CloseCode, ErrorCode, encode
from cybercollege.protocol.messages import Chat, Correction, Move, Say, UseDoor, Whisper, schema_of
from cybercollege.protocol.messages import Room as RoomMsg
from cybercollege.server.config import Settings
from cybercollege.server.core import chat
from cybercollege.server.core.avatar import Avatar
from cybercollege.server.core.feature import Feature, Features, Handler
from cybercollege.server.core.identity import Identity
from cybercollege.server.core.interest import Counters, Outgoing
from cybercollege.server.core.logs import event
from cybercollege.server.core.moves import MoveAudit
from cybercollege.server.core.room import Refused, Room
from cybercollege.server.core.session import Session
from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, WriteBehind

log = logging.getLogger("cybercollege.world")


class World:
    """One college: every room of a world definition, and the avatars in them."""

    def __init__(
        self,
        spec: worlds.World,
        settings: Settings,
        writer: WriteBehind | None = None,
        features: Iterable[Feature] = (),
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.writer = writer
        self.chatlog: chat.ChatLog | None = writer.chatlog if writer is not None else None
        """Chat lines are written here before anyone sees them; None: shown at once (memory only)."""
        self.counters = Counters()
        self.moves = MoveAudit(settings.room_change_audit_window)
        """Room changes in the audit log, a pupil pacing through a door coalesced into one row."""
        self.schools: tuple[str, ...] = (settings.school_uai,) if settings.school_uai else spec.schools
        """The UAIs of the schools this collège serves: the world file's ``schools``, or ``school_uai`` if set."""
        self.features = Features(features)
        for feature in self.features.all:
            feature.bind(self)
        self.rooms: dict[str, Room] = {rid: self._build_room(r) for rid, r in spec.rooms.items()}
        for feature in self.features.all:
            self.rooms.update((room.id, room) for room in feature.rooms())
        for room in self.rooms.values():
            room.features = self.features
            room.schools = self.schools
        self.handlers: dict[type, Handler] = {
            Move: self._move, Say: self._say, Whisper: self._whisper, UseDoor: self._use_door,
            **self.features.handlers,
        }  # fmt: skip
        """Every message a client may send in the world, by class: the one dispatch table."""
        self.avatars: dict[int, Avatar] = {}
        self.by_user: dict[str, Avatar] = {}
        self.by_resume: dict[str, Avatar] = {}
        self.tick_no = 0
        self.tick_seconds: list[float] = []
        self.messages_in = 0
        self.bytes_in = 0
        self.corrections = 0
        self._next_id = 1
        self._stopping = False
        self.burst_distance = settings.max_speed * settings.speed_tolerance * 0.5 + 0.5
        """Most distance one move may cover after a pause (half a second at full speed, plus slack)."""

    def _build_room(self, spec: worlds.Room) -> Room:
        """The room a feature builds for ``spec`` (a classroom), or a plain room."""
        for feature in self.features.all:
            room = feature.room(spec)
            if room is not None:
                return room
        return Room(spec, self.settings, self.counters)

    # --- joining and leaving ----------------------------------------------------------------------

    def attach(self, identity: Identity, session: Session, resume: str | None, place: Place | None) -> Avatar:
        """Put a freshly authenticated connection in the world: resume, replace or create its avatar.

        Raises :class:`Refused` if the user cannot be placed anywhere (spawn room full).
        """
        old = self.by_user.get(identity.user_id)
        if old is not None and (old.session is not None or _same(resume, old.resume_token)):
            return self._reattach(old, session, identity)  # resumed, or a second login replaces the first
        if old is not None:  # dropped, and no or a wrong resume value: it leaves, a new avatar comes in its place
            place = Place(identity.user_id, old.room.id, old.x, old.y, old.heading)
            self.remove(old)
        elif self.writer is not None and not identity.is_guest:
            # left while this connection was loading her place (a rejoin right after BYE): what she left wins
            place = self.writer.unwritten_place(identity.user_id) or place
        if resume is not None:
            session.error(ErrorCode.RESUME_FAILED, "reprise impossible (expirée ou inconnue) : nouvelle arrivée")
        room, (x, y, heading) = self._starting_place(identity, place)
        a = Avatar(self._next_id, identity, room, 0.0, 0.0, 0.0, resume_token=secrets.token_urlsafe(24))
        self._next_id += 1
        a.place(x, y, heading, self.burst_distance)
        a.session = session
        a.last_move = time.monotonic()
        session.avatar = a
        self.avatars[a.id] = a
        self.by_user[identity.user_id] = a
        self.by_resume[a.resume_token] = a
        session.push(encode(RoomMsg(room.id, a.xq, a.yq, a.hq)))
        room.on_join(a)
        self._audit("join", a, room.id)
        self.features.connected(a)
        return a

    def _reattach(self, a: Avatar, session: Session, identity: Identity) -> Avatar:
        if a.session is not None and a.session is not session:
            a.session.close_later(CloseCode.REPLACED, "connexion remplacée par une nouvelle")
        a.session = session
        a.identity = identity
        a.disconnected_at = None
        session.avatar = a
        session.push(encode(RoomMsg(a.room.id, a.xq, a.yq, a.hq)))
        a.room.on_resume(a)
        self._audit("resume", a, a.room.id)
        self.features.connected(a)
        return a

    def _starting_place(self, identity: Identity, place: Place | None) -> tuple[Room, tuple[float, float, float]]:
        home = self.features.home(identity)
        if home is not None:  # guests wait in their lobby until a teacher admits them
            home.on_auth(identity)
            return home, home.spec.spawn_points[0]
        if place is not None:
            room = self.rooms.get(place.room_id)
            if room is not None and room.spec.contains(place.x, place.y):
                try:
                    room.on_auth(identity)
                    return room, (place.x, place.y, place.heading)
                except Refused:
                    pass
        room = self._spawn_room(identity)
        points = room.spec.spawn_points
        return room, points[len(self.avatars) % len(points)]

    def _spawn_room(self, identity: Identity) -> Room:
        """The spawn room, or when it is full the world's overflow rooms in order (a whole school at once);
        raises the spawn room's :class:`Refused` if none has room."""
        first = self.rooms[self.spec.spawn_room]
        try:
            first.on_auth(identity)
            return first
        except Refused as refused:
            if refused.code != ErrorCode.ROOM_FULL:
                raise
            for room_id in self.spec.overflow_rooms:
                room = self.rooms[room_id]
                try:
                    room.on_auth(identity)
                    return room
                except Refused:
                    continue
            raise

    def detach(self, a: Avatar, session: Session, *, leaving: bool) -> None:
        """The connection closed. Keep the avatar for ``resume_grace`` unless it said BYE."""
        if a.session is not session:
            return  # replaced by a newer connection
        a.session = None
        if leaving or self._stopping or self.settings.resume_grace <= 0:
            self.remove(a)
        else:
            a.disconnected_at = time.monotonic()
            if a.anim != 0:
                a.anim = 0
                a.room.changed.add(a)

    def remove(self, a: Avatar, reason: str = "leave") -> None:
        """Take ``a`` out of the world for good, saving its place."""
        if self.avatars.pop(a.id, None) is None:
            return
        self.by_user.pop(a.identity.user_id, None)
        self.by_resume.pop(a.resume_token, None)
        a.room.on_leave(a)
        if self.writer is not None and not a.identity.is_guest:
            self.writer.place(Place(a.identity.user_id, a.room.id, a.x, a.y, a.heading))
        row = self.moves.left(a.id)
        if row is not None:
            self._audit("room_change", a, row.room, row.detail)
        self._audit(reason, a, a.room.id)
        if a.session is not None:
            a.session.avatar = None
            a.session = None
        self.features.removed(a)

    def remove_user(self, user_id: str, code: CloseCode, reason: str) -> bool:
        """Remove a user's avatar now (logout, single logout, a teacher's decision)."""
        a = self.by_user.get(user_id)
        if a is None:
            return False
        if a.session is not None:
            a.session.close_later(code, reason)
        self.remove(a, "removed")
        return True

    # --- messages ---------------------------------------------------------------------------------

    def handle(self, a: Avatar, msg: Any) -> None:
        """Apply one message from ``a``'s client (already decoded and validated)."""
        s = a.session
        if s is None:
            return
        handler = self.handlers.get(type(msg))
        if handler is None:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, f"{type(msg).__name__} is not handled here", schema_of(msg).code)
            return
        handler(a, s, msg)

    def _move(self, a: Avatar, s: Session, msg: Move) -> None:
        if not s.moves.take():
            self._rate_limited(s, "too many moves", msg)
            return
        now = time.monotonic()
        settings = self.settings
        speed = settings.max_speed * settings.speed_tolerance
        a.move_budget = min(self.burst_distance, a.move_budget + (now - a.last_move) * speed)
        a.last_move = now
        x, y = msg.x / 100.0, msg.y / 100.0
        distance = math.hypot(x - a.x, y - a.y)
        room = a.room
        if distance > a.move_budget or not room.spec.segment_allowed(a.x, a.y, x, y) or not self.features.may_move(a):
            self.corrections += 1
            s.push(encode(Correction(msg.seq, a.xq, a.yq, a.hq)))
            return
        a.move_budget -= distance
        a.x, a.y, a.xq, a.yq, a.hq, a.anim, a.seq = x, y, msg.x, msg.y, msg.heading, msg.anim, msg.seq
        a.heading = msg.heading * 360.0 / 65536
        a.room.changed.add(a)

    def _say(self, a: Avatar, s: Session, msg: Say) -> None:
        if not s.chats.take():
            self._rate_limited(s, "trop de messages : patientez un peu", msg)
            return
        if self._chat_refused(a, s, msg):
            return
        text = chat.clean(msg.text)
        if not text:
            return
        room, record = a.room, ChatRecord(a.room.id, a.identity.user_id, None, text)
        line = encode(Chat(a.id, a.identity.shown_name, False, text, _ms(record)))
        self._durable(s, msg, record, lambda: room.events.append(line))

    def _chat_refused(self, a: Avatar, s: Session, msg: Say | Whisper) -> bool:
        """The features' rules for any chat, room or private (no chat in the lobby, a teacher may mute)."""
        refusal = self.features.may_chat(a)
        if refusal is not None:
            s.error(refusal.code, refusal.message, schema_of(msg).code)
            return True
        return False

    def _whisper(self, a: Avatar, s: Session, msg: Whisper) -> None:
        if not s.chats.take():
            self._rate_limited(s, "trop de messages : patientez un peu", msg)
            return
        if self._chat_refused(a, s, msg):
            return
        other = self.avatars.get(msg.to)
        if other is None or other.session is None:
            s.error(ErrorCode.UNKNOWN_AVATAR, f"avatar {msg.to} is not connected", schema_of(msg).code)
            return
        refusal = chat.whisper_refusal(a.identity, other.identity)
        if refusal:
            s.error(ErrorCode.CHAT_FORBIDDEN, refusal, schema_of(msg).code)
            return
        text = chat.clean(msg.text)
        record = ChatRecord(None, a.identity.user_id, other.identity.user_id, text)
        line = encode(Chat(a.id, a.identity.shown_name, True, text, _ms(record)))

        def show() -> None:  # to their connections of the moment it is written (one may have resumed)
            for who in (other, a):
                if who.session is not None:
                    who.session.push(line)

        self._durable(s, msg, record, show)

    def _durable(self, s: Session, msg: Say | Whisper, record: ChatRecord, show: Callable[[], None]) -> None:
        """Show a chat line once it is written (docs/persistence.md); at once without a database."""
        if self.chatlog is None:
            show()
        elif not self.chatlog.add(record, show):
            s.error(ErrorCode.RATE_LIMITED, chat.BACKLOG_FULL, schema_of(msg).code)

    def _use_door(self, a: Avatar, s: Session, msg: UseDoor) -> None:
        ref = schema_of(msg).code
        door = next((d for d in a.room.spec.doors if d.id == msg.door), None)
        if door is None:
            s.error(ErrorCode.UNKNOWN_DOOR, f"no door {msg.door!r} in {a.room.id}", ref)
            return
        if door.distance_to(a.x, a.y) > self.settings.door_reach:
            s.error(ErrorCode.DOOR_TOO_FAR, f"door {door.id} is too far away", ref)
            return
        if not s.doors.take():  # back and forth through a door: each passage is an audit row and an attendance stay
            self._rate_limited(s, "trop de passages de porte : patientez un peu", msg)
            return
        target_id = door.rooms[1] if door.rooms[0] == a.room.id else door.rooms[0]
        target = self.rooms[target_id]
        try:
            target.on_auth(a.identity)
        except Refused as refused:
            s.error(refused.code, refused.message, ref)
            return
        self.move_to(a, target, door.landing(target_id))

    def move_to(self, a: Avatar, target: Room, spot: tuple[float, float, float]) -> None:
        """Move ``a`` into ``target`` at ``spot`` (door, teacher's call...)."""
        old = a.room
        old.on_leave(a)
        a.place(*spot, budget=self.burst_distance)
        a.last_move = time.monotonic()
        if a.session is not None:
            a.session.push(encode(RoomMsg(target.id, a.xq, a.yq, a.hq)))
        target.on_join(a)
        row = self.moves.moved(a.id, old.id, target.id, time.monotonic())
        if row is not None:
            self._audit("room_change", a, row.room, row.detail)

    def send_out(self, a: Avatar) -> None:
        """Out of its room: to its home (a guest's lobby), else to the world's spawn room (the entrance hall)."""
        target = self.features.home(a.identity) or self.rooms[self.spec.spawn_room]
        points = target.spec.spawn_points
        self.move_to(a, target, points[len(target.members) % len(points)])

    def _rate_limited(self, s: Session, reason: str, msg: Any) -> None:
        now = time.monotonic()
        if now - s.last_rate_error >= 1.0:
            s.last_rate_error = now
            s.error(ErrorCode.RATE_LIMITED, reason, msg.__protocol__.code)

    # --- the tick ---------------------------------------------------------------------------------

    def step(self) -> Outgoing:
        """One tick of simulation: returns the frames to send."""
        self.tick_no += 1
        tick = self.tick_no
        out: Outgoing = []
        self._expire_grace()
        for room in self.rooms.values():
            if room.members or room.events:
                room.flush(tick, out)
        return out

    async def run(self) -> None:
        """Tick forever at ``tick_hz`` (drift-corrected), queueing each client its frame: the tick never waits
        for a client (each connection's writer task does, see :meth:`Session.queue`)."""
        period = 1.0 / self.settings.tick_hz
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            started = time.perf_counter()
            out = self.step()
            for session, frame in out:
                session.queue(frame)
            self._record_tick(time.perf_counter() - started)
            deadline += period
            delay = deadline - loop.time()
            if delay < -period:  # we fell behind: do not try to catch up in a burst
                deadline = loop.time()
                delay = 0
            await asyncio.sleep(max(0.0, delay))

    def _record_tick(self, seconds: float) -> None:
        self.counters.tick_seconds.observe(seconds)
        self.tick_seconds.append(seconds)
        if len(self.tick_seconds) > 4096:
            del self.tick_seconds[:2048]

    def _expire_grace(self) -> None:
        if self.tick_no % self.settings.tick_hz:
            return  # once a second is enough
        self.features.every_second()
        self._checkpoint_places()
        for row in self.moves.due(time.monotonic()):
            if (moved := self.avatars.get(row.user_key)) is not None:
                self._audit("room_change", moved, row.room, row.detail)
        limit = time.monotonic() - self.settings.resume_grace
        for a in [a for a in self.avatars.values() if a.disconnected_at is not None and a.disconnected_at < limit]:
            self.remove(a, "leave")

    def _checkpoint_places(self) -> None:
        """Every ``place_checkpoint_seconds``, save where those who moved stand, not only where they leave: when
        the process is killed, the one that takes over puts everyone back there (docs/scaling.md)."""
        every = self.settings.place_checkpoint_seconds
        if self.writer is None or every <= 0 or (self.tick_no // self.settings.tick_hz) % every:
            return
        for a in self.avatars.values():
            spot = (a.room.id, a.xq, a.yq, a.hq)
            if spot != a.saved_spot and not a.identity.is_guest:
                a.saved_spot = spot
                self.writer.place(Place(a.identity.user_id, a.room.id, a.x, a.y, a.heading))

    # --- stopping ---------------------------------------------------------------------------------

    def closing(self) -> None:
        """The server is shutting down: no new grace periods; everyone will be removed."""
        self._stopping = True

    def remove_all(self) -> None:
        for a in list(self.avatars.values()):
            self.remove(a, "leave")
        for room in self.rooms.values():
            room.on_dispose()

    def _audit(self, what: str, a: Avatar, room_id: str | None, detail: str = "") -> None:
        event(log, what, user=a.identity.user_id, avatar=a.id, room=room_id)
        if self.writer is not None:
            self.writer.audit(AuditEvent(what, a.identity.user_id, room_id, detail))


def _ms(record: ChatRecord) -> int:
    """A chat line's time on the wire: the stored one, in milliseconds."""
    return int(record.created_at.timestamp() * 1000)


def _same(resume: str | None, token: str) -> bool:
    """The resume value a client sent is its avatar's (compared in constant time)."""
    return resume is not None and secrets.compare_digest(resume.encode(), token.encode())
