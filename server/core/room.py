"""A room of the college at run time, with a clear lifecycle (after Colyseus):

``on_create`` when the world loads, ``on_auth`` before anyone enters (capacity, the features' checks, the access
policy), ``on_join`` / ``on_leave`` / ``on_resume`` as avatars come, go and reconnect, and ``on_dispose`` when the
server stops. A feature may build rooms of its own kind (a classroom) that extend these steps; every feature is
told about each step of every room (:class:`~cybercollege.server.core.feature.Features`). Messages are dispatched
by the world's one table, not by rooms.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cybercollege.protocol import ErrorCode
from cybercollege.server.core.feature import Features
from cybercollege.server.core.identity import Identity, Role, class_key
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
        self.features = Features(())
        """The world's features, told about each step of the room's lifecycle (set by the world)."""
        self.schools: tuple[str, ...] = ()
        """The UAIs of the collège's schools (set by the world): no one of another school is one of ours here."""
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
        self.features.may_enter(identity, self)
        if len(self.members) >= self.spec.capacity:
            raise Refused(ErrorCode.ROOM_FULL, f"{self.spec.name} est complet ({self.spec.capacity} places)")
        if not self.allows(identity):
            raise Refused(ErrorCode.ACCESS_DENIED, f"accès à {self.spec.name} refusé")

    def allows(self, identity: Identity) -> bool:
        """The room's access policy (docs/worlds.md §access): someone of another school enters open rooms only
        (visitors an ENT admits, docs/sso.md), with no staff or teacher rights; else a feature's verdict (guests,
        conference invitations), else the world file's policy. Guests go only where a feature lets them."""
        if not self.of_school(identity):
            return self.spec.access.policy == "open"
        verdict = self.features.allows(identity, self)
        if verdict is not None:
            return verdict
        policy = self.spec.access.policy
        role = identity.role
        if role is Role.STAFF:
            return True
        if role is Role.GUEST:
            return False
        if policy == "open":
            return True
        if policy == "staff":
            return role is Role.TEACHER
        if policy == "class":
            classes = self.spec.access.classes
            if role is Role.TEACHER:
                return not classes or self.has_class(identity, classes)
            return self.has_class(identity, classes)
        if policy == "conference":  # the guests feature adds the invited classes and the admitted guests
            return role is Role.TEACHER
        return False

    def of_school(self, identity: Identity) -> bool:
        """One of the collège's schools' people, or a guest (her token is this collège's own); True when the world
        names no school."""
        return identity.is_guest or not self.schools or identity.school_uai in self.schools

    def has_class(self, identity: Identity, classes: Iterable[str]) -> bool:
        """Whether one of her classes is one of ``classes`` (names of the world file: a bare one is of the world's
        first school), each namespaced by its school."""
        if not self.schools:
            return bool(set(identity.classes) & set(classes))
        return bool(identity.class_keys & {class_key(self.schools[0], c) for c in classes})

    def teaches(self, identity: Identity) -> bool:
        """A teacher of this room (its tools, slides, exports, questions, breakouts, the conference's hosts):
        staff of the collège's schools, or a teacher the room admits."""
        if not self.of_school(identity):
            return False
        return identity.role is Role.STAFF or (identity.role is Role.TEACHER and self.allows(identity))

    def on_join(self, a: Avatar) -> None:
        """``a`` entered (placed already). Tell it who is here, and tell the others about it."""
        self.members[a.id] = a
        a.room = self
        self.changed.discard(a)
        self.interest.added(a, self.events)  # presence too: PRESENCE lists, or APPEARs in grid rooms
        self.features.joined(a, self)

    def on_leave(self, a: Avatar) -> None:
        """``a`` left (door, logout, end of grace period)."""
        if self.members.pop(a.id, None) is None:
            return
        self.changed.discard(a)
        self.interest.removed(a, self.events)
        self.features.left(a, self)

    def on_resume(self, a: Avatar) -> None:
        """``a``'s client reconnected: give it the full picture again."""
        self.interest.resumed(a)
        self.features.resumed(a, self)

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
