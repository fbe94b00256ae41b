"""A room of the college at run time, with a clear lifecycle (after Colyseus):

``on_create`` when the world loads, ``on_auth`` before anyone enters (access policy and capacity),
``on_join`` / ``on_leave`` as avatars come and go, ``on_message`` for what its members send, and
``on_dispose`` when the server stops. Subclasses (classroom, conference) extend these hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.messages import Presence
from cybercollege.server.classroom.control import RoomControl
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.interest import Counters, GridInterest, Outgoing, RoomInterest

if TYPE_CHECKING:
    from cybercollege import worlds
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar

log = logging.getLogger("cybercollege.room")


class Refused(Exception):
    """Entering the room was refused; ``code`` is the protocol error to report."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Room:
    """Members, pending events and interest management of one room of the world."""

    def __init__(self, spec: worlds.Room, settings: Settings, counters: Counters) -> None:
        self.spec = spec
        self.id = spec.id
        self.members: dict[int, Avatar] = {}
        self.changed: set[Avatar] = set()
        self.events: list[bytes] = []
        self.participants: set[str] = set()
        """user ids admitted by a teacher (guests of an invitation, conference participants)."""
        self.invited_classes: Callable[[], set[str]] = set
        """Classes admitted to a ``conference`` room now (from active invitations)."""
        self.chat_allowed = True
        self.hooks: list[Any] = []
        """Objects told when avatars enter (``entered``), leave (``left``) and reconnect (``resumed``)."""
        self.control = RoomControl()
        """Hands, muting, freezing, locking, polls, attendance (server/classroom/teacher.py)."""
        if spec.interest == "grid":
            self.interest: RoomInterest | GridInterest = GridInterest(self.members, counters, settings)
        else:
            self.interest = RoomInterest(self.members, counters)
        self.on_create()

    # --- lifecycle -------------------------------------------------------------------------------

    def on_create(self) -> None:
        """The world was loaded. Override to set up room-specific state."""

    def on_auth(self, identity: Identity) -> None:
        """Raise :class:`Refused` unless ``identity`` may enter now."""
        if self.control.locked and identity.role not in (Role.TEACHER, Role.STAFF):
            raise Refused(ErrorCode.ACCESS_DENIED, f"{self.spec.name} est verrouillée par l'enseignant")
        if len(self.members) >= self.spec.capacity:
            raise Refused(ErrorCode.ROOM_FULL, f"{self.spec.name} est complet ({self.spec.capacity} places)")
        if not self.allows(identity):
            raise Refused(ErrorCode.ACCESS_DENIED, f"accès à {self.spec.name} refusé")

    def allows(self, identity: Identity) -> bool:
        """The room's access policy (docs/worlds.md §access)."""
        policy = self.spec.access.policy
        role = identity.role
        if role is Role.STAFF:
            return True
        if role is Role.GUEST:
            return identity.user_id in self.participants
        if policy == "open":
            return True
        if policy == "staff":
            return role is Role.TEACHER
        if policy == "class":
            classes = self.spec.access.classes
            if role is Role.TEACHER:
                return not classes or bool(set(identity.classes) & set(classes))
            return bool(set(identity.classes) & set(classes))
        if policy == "conference":
            return (
                role is Role.TEACHER
                or identity.user_id in self.participants
                or bool(set(identity.classes) & self.invited_classes())
            )
        return False

    def on_join(self, a: Avatar) -> None:
        """``a`` entered (placed already). Tell it who is here, and tell the others about it."""
        self.members[a.id] = a
        a.room = self
        self.changed.discard(a)
        if a.session is not None:
            a.session.push(encode(Presence([m.member() for m in self.members.values()], [])))
        self.events.append(encode(Presence([a.member()], [])))
        self.interest.added(a, self.events)
        self.control.arrived(a)
        if a.session is not None and not self.control.is_default():
            a.session.push(encode(self.control.message()))
        for hook in self.hooks:
            hook.entered(a, self)

    def on_leave(self, a: Avatar) -> None:
        """``a`` left (door, logout, end of grace period)."""
        if self.members.pop(a.id, None) is None:
            return
        self.changed.discard(a)
        self.interest.removed(a, self.events)
        self.events.append(encode(Presence([], [a.id])))
        hands, muted, spot = len(self.control.hands), len(self.control.muted), self.control.spotlight
        self.control.left(a)
        for hook in self.hooks:
            hook.left(a, self)
        if (hands, muted, spot) != (len(self.control.hands), len(self.control.muted), self.control.spotlight):
            self.events.append(encode(self.control.message()))

    def on_resume(self, a: Avatar) -> None:
        """``a``'s client reconnected: give it the full picture again."""
        if a.session is not None:
            a.session.push(encode(Presence([m.member() for m in self.members.values()], [])))
            if not self.control.is_default():
                a.session.push(encode(self.control.message()))
        self.interest.resumed(a)
        for hook in self.hooks:
            hook.resumed(a, self)

    def on_message(self, a: Avatar, msg: Any) -> bool:
        """Handle a room-specific message; return False if this room does not know it."""
        return False

    def on_dispose(self) -> None:
        """The server is stopping."""
        self.members.clear()

    # --- tick ------------------------------------------------------------------------------------

    def flush(self, tick: int, out: Outgoing) -> None:
        """Encode what changed since the last tick once, and queue each member's frame."""
        changed = self.changed
        events = self.events
        if changed:
            self.changed = set()
            for a in changed:
                a.encode()
                a.changed_tick = tick
        if events:
            self.events = []
        if not self.members:
            return
        self.interest.flush(tick, list(changed), events, out)
