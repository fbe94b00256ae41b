"""The guests feature: partner classes invited by a teacher, the lobby where their pupils wait, and their way in.

Guests never walk the college: admitted, they land in their invitation's room (the amphitheatre of the
conference) and its access policy keeps them there; when the invitation ends they are removed. A guest a
conference host removes (``CONF_REMOVE``) comes back to the lobby and waits again: teachers get the new list.
Pupils of the invited classes enter the invited ``conference`` room while the invitation is active.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from cybercollege.protocol import CloseCode, ErrorCode, encode
from cybercollege.protocol.invitation import Admit, Dismiss, Guest, Lobby
from cybercollege.protocol.messages import schema_of
from cybercollege.server.core.feature import Feature, Handler, Route
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.logs import event
from cybercollege.server.core.ratelimit import TokenBucket
from cybercollege.server.core.room import Refused, Room
from cybercollege.server.guests import routes
from cybercollege.server.guests.invitation import Invitation, InvitationBook
from cybercollege.server.guests.lobby import LOBBY_ID, LobbyRoom
from cybercollege.server.guests.personal import InvitationsData

if TYPE_CHECKING:
    from cybercollege.server.auth.directory import DemoDirectory
    from cybercollege.server.auth.tokens import TokenService
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session
    from cybercollege.server.core.world import World
    from cybercollege.server.persistence import Store

log = logging.getLogger("cybercollege.lobby")

ATTEMPTS_PER_MINUTE = 10
"""Invitation codes one address may try per minute, on every route that takes a code."""


class Guests(Feature):
    """Invitations, the lobby, admitting and dismissing guests, and the end of invitations."""

    name = "guests"

    def __init__(self, tokens: TokenService, directory: DemoDirectory | None = None) -> None:
        self.book = InvitationBook()
        self.tokens = tokens
        self.directory = directory
        self.attempts: dict[str, TokenBucket] = {}
        """Code attempts per address, shared by every route that takes a code."""
        self.admitted: dict[str, set[str]] = {}
        """Room id -> user ids of the guests a teacher admitted there."""
        self._notified: set[str] = set()
        self.watchers: set[Callable[[], None]] = set()
        """Called whenever the lobby changes (the portal's live lobby pages, server/portal/views/lobby.py)."""

    def bind(self, world: World) -> None:
        super().bind(world)
        self.lobby = LobbyRoom(world.settings, world.counters, self.book)

    # --- declarations --------------------------------------------------------------------------------

    def rooms(self) -> Iterable[Room]:
        return (self.lobby,)

    def handlers(self) -> Mapping[type, Handler]:
        return {Admit: self.admit, Dismiss: self.dismiss}

    def routes(self) -> Iterable[Route]:
        return routes.routes(self)

    def personal_data(self) -> Iterable[InvitationsData]:
        return [InvitationsData(self.book)]

    async def start(self) -> None:
        for text in await self._store().load_invitations(datetime.now(UTC) - timedelta(days=1)):
            self.book.load(Invitation.from_json(text))

    async def stop(self) -> None:
        try:
            await self.save()
        except Exception:
            log.error("could not save %d invitations at shutdown", len(self.book.changed), exc_info=True)

    async def save(self) -> None:
        """Write the invitations that changed (awaited by the HTTP API before it answers)."""
        book = self.book
        store = self._store()
        while book.changed:
            invitation = book.by_id[book.changed.pop()]
            until = datetime.fromtimestamp(invitation.valid_until, UTC)
            try:
                await store.save_invitation(invitation.id, until, invitation.to_json())
            except Exception:
                book.changed.add(invitation.id)
                raise

    def invitations_of(self, identity: Identity) -> list[Invitation]:
        """The invitations ``identity`` may list and revoke (hers; all of her school's for staff), newest first."""
        mine = [i for i in self.book.by_id.values() if i.owned_by(identity)]
        return sorted(mine, key=lambda i: i.valid_from, reverse=True)

    async def revoke_for(self, identity: Identity, invitation_id: str) -> Invitation | None:
        """Revoke one of :meth:`invitations_of` and save it; None if it is not one of them."""
        invitation = self.book.by_id.get(invitation_id)
        if invitation is None or not invitation.owned_by(identity):
            return None
        self.book.revoke(invitation.id)
        await self.save()
        return invitation

    def invitable_rooms(self, identity: Identity) -> list[Room]:
        """The rooms ``identity`` may invite a partner class into: the amphitheatre, a classroom she may enter."""
        return [
            room
            for room in self.world.rooms.values()
            if room is not self.lobby and room.spec.access.policy in ("conference", "class") and room.allows(identity)
        ]

    def lobby_of(self, identity: Identity, room_id: str | None = None) -> list[Guest]:
        """The guests waiting in the lobby for the invitations ``identity`` owns (hers; her school's for staff),
        of ``room_id`` if given, in the order they arrived."""
        return [
            self._guest(a)
            for a in self.lobby.members.values()
            if (inv := self._invitation(a)) is not None and inv.owned_by(identity) and room_id in (None, inv.room)
        ]

    def admit_for(self, identity: Identity, ids: Iterable[int]) -> list[Guest]:
        """Admit the guests ``ids`` of :meth:`lobby_of` (from the portal); returns those admitted."""
        waiting = {g.id for g in self.lobby_of(identity)}
        chosen = [self.world.avatars[i] for i in ids if i in waiting]
        admitted = [self._guest(a) for a in chosen]
        self._admit(identity, chosen)
        return admitted

    def dismiss_for(self, identity: Identity, avatar_id: int) -> Guest | None:
        """Send back (disconnect) one guest of :meth:`lobby_of`; None if she is not one of them."""
        guest = next((g for g in self.lobby_of(identity) if g.id == avatar_id), None)
        if guest is not None:
            self.world.remove_user(self.world.avatars[avatar_id].identity.user_id, CloseCode.REMOVED,
                                   "renvoyé par l'enseignant")  # fmt: skip
        return guest

    def member_names(self) -> Iterator[str]:
        """The names of the school's people this server knows (connected, or in the demo directory): a guest's
        name must not look like one of them (server/guests/names.py)."""
        for a in self.world.avatars.values():
            if not a.identity.is_guest:
                yield a.identity.display_name
        if self.directory is not None:
            yield from (i.display_name for i in self.directory.users.values())

    def attempt(self, address: str | None) -> bool:
        """Spend one of ``address``'s code attempts; False when it has none left this minute."""
        bucket = self.attempts.get(address or "?")
        if bucket is None:
            bucket = self.attempts[address or "?"] = TokenBucket(ATTEMPTS_PER_MINUTE / 60, ATTEMPTS_PER_MINUTE)
        return bucket.take()

    def _store(self) -> Store:
        writer = self.world.writer
        assert writer is not None, "invitations need the database"
        return writer.store

    # --- the rules ------------------------------------------------------------------------------------

    def answers_for(self, teacher: Identity, person: Identity) -> bool:
        """A teacher answers for the guests of her own invitations."""
        invitation = self.book.by_id.get(person.invitation or "") if person.role is Role.GUEST else None
        return invitation is not None and invitation.teacher == teacher.user_id

    def allows(self, identity: Identity, room: Room) -> bool | None:
        """Guests go only where a teacher admitted them; pupils of an invited class enter the invited room."""
        if room is self.lobby:
            return None  # the lobby's own rule (LobbyRoom.allows)
        admitted = identity.user_id in self.admitted.get(room.id, ())
        if identity.role is Role.GUEST:
            return admitted
        if room.spec.access.policy == "conference" and (
            admitted or identity.class_keys & self.book.classes_for(room.id)
        ):
            return True
        return None

    def may_chat(self, a: Avatar) -> Refused | None:
        if a.room is self.lobby:
            return Refused(ErrorCode.CHAT_FORBIDDEN, "pas de discussion en salle d'attente")
        return None

    def home(self, identity: Identity) -> Room | None:
        return self.lobby if identity.is_guest else None

    # --- teachers' messages ---------------------------------------------------------------------------

    def waiting_for(self, teacher: Identity) -> list[Avatar]:
        return [
            a
            for a in self.lobby.members.values()
            if (inv := self._invitation(a)) is not None and inv.may_manage(teacher)
        ]

    def admit(self, teacher: Avatar, session: Session, msg: Admit) -> None:
        if teacher.identity.role not in (Role.TEACHER, Role.STAFF):
            session.error(ErrorCode.ACCESS_DENIED, "seuls les enseignants admettent les invités", schema_of(msg).code)
            return
        waiting = {a.id: a for a in self.waiting_for(teacher.identity)}
        chosen = list(waiting.values()) if not msg.ids else [waiting[i] for i in msg.ids if i in waiting]
        if msg.ids and len(chosen) != len(msg.ids):
            session.error(ErrorCode.UNKNOWN_AVATAR, "invité inconnu ou déjà admis", schema_of(msg).code)
        self._admit(teacher.identity, chosen)

    def _admit(self, teacher: Identity, chosen: list[Avatar]) -> None:
        for guest in chosen:
            invitation = self._invitation(guest)
            assert invitation is not None
            target = self.world.rooms[invitation.room]
            self.admitted.setdefault(target.id, set()).add(guest.identity.user_id)
            spot = target.spec.spawn_points[len(target.members) % len(target.spec.spawn_points)]
            self.world.move_to(guest, target, spot)
            event(log, "guest_admitted", guest=guest.identity.user_id, by=teacher.user_id)
        self.notify()

    def dismiss(self, teacher: Avatar, session: Session, msg: Dismiss) -> None:
        guest = self.world.avatars.get(msg.id)
        invitation = self._invitation(guest) if guest is not None else None
        if guest is None or invitation is None or not invitation.may_manage(teacher.identity):
            session.error(ErrorCode.UNKNOWN_AVATAR, "invité inconnu", schema_of(msg).code)
            return
        self.world.remove_user(guest.identity.user_id, CloseCode.REMOVED, "renvoyé par l'enseignant")

    def every_second(self) -> None:
        """Remove the guests of invitations that were revoked or ran out."""
        for invitation in self.book.ended():
            for user_id in list(invitation.guests):
                self.world.remove_user(user_id, CloseCode.REMOVED, "l'invitation est terminée")
                self.admitted.get(invitation.room, set()).discard(user_id)
            invitation.guests.clear()
            self.book.changed.add(invitation.id)

    def notify(self) -> None:
        """Send each connected teacher the guests waiting for them; tell the watchers."""
        for watcher in list(self.watchers):
            watcher()
        for a in self.world.avatars.values():
            if a.session is not None and a.identity.role in (Role.TEACHER, Role.STAFF):
                waiting = self.waiting_for(a.identity)
                if waiting or a.identity.user_id in self._notified:
                    a.session.push(encode(Lobby([self._guest(g) for g in waiting])))
                    self._notified.add(a.identity.user_id)

    # --- arrivals and departures ----------------------------------------------------------------------

    def connected(self, a: Avatar) -> None:
        if a.identity.role in (Role.TEACHER, Role.STAFF):
            self.notify()

    def joined(self, a: Avatar, room: Room) -> None:
        if room is self.lobby:  # a guest arrives (first connection, or sent back)
            self.notify()

    def left(self, a: Avatar, room: Room) -> None:
        """A guest out of the invited room (sent out, removed) must be admitted again to come back."""
        if a.identity.is_guest and room is not self.lobby:
            self.admitted.get(room.id, set()).discard(a.identity.user_id)

    def removed(self, a: Avatar) -> None:
        if a.identity.is_guest:
            self.notify()

    def _invitation(self, a: Avatar | None) -> Invitation | None:
        if a is None or a.identity.invitation is None:
            return None
        return self.book.by_id.get(a.identity.invitation)

    def _guest(self, a: Avatar) -> Guest:
        invitation = self._invitation(a)
        school = invitation.partner_school if invitation else ""
        return Guest(a.id, a.identity.display_name, a.identity.invitation or "-", school[:120])


__all__ = ["LOBBY_ID", "Guests"]
