"""The cluster feature: what several processes of one platform tell each other, through :mod:`presence`.

A user's home is the process that holds her connection (a claim with a TTL, renewed while she is here); a newer
connection elsewhere makes the previous home drop hers (close 4010); a logout anywhere revokes her session's tokens
and removes her avatar everywhere (close 4011): here at once, elsewhere through the outbox, which keeps the message
while the broker is down and sends it when it is back. With one process, the local presence does it in memory.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from cybercollege.protocol import CloseCode
from cybercollege.server.cluster.outbox import Outbox
from cybercollege.server.cluster.presence import CLAIM_TTL, Presence
from cybercollege.server.core.feature import Feature

if TYPE_CHECKING:
    from cybercollege.server.auth.tokens import TokenService
    from cybercollege.server.core.avatar import Avatar

log = logging.getLogger("cybercollege.cluster")


class Cluster(Feature):
    name = "cluster"

    def __init__(self, presence: Presence, tokens: TokenService) -> None:
        self.presence = presence
        self.tokens = tokens
        self.outbox = Outbox(presence)
        self.stopping = False
        self._background: set[asyncio.Task[None]] = set()
        self._refresh: asyncio.Task[None] | None = None
        presence.subscribe("revoke", self._on_revoke)
        presence.subscribe("replaced", self._on_replaced)

    async def start(self) -> None:
        await self.presence.start()
        self._refresh = asyncio.get_running_loop().create_task(self._refresh_claims(), name="presence-refresh")

    async def stop(self) -> None:
        self.stopping = True
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)

    async def close(self) -> None:
        """After the world emptied (the application's clean-up)."""
        await self.outbox.close()
        await self.presence.close()

    async def logout(self, sid: str) -> None:
        """End a login session everywhere: its tokens stop working and its avatar leaves (close 4011).

        Here first, without waiting for the broker; the other processes as soon as the broker takes the message.
        """
        self._on_revoke({"sid": sid})
        await self.outbox.send("revoke", {"sid": sid})

    async def claim(self, user_id: str) -> None:
        """This process is now the user's home; the previous one drops its connection."""
        try:
            previous = await self.presence.claim(user_id)
            if previous is not None:
                await self.presence.publish("replaced", {"user": user_id, "node": previous})
        except Exception:
            log.warning("presence broker unreachable: cannot claim a user", exc_info=True)

    def removed(self, a: Avatar) -> None:
        if not self.stopping:
            task = asyncio.get_running_loop().create_task(self._release(a.identity.user_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _release(self, user_id: str) -> None:
        """Free her claim (if the broker is down, it expires by itself after ``CLAIM_TTL``)."""
        try:
            await self.presence.release(user_id)
        except Exception as exc:
            log.warning("presence broker unreachable: a claim left to expire (%s)", type(exc).__name__)

    def _on_revoke(self, message: dict[str, Any]) -> None:
        sid = str(message.get("sid", ""))
        self.tokens.revoke(sid)
        for a in list(self.world.avatars.values()):
            if a.session is not None and a.session.sid == sid:
                self.world.remove_user(a.identity.user_id, CloseCode.LOGGED_OUT, "déconnecté")

    def _on_replaced(self, message: dict[str, Any]) -> None:
        if message.get("node") == self.presence.node:
            self.world.remove_user(str(message.get("user")), CloseCode.REPLACED, "connexion remplacée ailleurs")

    async def _refresh_claims(self) -> None:
        """Renew this process's claims on its users before they expire (several processes only)."""
        while True:
            await asyncio.sleep(CLAIM_TTL / 3)
            try:
                await self.presence.refresh([a.identity.user_id for a in self.world.avatars.values()])
            except Exception:
                log.warning("presence broker unreachable: claims not refreshed", exc_info=True)
