"""What the request handlers of one server share, built once by :func:`cybercollege.server.edge.app.build`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from cybercollege.protocol import CloseCode
from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.cluster.presence import Presence
from cybercollege.server.config import Settings
from cybercollege.server.core.avatar import Avatar
from cybercollege.server.core.identity import Identity
from cybercollege.server.core.world import World
from cybercollege.server.edge import content
from cybercollege.server.guests.invitation import Invitation, InvitationBook
from cybercollege.server.persistence import Place, Store, WriteBehind

log = logging.getLogger("cybercollege.app")


@dataclass
class Services:
    """Everything the handlers share, built once per server."""

    settings: Settings
    world: World
    tokens: TokenService
    store: Store
    writer: WriteBehind
    directory: DemoDirectory | None
    files: dict[str, content.Entry]
    world_hash: str
    limits: dict[str, int]
    presence: Presence
    invitations: InvitationBook
    connections: int = 0
    stopping: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    audit_handler: logging.Handler | None = None
    conferencing: Any = None
    """cybercollege.server.conference.conferencing.Conferencing (media of conference rooms)."""

    async def load_place(self, identity: Identity) -> Place | None:
        """The user's last place, or None (guests, first visit, or the database not answering in 2 s)."""
        if identity.is_guest:
            return None
        unwritten = self.writer.unwritten_place(identity.user_id)  # left a moment ago: not in the database yet
        if unwritten is not None:
            return unwritten
        try:
            return await asyncio.wait_for(self.store.load_place(identity.user_id), 2.0)
        except Exception:  # the database being slow or down must not keep anyone out
            log.warning("could not load the last place", extra={"user": identity.user_id}, exc_info=True)
            return None

    # --- cluster-wide events (through presence: local, or Redis with several processes) ---

    def wire_presence(self) -> None:
        """Subscribe to what other processes (and this one) announce. Call before ``presence.start()``."""
        self.presence.subscribe("revoke", self._on_revoke)
        self.presence.subscribe("replaced", self._on_replaced)
        self.world.on_removed.append(self._release)

    async def logout(self, sid: str) -> None:
        """End a login session everywhere: its tokens stop working and its avatar leaves (close 4011)."""
        await self.presence.publish("revoke", {"sid": sid})

    async def claim(self, user_id: str) -> None:
        """This process is now the user's home; the previous one drops its connection."""
        try:
            previous = await self.presence.claim(user_id)
            if previous is not None:
                await self.presence.publish("replaced", {"user": user_id, "node": previous})
        except Exception:
            log.warning("presence broker unreachable: cannot claim a user", exc_info=True)

    def _on_revoke(self, message: dict) -> None:
        sid = str(message.get("sid", ""))
        self.tokens.revoke(sid)
        for a in list(self.world.avatars.values()):
            if a.session is not None and a.session.sid == sid:
                self.world.remove_user(a.identity.user_id, CloseCode.LOGGED_OUT, "déconnecté")

    def _on_replaced(self, message: dict) -> None:
        if message.get("node") == self.presence.node:
            self.world.remove_user(str(message.get("user")), CloseCode.REPLACED, "connexion remplacée ailleurs")

    def _release(self, avatar: Avatar) -> None:
        if not self.stopping:
            task = asyncio.get_running_loop().create_task(self.presence.release(avatar.identity.user_id))
            self.background.add(task)
            task.add_done_callback(self.background.discard)

    # --- invitations ---

    async def load_invitations(self) -> None:
        for text in await self.store.load_invitations(datetime.now(UTC) - timedelta(days=1)):
            self.invitations.load(Invitation.from_json(text))

    async def save_invitations(self) -> None:
        """Write the invitations that changed (awaited by the HTTP API before it answers)."""
        book = self.invitations
        while book.changed:
            invitation = book.by_id[book.changed.pop()]
            until = datetime.fromtimestamp(invitation.valid_until, UTC)
            try:
                await self.store.save_invitation(invitation.id, until, invitation.to_json())
            except Exception:
                book.changed.add(invitation.id)
                raise


SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
