"""The guest lobby: where invited guests wait until a teacher admits them into the invited room.

Guests never walk the college: admitted, they land in their invitation's room (the amphitheatre of the
conference) and its access policy keeps them there; when the invitation ends they are removed. A guest a
conference host removes (``CONF_REMOVE``) comes back here and waits again: teachers get the new list.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from cybercollege import worlds
from cybercollege.protocol import CloseCode, ErrorCode, encode
from cybercollege.protocol.invitation import Admit, Dismiss, Guest, Lobby
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.logs import event
from cybercollege.server.core.room import Room
from cybercollege.server.guests.invitation import Invitation, InvitationBook
from cybercollege.worlds.build import Located, build_room
from cybercollege.worlds.schema import RoomSpec

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.interest import Counters
    from cybercollege.server.core.session import Session
    from cybercollege.server.core.world import World

log = logging.getLogger("cybercollege.lobby")

LOBBY_ID = "lobby"


def lobby_spec() -> worlds.Room:
    """A small waiting room outside the building (not part of any world file)."""
    spec = RoomSpec(
        id=LOBBY_ID,
        name="Salle d'attente des invités",
        kind="hall",
        capacity=500,
        interest="room",
        rect=(-1000.0, -1000.0, -990.0, -990.0),
        spawn_points=[(-995.0, -995.0, 0.0)],
    )
    return build_room(Located("<lobby>", 0, spec)).room


class LobbyRoom(Room):
    """Only guests wait here; they may not move or chat until admitted."""

    def __init__(self, settings: Settings, counters: Counters, book: InvitationBook) -> None:
        super().__init__(lobby_spec(), settings, counters)
        self.chat_allowed = False
        self.book = book

    def allows(self, identity: Identity) -> bool:
        """Guests whose invitation is open now (a removed guest cannot come back with an old token)."""
        invitation = self.book.by_id.get(identity.invitation or "")
        return identity.role is Role.GUEST and invitation is not None and invitation.active()


class Admissions:
    """Teachers' side of the lobby: who waits for whom, admitting, dismissing, and the end of invitations."""

    def __init__(self, world: World, book: InvitationBook) -> None:
        self.world = world
        self.book = book
        self.room = LobbyRoom(world.settings, world.counters, book)
        self.room.hooks.append(self)
        world.rooms[LOBBY_ID] = self.room
        self._notified: set[str] = set()
        world.handlers[Admit] = self.admit
        world.handlers[Dismiss] = self.dismiss
        world.on_joined.append(self._joined)
        world.on_removed.append(self._removed)
        world.every_second.append(self.expire)
        for room in world.rooms.values():
            if room.spec.access.policy == "conference":
                room.invited_classes = functools.partial(book.classes_for, room.id)

    def waiting_for(self, teacher: Identity) -> list[Avatar]:
        return [
            a
            for a in self.room.members.values()
            if (inv := self._invitation(a)) is not None and inv.may_manage(teacher)
        ]

    def admit(self, teacher: Avatar, session: Session, msg: Admit) -> None:
        if teacher.identity.role not in (Role.TEACHER, Role.STAFF):
            session.error(ErrorCode.ACCESS_DENIED, "seuls les enseignants admettent les invités", 96)
            return
        waiting = {a.id: a for a in self.waiting_for(teacher.identity)}
        chosen = list(waiting.values()) if not msg.ids else [waiting[i] for i in msg.ids if i in waiting]
        if msg.ids and len(chosen) != len(msg.ids):
            session.error(ErrorCode.UNKNOWN_AVATAR, "invité inconnu ou déjà admis", 96)
        for guest in chosen:
            invitation = self._invitation(guest)
            assert invitation is not None
            target = self.world.rooms[invitation.room]
            target.participants.add(guest.identity.user_id)
            spot = target.spec.spawn_points[len(target.members) % len(target.spec.spawn_points)]
            self.world.move_to(guest, target, spot)
            event(log, "guest_admitted", guest=guest.identity.user_id, by=teacher.identity.user_id)
        self.notify()

    def dismiss(self, teacher: Avatar, session: Session, msg: Dismiss) -> None:
        guest = self.world.avatars.get(msg.id)
        invitation = self._invitation(guest) if guest is not None else None
        if guest is None or invitation is None or not invitation.may_manage(teacher.identity):
            session.error(ErrorCode.UNKNOWN_AVATAR, "invité inconnu", 97)
            return
        self.world.remove_user(guest.identity.user_id, CloseCode.REMOVED, "renvoyé par l'enseignant")

    def expire(self) -> None:
        """Remove the guests of invitations that were revoked or ran out (called every second)."""
        for invitation in self.book.ended():
            for user_id in list(invitation.guests):
                self.world.remove_user(user_id, CloseCode.REMOVED, "l'invitation est terminée")
                self.world.rooms[invitation.room].participants.discard(user_id)
            invitation.guests.clear()
            self.book.changed.add(invitation.id)

    def notify(self) -> None:
        """Send each connected teacher the guests waiting for them."""
        for a in self.world.avatars.values():
            if a.session is not None and a.identity.role in (Role.TEACHER, Role.STAFF):
                waiting = self.waiting_for(a.identity)
                if waiting or a.identity.user_id in self._notified:
                    a.session.push(encode(Lobby([self._guest(g) for g in waiting])))
                    self._notified.add(a.identity.user_id)

    def _joined(self, a: Avatar) -> None:
        if a.identity.role in (Role.TEACHER, Role.STAFF):
            self.notify()

    # --- lobby room hooks: a guest arrives (first connection, or sent back), leaves, resumes ---------

    def entered(self, a: Avatar, room: Room) -> None:
        self.notify()

    def left(self, a: Avatar, room: Room) -> None:
        """Admitting notifies by itself; a guest who disconnects for good is seen by ``_removed``."""

    def resumed(self, a: Avatar, room: Room) -> None:
        """The waiting list did not change."""

    def _removed(self, a: Avatar) -> None:
        if a.identity.is_guest:
            invitation = self._invitation(a)
            if invitation is not None:
                self.world.rooms[invitation.room].participants.discard(a.identity.user_id)
            self.notify()

    def _invitation(self, a: Avatar | None) -> Invitation | None:
        if a is None or a.identity.invitation is None:
            return None
        return self.book.by_id.get(a.identity.invitation)

    def _guest(self, a: Avatar) -> Guest:
        invitation = self._invitation(a)
        school = invitation.partner_school if invitation else ""
        return Guest(a.id, a.identity.display_name, a.identity.invitation or "-", school[:120])
