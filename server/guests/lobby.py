"""The guest lobby: the room where invited guests wait until a teacher admits them (server/guests/feature.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cybercollege import worlds
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.room import Room
from cybercollege.server.guests.invitation import InvitationBook
from cybercollege.worlds.build import Located, build_room
from cybercollege.worlds.schema import RoomSpec

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.interest import Counters

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
        self.book = book

    def allows(self, identity: Identity) -> bool:
        """Guests whose invitation is open now (a removed guest cannot come back with an old token)."""
        invitation = self.book.by_id.get(identity.invitation or "")
        return identity.role is Role.GUEST and invitation is not None and invitation.active()
