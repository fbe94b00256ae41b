"""What the request handlers of one server share, built once by :func:`server.app.build`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import web

from server import content
from server.config import Settings
from server.directory import DemoDirectory
from server.identity import Identity
from server.persistence import Place, Store, WriteBehind
from server.tokens import TokenService
from server.world import World

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
    connections: int = 0
    stopping: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def load_place(self, identity: Identity) -> Place | None:
        """The user's last place, or None (guests, first visit, or the database not answering in 2 s)."""
        if identity.is_guest:
            return None
        try:
            return await asyncio.wait_for(self.store.load_place(identity.user_id), 2.0)
        except Exception:  # the database being slow or down must not keep anyone out
            log.warning("could not load the last place", extra={"user": identity.user_id}, exc_info=True)
            return None


SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
